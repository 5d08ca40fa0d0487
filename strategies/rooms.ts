import { randomUUID } from 'node:crypto';
import type { Db } from '../db/connection.js';
import type { Decision, Reservation, ReserveOutcome, ReserveRequest } from './types.js';

/** The SQL steps the room strategies are made of; each strategy composes them differently. */

interface RoomRow {
  id: string;
  contracted: number;
  reserved: number;
  locked: number;
  version: string;
}

/** `value`, after the request's slow-db pause when it has one; off, it costs one comparison. */
export function afterRead<T>(db: Db, request: ReserveRequest, value: T): T | Promise<T> {
  const ms = request.readPauseMs ?? 0;
  return ms > 0 ? db`select pg_sleep(${ms / 1000})`.then(() => value) : value;
}

/**
 * The event's hotels with rooms left, in name order; undefined when the event does not exist (or,
 * under row-level security, is not the tenant's). Rooms left are counted in the rows the hotel's
 * inventory keeps them in: its counter, its buckets or its free room units.
 */
export async function listAvailable(db: Db, eventId: string) {
  const hotels = await db<{ hotel_id: string; available: number }[]>`
    select hotel_id, available from (
      select ehr.hotel_id, h.name, case ehr.inventory
        when 'buckets' then (select sum(b.contracted - b.reserved) from room_buckets b where b.event_hotel_rooms_id = ehr.id)
        when 'room_units' then (select count(*) from room_units u where u.event_hotel_rooms_id = ehr.id and u.reservation_id is null)
        else ehr.contracted - (ehr.reserved + ehr.locked)
      end::int as available
      from event_hotel_rooms ehr join hotels h on h.id = ehr.hotel_id
      where ehr.event_id = ${eventId}
    ) listed
    where available > 0
    order by name
  `;
  if (hotels.length > 0) return hotels;
  const [event] = await db`select 1 from events where id = ${eventId}`;
  return event ? hotels : undefined;
}

/** With a history: which transaction wrote the row version read, and when this one began. */
export const readProvenance = (db: Db, request: ReserveRequest) =>
  request.decision ? db`, xmin::text as read_xmin, (extract(epoch from now()) * 1000000)::bigint::text as began_us` : db``;

/** Notes the row a decision rests on in the request's decision, when it has one. */
export function noteRead(
  request: ReserveRequest,
  row: (RoomCounts & { version: string | number } & Pick<Decision, 'read_xmin' | 'began_us'>) | undefined,
) {
  if (!request.decision || !row) return;
  Object.assign(request.decision, {
    read_available: availableIn(row),
    read_version: String(row.version),
    read_xmin: row.read_xmin,
    began_us: row.began_us,
  });
}

/**
 * How a read locks the row it decides on. `for no key update` does not conflict with the
 * `KEY SHARE` lock that inserting a reservation takes on the row its foreign key names.
 */
export type RowLock = 'for update' | 'for no key update' | 'no lock';

const lockClause = (db: Db, lock: RowLock) => (lock === 'for update' ? db`for update` : lock === 'for no key update' ? db`for no key update` : db``);

export function readRooms(db: Db, request: ReserveRequest, lock: RowLock = 'no lock') {
  return db<(RoomRow & Pick<Decision, 'read_xmin' | 'began_us'>)[]>`
    select id, contracted, reserved, locked, version ${readProvenance(db, request)}
    from event_hotel_rooms
    where event_id = ${request.eventId} and hotel_id = ${request.hotelId}
    ${lockClause(db, lock)}
  `.then((rows) => {
    noteRead(request, rows[0]);
    return afterRead(db, request, rows[0]);
  });
}

type RoomCounts = Pick<RoomRow, 'contracted' | 'reserved' | 'locked'>;

export const availableIn = (row: RoomCounts) => row.contracted - (row.reserved + row.locked);

/** Notes the writing transaction in the request's decision, when it has one; returns the reservation id. */
export function noteWrite(request: ReserveRequest, row: { id: string; txid: string }) {
  if (request.decision) request.decision.txid = row.txid;
  return row.id;
}

/**
 * What every strategy that reads before it writes decides from its read: no row is not_found,
 * fewer rooms than asked is insufficient; otherwise `claim` writes, from the row read.
 */
export async function whenAvailable<R extends RoomCounts>(
  row: R | undefined,
  request: ReserveRequest,
  claim: (row: R) => Promise<ReserveOutcome>,
): Promise<ReserveOutcome> {
  if (!row) return { status: 'not_found' };
  const available = availableIn(row);
  if (available < request.rooms) return { status: 'insufficient', available };
  return claim(row);
}

/**
 * What a request claims: a reservation adds to `reserved` and is born CONFIRMED; a hold adds to
 * `locked` and is born HELD, expiring `holdMs` after now by the database's clock.
 */
function claimOf(db: Db, request: ReserveRequest) {
  return request.holdMs === undefined
    ? { counter: db('reserved'), status: 'CONFIRMED', expiresAt: db`null::timestamptz` }
    : { counter: db('locked'), status: 'HELD', expiresAt: db`now() + ${request.holdMs}::float8 * interval '1 millisecond'` };
}

/**
 * Read availability, check it, add n to the counter, insert the reservation: as the original
 * Evento does. Correct only if no other request can pass the same check before this one
 * writes: that is what the lock (or its absence) decides. The update and the insert go out
 * together, in this order, without waiting on each other (neither needs the other's answer);
 * in a pipelined transaction `commit` sends the COMMIT right behind them.
 */
