import type { Sql } from 'postgres';
import type { Db } from '../db/connection.js';
import type { Decision, Isolation, StrategyInfo, StrategyKnowledge } from './types.js';

/**
 * The time-slot workload: one booking per resource per moment. A booking holds `during`, a
 * tstzrange [start, end); it is active unless CANCELLED or EXPIRED. The SQL steps the slot
 * strategies are made of live here; each strategy composes them differently.
 */

/** One booking request as the HTTP layer validated it. */
export interface SlotRequest {
  resourceId: string;
  userId: string;
  start: Date;
  end: Date;
  requestId: string | null;
  /** Set when the caller records a history: the strategy notes here what it decided on. */
  decision?: Decision;
}

export interface SlotBooking {
  id: string;
  resource_id: string;
  user_id: string;
  start: string;
  end: string;
  status: string;
  request_id: string | null;
}

export type BookOutcome =
  | { status: 'booked'; booking: SlotBooking }
  /** An active booking already covers part of the window: not worth retrying as is. */
  | { status: 'taken'; reason: 'overlap' | 'exclusion_violation' }
  | { status: 'not_found' }
  /** The database lacks what the strategy relies on (the exclusion constraint). */
  | { status: 'unavailable'; detail: string };

export interface SlotStrategy extends StrategyInfo, StrategyKnowledge {
  book(sql: Sql, request: SlotRequest): Promise<BookOutcome>;
}

const inactive = ['CANCELLED', 'EXPIRED'];

const windowOf = (db: Db, request: SlotRequest) => db`tstzrange(${request.start}, ${request.end}, '[)')`;

const bookingColumns = (db: Db) => db`id, resource_id, user_id, lower(during) as start, upper(during) as "end", status, request_id`;

/**
 * What the insert does when a constraint refuses the row: `raise` the error (23P01 for the
 * exclusion constraint), or `do nothing` (ON CONFLICT DO NOTHING), inserting no row.
 */
export type OnConflict = 'raise' | 'do nothing';

/**
 * Inserts the booking if the resource exists (one statement: no window between the check and
 * the insert for the resource, though there is one for overlaps unless something else guards).
 * With `do nothing`, not_found may also mean that a constraint refused the row: resourceExists tells which.
 */
export async function insertBooking(db: Db, request: SlotRequest, strategy: string, onConflict: OnConflict = 'raise'): Promise<BookOutcome> {
  const [row] = await db<(SlotBooking & { txid: string })[]>`
    insert into slot_bookings (id, resource_id, user_id, during, status, strategy, request_id, created_at)
    select gen_random_uuid(), r.id, ${request.userId}, ${windowOf(db, request)}, 'CONFIRMED', ${strategy}, ${request.requestId}, now()
    from resources r
    where r.id = ${request.resourceId}
    ${onConflict === 'do nothing' ? db`on conflict do nothing` : db``}
    returning ${bookingColumns(db)}, xmin::text as txid
  `;
  if (!row) return { status: 'not_found' };
  const { txid, ...booking } = row;
  if (request.decision) request.decision.txid = txid;
  return { status: 'booked', booking };
}

/** Whether the resource exists: one index lookup, for telling an unknown resource from a refused booking. */
export async function resourceExists(db: Db, resourceId: string): Promise<boolean> {
  const [resource] = await db`select 1 from resources where id = ${resourceId}`;
  return resource !== undefined;
}

/** The booking a request with this request_id wrote, if any: a re-run answers from it instead of booking again. */
export async function bookingWrittenBy(db: Db, requestId: string): Promise<SlotBooking | undefined> {
  const [booking] = await db<SlotBooking[]>`
    select ${bookingColumns(db)} from slot_bookings where request_id = ${requestId} order by created_at limit 1
  `;
  return booking;
}

/**
 * Look for an active booking overlapping the window, then insert: correct only if nothing can
 * insert an overlapping booking in between, which is what the lock (or its absence) decides.
 */
export async function checkThenBook(db: Db, request: SlotRequest, strategy: string, lock: 'for update' | 'no lock'): Promise<BookOutcome> {
  if (lock === 'for update') {
    const [resource] = await db`select id from resources where id = ${request.resourceId} for update`;
    if (!resource) return { status: 'not_found' };
  }
  const [overlap] = await db`
    select 1 from slot_bookings
    where resource_id = ${request.resourceId} and during && ${windowOf(db, request)}
      and status <> all(${inactive})
    limit 1
  `;
  if (request.decision) request.decision.read_available = overlap ? 0 : 1;
  if (overlap) return { status: 'taken', reason: 'overlap' };
  return insertBooking(db, request, strategy);
}

/**
 * checkThenBook in one transaction at `isolation`: with no lock, the level alone decides whether
 * two bookings that both found a window free can both commit.
 */
export function checkThenBookAt(
  sql: Sql,
  isolation: Isolation,
  request: SlotRequest,
  strategy: string,
  lock: 'for update' | 'no lock',
): Promise<BookOutcome> {
  return sql.begin(`isolation level ${isolation}`, (tx) => checkThenBook(tx, request, strategy, lock));
}

export interface SlotQuery {
  resourceId?: string;
  userId?: string;
  status?: string;
  /** Bookings overlapping [start, end); an absent bound is unbounded. */
  start?: Date;
  end?: Date;
}

/** The bookings matching every given filter, in time order: `GET /slots` streams them. */
export function queryBookings(sql: Sql, query: SlotQuery) {
  const where = [
    query.resourceId !== undefined && sql`resource_id = ${query.resourceId}`,
    query.userId !== undefined && sql`user_id = ${query.userId}`,
    query.status !== undefined && sql`status = ${query.status}`,
    (query.start ?? query.end) !== undefined && sql`during && tstzrange(${query.start ?? null}, ${query.end ?? null}, '[)')`,
  ].filter((clause) => clause !== false);
  const conditions = where.reduce((all, clause) => sql`${all} and ${clause}`, sql`true`);
  return sql<SlotBooking[]>`
    select ${bookingColumns(sql)} from slot_bookings
    where ${conditions}
    order by lower(during), id
  `;
}
