import type { Db, Sql } from '../db/connection.js';
import { beginAt, pipelinedTransaction } from './pipelined.js';
import { noteWrite, reserved } from './rooms.js';
import type { ReserveOutcome, ReserveRequest } from './types.js';

/**
 * The SQL steps of the strategies that keep a hotel's rooms in rows of their own instead of the
 * event-hotel counter (its inventory, sql/migrations/004): bucket rows that split the counter
 * (buckets, buckets-single) and one row per room (skip-locked). None of them writes the
 * event-hotel row, which every reservation would otherwise queue on.
 */

/** The request's event-hotel row, found without a lock: only to name the rows it owns. */
const hotelRow = (db: Db, request: ReserveRequest) =>
  db`(select id from event_hotel_rooms where event_id = ${request.eventId} and hotel_id = ${request.hotelId})`;

/** Inserts the request's reservation, CONFIRMED, once per row of the CTE `source` (its `event_hotel_rooms_id`). */
const reservationFrom = (db: Db, request: ReserveRequest, source: string) => db`
  insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
  select gen_random_uuid(), event_hotel_rooms_id, ${request.email}, ${request.rooms}, 'CONFIRMED', ${request.requestId}, now()
  from ${db(source)}
  returning id, event_hotel_rooms_id, xmin::text as txid
`;

const sumOf = (buckets: { available: number }[]) => buckets.reduce((sum, bucket) => sum + bucket.available, 0);

/**
 * One statement: among the hotel's buckets that can cover n, one chosen at random takes them
 * with a conditional UPDATE, and the reservation is inserted only if it matched. Returns the
 * reservation id, or undefined when no bucket could cover n or the one chosen changed first.
 */
export async function claimFromOneBucket(db: Db, request: ReserveRequest) {
  const [row] = await db<{ id: string; txid: string }[]>`
    with chosen as (
      select event_hotel_rooms_id, bucket from room_buckets
      where event_hotel_rooms_id = ${hotelRow(db, request)} and contracted - reserved >= ${request.rooms}
      order by random()
      limit 1
    ), claimed as (
      update room_buckets b set reserved = b.reserved + ${request.rooms}
      from chosen
      where b.event_hotel_rooms_id = chosen.event_hotel_rooms_id and b.bucket = chosen.bucket
        and b.contracted - b.reserved >= ${request.rooms}
      returning b.event_hotel_rooms_id
    )
    ${reservationFrom(db, request, 'claimed')}
  `;
  return row && noteWrite(request, row);
}

/** The hotel's buckets in bucket order with the rooms each has left; locked so, with `for update`. */
export function readBuckets(db: Db, request: ReserveRequest, lock: 'for update' | 'no lock' = 'no lock') {
  return db<{ event_hotel_rooms_id: string; bucket: number; available: number }[]>`
    select b.event_hotel_rooms_id, b.bucket, b.contracted - b.reserved as available
    from room_buckets b
    where b.event_hotel_rooms_id = ${hotelRow(db, request)}
    order by b.bucket
    ${lock === 'for update' ? db`for update of b` : db``}
  `;
}

/**
 * A reservation from one bucket (claimFromOneBucket); when that missed, a fresh read says why:
 * a bucket that covers n now changed under the claim (a 409, worth a retry, as for atomic);
 * fewer rooms than n in all is insufficient; n spread over several buckets, none covering it
 * alone, is `spread`'s to decide, given the rooms left in all.
 */
export async function claimFromBuckets(
  sql: Sql,
  request: ReserveRequest,
  spread: (available: number) => Promise<ReserveOutcome>,
): Promise<ReserveOutcome> {
  const id = await claimFromOneBucket(sql, request);
  if (id) return reserved(id, request);
  const buckets = await readBuckets(sql, request);
  if (buckets.length === 0) return { status: 'not_found' };
  if (buckets.some((bucket) => bucket.available >= request.rooms)) return { status: 'conflict', reason: 'version_mismatch' };
  const available = sumOf(buckets);
  return available < request.rooms ? { status: 'insufficient', available } : spread(available);
}

/**
 * The last pass: one transaction locks all the hotel's buckets in bucket order (two such passes
 * wait for each other, never in a cycle; a one-bucket claim holds one bucket only), then takes n
 * from them in that order, each up to what it has left, and inserts the reservation.
 */
export const takeAcrossBuckets = (sql: Sql, request: ReserveRequest) =>
  pipelinedTransaction(sql, beginAt('read committed'), async (tx, commit): Promise<ReserveOutcome> => {
    const buckets = await readBuckets(tx, request, 'for update');
    const [first] = buckets;
    if (!first) return { status: 'not_found' };
    const available = sumOf(buckets);
    if (available < request.rooms) return { status: 'insufficient', available };
    const hotel = first.event_hotel_rooms_id;
    // Each bucket takes what the ones before it left of n: its rooms left, or the rest.
    const take = tx`
      update room_buckets b set reserved = b.reserved + t.take
      from (
        select bucket, least(contracted - reserved, greatest(0, ${request.rooms} - coalesce(sum(contracted - reserved)
          over (order by bucket rows between unbounded preceding and 1 preceding), 0))) as take
        from room_buckets where event_hotel_rooms_id = ${hotel}
      ) t
      where b.event_hotel_rooms_id = ${hotel} and b.bucket = t.bucket and t.take > 0
    `.execute();
    const insert = tx<[{ id: string; txid: string }]>`
      with hotel as (select ${hotel}::uuid as event_hotel_rooms_id)
      ${reservationFrom(tx, request, 'hotel')}
    `.execute();
    const [, [inserted]] = await Promise.all([take, insert, commit(insert)]);
    return reserved(noteWrite(request, inserted), request);
  });

/**
 * One statement: lock n free units of the hotel, skipping those other claims hold (FOR UPDATE
 * SKIP LOCKED), and only if it found n, insert the reservation and write its id into them: all
 * or nothing. Returns the reservation id; or, when it found fewer, the hotel's units and how
 * many of them were free in the statement's snapshot, those other claims held included.
 */
export async function claimUnits(db: Db, request: ReserveRequest): Promise<{ id: string } | { units: number; free: number }> {
  const [row] = await db<[{ id: string; txid: string; units: null; free: null } | { id: null; txid: null; units: number; free: number }]>`
    with free as (
      select event_hotel_rooms_id, unit from room_units
      where event_hotel_rooms_id = ${hotelRow(db, request)} and reservation_id is null
      order by unit
      limit ${request.rooms}
      for update skip locked
    ), enough as (
      select event_hotel_rooms_id from free group by event_hotel_rooms_id having count(*) = ${request.rooms}
    ), reservation as (
      ${reservationFrom(db, request, 'enough')}
    ), claimed as (
      update room_units u set reservation_id = reservation.id
      from reservation, free
      where u.event_hotel_rooms_id = free.event_hotel_rooms_id and u.unit = free.unit
    )
    select reservation.id, reservation.txid,
      case when reservation.id is null then
        (select count(*) from room_units where event_hotel_rooms_id = ${hotelRow(db, request)})::int end as units,
      case when reservation.id is null then
        (select count(*) from room_units where event_hotel_rooms_id = ${hotelRow(db, request)} and reservation_id is null)::int end as free
    from (values (1)) as one left join reservation on true
  `;
  return row.id === null ? { units: row.units, free: row.free } : { id: noteWrite(request, row) };
}
