// What a strategy module sees of evento: `import type { Strategy } from 'evento'` (docs/write-a-strategy.md).
import type { Sql } from '../db/connection.js';
import type { ConflictReason, Reservation, ReserveOutcome, ReserveRequest as RoomRequest } from './types.js';

export type { ConflictReason, Reservation, ReserveOutcome, Sql };

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
  reserve(sql: Sql, request: ReserveRequest): Promise<ReserveOutcome>;
}
