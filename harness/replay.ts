import type { Sql } from '../db/connection.js';
import { projectPath } from './paths.js';

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
  /** Rooms by which the stored projection differs from the replayed one; 0 when they agree. */
  log_mismatch: number;
}

export interface LogReplay {
  streams: StreamReplay[];
  log_mismatch: number;
}

/** Replays every stream of an event into a fresh projection and compares it with the tables (sql/replay.sql). */
export async function replayLog(sql: Sql, eventId: string): Promise<LogReplay> {
  const streams = await sql.file<StreamReplay[]>(projectPath('sql/replay.sql'), [eventId]);
  return { streams, log_mismatch: streams.reduce((sum, stream) => sum + stream.log_mismatch, 0) };
}
