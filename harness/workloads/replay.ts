import type { Sql } from '../../db/connection.js';
import { projectPath } from '../model/paths.js';

/** One stream (event-hotel row): the stored projection beside the one replayed from its log. */
export interface StreamReplay {
  stream_id: string;
  hotel_id: string;
  hotel_name: string;
  /** The version of the stream's last event. */
  version: number;
  contracted: number;
  replayed_contracted: number;
  reserved: number;
  replayed_reserved: number;
  /** Rooms of CONFIRMED reservations that no event explains. */
  unlogged_rooms: number;
  /** Rooms of ROOMS_RESERVED events whose reservation is missing. */
  unprojected_rooms: number;
  /** Events of a type the replay does not know. */
  unknown_events: number;
  /** Versions missing from 1 to the stream's last one, and versions below 1. */
  version_gaps: number;
  /** Events beyond the first at one version. */
  duplicate_versions: number;
  /**
   * Rooms by which the stored projection differs from the replayed one, plus the events out of
   * place (the three counts above); 0 when the log is one ordered sequence that replays to the tables.
   */
  log_mismatch: number;
}

export interface LogReplay {
  streams: StreamReplay[];
  log_mismatch: number;
}

/**
 * Replays every stream of an event into a fresh projection and compares it with the tables
 * (sql/replay.sql); strict: an unknown event type, a version gap or a duplicate version is a mismatch too.
 */
export async function replayLog(sql: Sql, eventId: string): Promise<LogReplay> {
  const streams = await sql.file<StreamReplay[]>(projectPath('sql/replay.sql'), [eventId]);
  return { streams, log_mismatch: streams.reduce((sum, stream) => sum + stream.log_mismatch, 0) };
}
