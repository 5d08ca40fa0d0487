// What a strategy module sees of evento: `import type { Strategy } from 'evento'` (docs/write-a-strategy.md).
import type { Sql } from '../db/connection.js';
import type { AnomalyFamily, ConflictReason, Reservation, ReserveOutcome, ReserveRequest as RoomRequest, Safeguard } from './types.js';

export type { AnomalyFamily, ConflictReason, Reservation, ReserveOutcome, Safeguard, Sql };

/** One reservation request, validated by the server: ids are uuids, `rooms` a whole number from 1 up. */
export type ReserveRequest = Readonly<Pick<RoomRequest, 'eventId' | 'hotelId' | 'rooms' | 'email' | 'requestId'>>;

/**
 * A strategy module's default export. `name` becomes the route (`POST /{event}/{hotel}/reserve/{name}`)
 * and the strategy's name in tables and result files. `reserve` answers every expected result as a
 * value; a lost race it does not catch (SQLSTATE 40001, 40P01, 55P03, 23505, 23P01) is a conflict
 * as for the built-ins, and anything else it throws is counted as a `strategy_error`.
 */
export interface Strategy {
  /** Lower-case letters, digits and dashes, and not a built-in strategy's name. */
  name: string;
  /** One line for tables and `--help`. */
  summary: string;
  /** Whether it promises that rooms are never overbooked: `--assert-no-overbooking` holds it to that. */
  promisesSafety: boolean;
  /**
   * How it keeps that promise, so that a run with `--history` counts it ("how it stayed safe");
   * left out, the line says "not declared". Only for a strategy that promises safety.
   */
  safeguard?: Safeguard;
  /**
   * Which family of anomaly its overbooking belongs to, which names its witnesses; left out, a
   * strategy that promises nothing has them named "not declared".
   */
  anomaly?: AnomalyFamily;
  reserve(sql: Sql, request: ReserveRequest): Promise<ReserveOutcome>;
}