export async function checkThenWrite(
  db: Db,
  request: ReserveRequest,
  lock: RowLock,
  commit?: (after: Promise<unknown>) => Promise<unknown>,
): Promise<ReserveOutcome> {
  return whenAvailable(await readRooms(db, request, lock), request, async (row) => {
    const { counter, status, expiresAt } = claimOf(db, request);
    // execute() queues each now; awaiting them through Promise.all would queue them a tick later, after `commit`.
    // With a history, the version it wrote: one past the version read, unless others wrote in between.
    const update = db<{ written_version?: string }[]>`
      update event_hotel_rooms
      set ${counter} = ${counter} + ${request.rooms}, version = version + 1, updated_at = now()
      where id = ${row.id}
      ${request.decision ? db`returning version::text as written_version` : db``}
    `.execute();
    const insert = db<[{ id: string; txid: string }]>`
      insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, expires_at, created_at)
      values (gen_random_uuid(), ${row.id}, ${request.email}, ${request.rooms}, ${status}, ${request.requestId}, ${expiresAt}, now())
      returning id, xmin::text as txid
    `.execute();
    const [[updated], [inserted]] = await Promise.all([update, insert, commit?.(insert)]);
    if (request.decision) request.decision.written_version = updated?.written_version;
    return reserved(noteWrite(request, inserted), request);
  });
}

/**
 * One statement: add n to `reserved` (a hold: `locked`) where `condition` holds, and insert the
 * reservation only if that update matched. Returns the new reservation id, or undefined when it
 * did not match.
 */
export async function conditionalClaim(db: Db, request: ReserveRequest, condition: ReturnType<Db>) {
  const { counter, status, expiresAt } = claimOf(db, request);
  const [row] = await db<{ id: string; txid: string }[]>`
    with claimed as (
      update event_hotel_rooms
      set ${counter} = ${counter} + ${request.rooms}, version = version + 1, updated_at = now()
      where event_id = ${request.eventId} and hotel_id = ${request.hotelId} and ${condition}
      returning id
    )
    insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, expires_at, created_at)
    select gen_random_uuid(), claimed.id, ${request.email}, ${request.rooms}, ${status}, ${request.requestId}, ${expiresAt}, now()
    from claimed
    returning id, xmin::text as txid
  `;
  return row && noteWrite(request, row);
}

/**
 * Claims on one row, read under its lock, settled in the order they arrived: each takes its rooms
 * while they last, or is refused with what was left. One update adds the granted rooms and one
 * insert writes their reservations, so the granted claims are all written or none is; their
 * outcomes are answered only once the commit has.
 */
export async function claimInTurn(
  db: Db,
  claims: ReserveRequest[],
  row: (RoomRow & Pick<Decision, 'read_xmin' | 'began_us'>) | undefined,
  commit: (after: Promise<unknown>) => Promise<unknown>,
): Promise<ReserveOutcome[]> {
  if (!row) return claims.map(() => ({ status: 'not_found' }));
  let taken = 0;
  const outcomes = claims.map((claim): ReserveOutcome => {
    noteRead(claim, { ...row, reserved: row.reserved + taken });
    const available = availableIn(row) - taken;
    if (available < claim.rooms) return { status: 'insufficient', available };
    taken += claim.rooms;
    return reserved(randomUUID(), claim);
  });
  const granted = claims.flatMap((claim, index) => {
    const outcome = outcomes[index];
    return outcome?.status === 'reserved' ? [{ claim, id: outcome.reservation.id }] : [];
  });
  if (granted.length === 0) return outcomes;
  const update = db<[{ written_version: string }]>`
    update event_hotel_rooms set reserved = reserved + ${taken}, version = version + 1, updated_at = now()
    where id = ${row.id}
    returning version::text as written_version
  `.execute();
  const insert = db<[{ txid: string }]>`
    insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
    select claim.id, ${row.id}, claim.email, claim.rooms, 'CONFIRMED', claim.request_id, now()
    from unnest(
      ${granted.map(({ id }) => id)}::uuid[], ${granted.map(({ claim }) => claim.email)}::text[],
      ${granted.map(({ claim }) => claim.rooms)}::int[], ${granted.map(({ claim }) => claim.requestId)}::text[]
    ) as claim(id, email, rooms, request_id)
    returning xmin::text as txid
  `.execute();
  const [[updated], [inserted]] = await Promise.all([update, insert, commit(insert)]);
  for (const { claim, id } of granted) {
    if (claim.decision) claim.decision.written_version = updated.written_version;
    noteWrite(claim, { id, txid: inserted.txid });
  }
  return outcomes;
}

/** The reservation a request with this request_id wrote, if any: a re-run answers from it instead of writing again. */
export async function reservationWrittenBy(db: Db, requestId: string): Promise<string | undefined> {
  const [row] = await db<{ id: string }[]>`select id from reservations where request_id = ${requestId} order by created_at limit 1`;
  return row?.id;
}

export function reserved(id: string, request: ReserveRequest): ReserveOutcome {
  const reservation: Reservation = {
    id,
    event_id: request.eventId,
    hotel_id: request.hotelId,
    rooms: request.rooms,
    email: request.email,
    status: request.holdMs === undefined ? 'CONFIRMED' : 'HELD',
  };
  return { status: 'reserved', reservation };
}
