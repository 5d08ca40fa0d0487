import type { Sql, TransactionSql } from 'postgres';

/** A connection pool or a transaction scope: strategies accept either. */
export type Db = Sql | TransactionSql;

/** One reservation request as the HTTP layer validated it. */
export interface ReserveRequest {
  eventId: string;
  hotelId: string;
  rooms: number;
  email: string;
  requestId: string | null;
}

export interface Reservation {
  id: string;
  event_id: string;
  hotel_id: string;
  rooms: number;
  email: string;
  status: string;
}

/** Expected results are values; only the unexpected is thrown. */
export type ReserveOutcome =
  | { status: 'reserved'; reservation: Reservation }
  | { status: 'conflict'; reason: ConflictReason }
  | { status: 'insufficient'; available: number }
  | { status: 'not_found' };

/** Why a request lost a race; the 409 body and the result's `conflicts_by_reason` use these names. */
export const conflictReasons = [
  'version_mismatch',
  'serialization_failure',
  'deadlock',
  'lock_timeout',
  'unique_violation',
  'exclusion_violation',
] as const;

export type ConflictReason = (typeof conflictReasons)[number];

export interface Strategy {
  name: string;
  summary: string;
  /** Whether the strategy promises that rooms are never overbooked. */
  promisesSafety: boolean;
  /** Writes through the room_events log: the audit also replays the log against the tables. */
  eventSourced?: boolean;
  reserve(sql: Sql, request: ReserveRequest): Promise<ReserveOutcome>;
}
