import type { Sql } from '../db/connection.js';

/** One reservation request as the HTTP layer validated it. */
export interface ReserveRequest {
  eventId: string;
  hotelId: string;
  rooms: number;
  email: string;
  requestId: string | null;
  /** Set for a hold (the holds workload): claim `locked`, not `reserved`, for this many ms. */
  holdMs?: number;
  /** Set when the caller records a history: the strategy notes here what it decided on. */
  decision?: Decision;
  /**
   * Fault injection (`--chaos slow-db`), from the server's configuration: every read a decision
   * rests on is followed by a pause this long in the same transaction, so the window between a
   * strategy's read and its write is wide.
   */
  readPauseMs?: number;
  /** From the server's configuration (--batch-ms): how long a strategy that batches gathers a hotel's claims; its default when unset. */
  batchMs?: number;
}

/**
 * What a strategy decided on, for a history (docs/histories.md): the row it read and the
 * transaction that wrote. Ids are PostgreSQL's 32-bit xids, as text.
 */
export interface Decision {
  /** Rooms left in the row read (a slot: 1 when the window was found free, 0 when taken). */
  read_available?: number;
  /** The row's version in that read. */
  read_version?: string;
  /** The transaction that wrote the row version read. */
  read_xmin?: string;
  /** When this request's transaction began, in microseconds since the epoch by the database's clock. */
  began_us?: string;
  /** The transaction that inserted the reservation (or booking). */
  txid?: string;
  /** The row's version after this request's update, where the strategy reads before it writes. */
  written_version?: string;
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

/** A transaction isolation level, as `BEGIN ISOLATION LEVEL …` spells it. */
export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/**
 * A strategy whose check-then-write is guarded by its isolation level alone: a rung of the
 * ladder that Hermitage (Kleppmann's isolation tests) charts for PostgreSQL by hand, which
 * evento measures under contention.
 */
export interface IsolationRung {
  level: Isolation;
  /**
   * The anomaly the check-then-write risks, in Adya's names as Hermitage uses them: P4, lost
   * update (two requests decide on one read of the room counter and both write it); G2,
   * anti-dependency cycle (two bookings each find a window free and insert rows the other's
   * check would have found: write skew over a predicate).
   */
  anomaly: 'P4' | 'G2';
  /** Hermitage's verdict for PostgreSQL at this level. */
  hermitage: 'allowed' | 'prevented';
}

/**
 * How a strategy that promises safety keeps it, as a history counts it (docs/histories.md): by
 * `lock` waits, by 409s of one `conflict` reason that the client retries, or by a `refusal` (the
 * status, and the reason when it is a 409) that tells the client the claim cannot be had.
 */
export type Safeguard = { mechanism: string } & (
  { by: 'lock' } | { by: 'conflict'; reason: ConflictReason } | { by: 'refusal'; status: 409 | 422; reason?: ConflictReason }
);

/**
 * The family of anomaly an unsafe strategy's overbooking (slots: overlap) belongs to, which names
 * its witnesses: `statements-apart`, a check and a write in separate transactions (no isolation
 * anomaly); `G-single`, read skew on one row (Adya); `G2`, write skew over rows or a predicate.
 */
export const anomalyFamilies = ['statements-apart', 'G-single', 'G2'] as const;
export type AnomalyFamily = (typeof anomalyFamilies)[number];

/** What a strategy module that leaves out a field of its knowledge gets in its place. */
export const notDeclared = 'not declared';
export type NotDeclared = typeof notDeclared;

/**
 * What the analysis of a history knows of a strategy that books (rooms, slots), declared by the
 * strategy as data: every built-in declares both fields; a strategy module may.
 */
export interface StrategyKnowledge {
  /** How it keeps its promise; null when it promises nothing. */
  safeguard: Safeguard | null | NotDeclared;
  /** What its overbooking (slots: overlap) is, when it breaks; null when it promises safety. */
  anomaly: AnomalyFamily | null | NotDeclared;
  /** Writes through the room_events log: the audit also replays the log against the tables. */
  eventSourced?: boolean;
}

/**
 * Which rows keep a hotel's rooms: the event-hotel row's counter, bucket rows that split it
 * (room_buckets), or one row per room (room_units). The listing and the audit read the same ones.
 */
export type Inventory = 'counter' | 'buckets' | 'room_units';

/** What `evento strategies` lists of any strategy, whatever it books. */
export interface StrategyInfo {
  name: string;
  summary: string;
  /** Whether the strategy promises that rooms are never overbooked (slots: never overlap). */
  promisesSafety: boolean;
  /** Set when the isolation level alone guards the strategy. */
  isolation?: IsolationRung;
  /** The file a strategy module was loaded from (docs/write-a-strategy.md); unset for the built-ins. */
  module?: string;
  /** Settles the claims each server gathered on a hotel over `--batch-ms` together: the window is one of its parameters. */
  batches?: boolean;
  /** Set on a variant that is there to show a price: a race that names no strategies leaves it out. */
  notRacedByDefault?: true;
  /** Where it keeps the rooms it sells, when not in the counter: each run seeds its event so. */
  inventory?: Exclude<Inventory, 'counter'>;
  /** Why this database cannot run the strategy (a missing extension), or undefined when it can. */
  unavailable?(sql: Sql): Promise<string | undefined>;
}

export interface Strategy extends StrategyInfo, StrategyKnowledge {
  /** Honours `holdMs`, so it can place holds; strategies made of the rooms.ts steps get it free. */
  holds?: boolean;
  /**
   * Sends every statement inside the one transaction it opens (pipelinedTransaction), so a setting
   * local to that transaction covers them all: what the set-local tenant context needs.
   */
  oneTransaction?: boolean;
  reserve(sql: Sql, request: ReserveRequest): Promise<ReserveOutcome>;
}
