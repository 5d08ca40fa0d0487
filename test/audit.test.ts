import t from 'tap';
import { failedAssertions } from '../harness/analysis/assertions.js';
import { assertionText } from '../cmd/output/outcome-text.js';
import { auditEvent, keepRooms, seedEvent } from '../harness/workloads/event.js';
import { verdictOf } from '../harness/analysis/verdict.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { at } from '../lib/at.js';
import { atomic } from '../strategies/atomic.js';
import { bucketsSingle } from '../strategies/buckets-single.js';
import { buckets } from '../strategies/buckets.js';
import { naive } from '../strategies/naive.js';
import { optimistic } from '../strategies/optimistic.js';
import { pessimistic } from '../strategies/pessimistic.js';
import { listAvailable } from '../strategies/rooms.js';
import { skipLocked } from '../strategies/skip-locked.js';
import { transaction } from '../strategies/transaction.js';
import type { Strategy } from '../strategies/types.js';
import { runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const { sql } = database;

/** Writes reservations and counters directly, as a broken strategy would. */
async function book(hotelRowId: string, rooms: number, status = 'CONFIRMED') {
  await sql`
    insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, created_at)
    values (gen_random_uuid(), ${hotelRowId}, 'audit@evento.test', ${rooms}, ${status}, now())
  `;
}

async function rowOf(eventId: string, hotelId: string) {
  const [row] = await sql<[{ id: string }]>`select id from event_hotel_rooms where event_id = ${eventId} and hotel_id = ${hotelId}`;
  return row.id;
}

t.test('a consistent, fully sold event audits clean', async (t) => {
  const event = await seedEvent(sql, 1, 10);
  const row = await rowOf(event.event_id, at(event.hotels, 0).hotel_id);
  await book(row, 6);
  await book(row, 4);
  await sql`update event_hotel_rooms set reserved = 10 where id = ${row}`;
  const audit = await auditEvent(sql, event.event_id);
  t.match(audit, { contracted: 10, confirmed: 10, reservations: 2, overbooked: 0, drift: 0 }, 'totals');
  t.equal(verdictOf(atomic, audit).label, 'SAFE', 'verdict');
});

t.test('the audit catches overbooking from the reservation rows, whatever the counter says', async (t) => {
  const event = await seedEvent(sql, 2, 10);
  const row = await rowOf(event.event_id, at(event.hotels, 1).hotel_id);
  await book(row, 8);
  await book(row, 5);
  await sql`update event_hotel_rooms set reserved = 13 where id = ${row}`;
  const audit = await auditEvent(sql, event.event_id);
  t.equal(audit.overbooked, 3, 'three rooms over contract');
  t.equal(audit.drift, 0, 'the counter agrees with the rows');
  t.same(
    audit.hotels.map((hotel) => hotel.overbooked),
    [0, 3],
    'on the second hotel only',
  );
  const verdict = verdictOf(atomic, audit);
  t.same(verdict, { promises_safety: true, safe: false, label: 'OVERBOOKED by 3' }, 'verdict');
});

t.test('the audit catches drift: a lost update on the counter', async (t) => {
  const event = await seedEvent(sql, 1, 10);
  const row = await rowOf(event.event_id, at(event.hotels, 0).hotel_id);
  await book(row, 2);
  await book(row, 3);
  // Two writers read reserved = 0 and each wrote its own count: one update is lost.
  await sql`update event_hotel_rooms set reserved = 3 where id = ${row}`;
  const audit = await auditEvent(sql, event.event_id);
  t.equal(audit.drift, 2, 'counter 3, rows 5');
  t.equal(audit.overbooked, 0, 'not overbooked');
  t.equal(verdictOf(pessimistic, audit).label, 'DRIFT 2', 'verdict');
});

t.test('held rooms count toward overbooking and toward drift against locked', async (t) => {
  const event = await seedEvent(sql, 1, 10);
  const row = await rowOf(event.event_id, at(event.hotels, 0).hotel_id);
  await book(row, 8);
  await book(row, 4, 'HELD');
  await book(row, 9, 'CANCELLED');
  await sql`update event_hotel_rooms set reserved = 8, locked = 1 where id = ${row}`;
  const audit = await auditEvent(sql, event.event_id);
  t.match(audit, { confirmed: 8, held: 4, overbooked: 2, drift: 3, reservations: 2 }, 'cancelled rooms are not counted');
});

function resultWith(strategy: Strategy, overbooked: number, drift: number): StrategyResult {
  const verdict = verdictOf(strategy, { overbooked, drift });
  return { params: { strategy: strategy.name }, verdict } as StrategyResult;
}

t.test('--assert-no-overbooking fails only for a strategy that promises safety', async (t) => {
  const flags = { assertNoOverbooking: true };
  t.same(failedAssertions([resultWith(naive, 40, 0), resultWith(atomic, 0, 0)], flags), [], 'unsafe by design is allowed to overbook');
  t.same(
    failedAssertions([resultWith(atomic, 1, 0)], flags),
    [{ kind: 'promise-broken', strategy: 'atomic', verdict: 'OVERBOOKED by 1' }],
    'overbooking',
  );
  t.equal(assertionText(at(failedAssertions([resultWith(atomic, 1, 0)], flags), 0)), 'atomic promises safety but was OVERBOOKED by 1', 'in words');
  t.same(failedAssertions([resultWith(optimistic, 0, 4)], flags), [{ kind: 'promise-broken', strategy: 'optimistic', verdict: 'DRIFT 4' }], 'drift');
});

t.test('--expect-overbooking fails when an unsafe strategy showed nothing', async (t) => {
  const flags = { expectOverbooking: true };
  t.same(failedAssertions([resultWith(naive, 3, 0), resultWith(transaction, 0, 2), resultWith(atomic, 0, 0)], flags), [], 'anomalies shown');
  t.match(failedAssertions([resultWith(transaction, 0, 0)], flags), [{ kind: 'nothing-proved', strategy: 'transaction' }], 'nothing shown');
});

/** A hotel of `rooms` rooms kept in `inventory`, and a request for `rooms` of them. */
async function keptHotel(rooms: number, inventory: 'buckets' | 'room_units', buckets?: number) {
  const event = await seedEvent(sql, 1, rooms);
  await keepRooms(sql, event.event_id, inventory, buckets);
  const hotelId = at(event.hotels, 0).hotel_id;
  const ask = (n: number) => ({ eventId: event.event_id, hotelId, rooms: n, email: 'kept@evento.test', requestId: null });
  return { event, row: await rowOf(event.event_id, hotelId), ask };
}

t.test('buckets: one bucket or none without the last pass, several with it; the audit checks the buckets against the rows', async (t) => {
  // Two buckets of 5: after two reservations of 4 (each from the bucket that can cover it), 1 room is left in each.
  const { event, row, ask } = await keptHotel(10, 'buckets', 2);
  t.equal((await buckets.reserve(sql, ask(4))).status, 'reserved', '4 rooms from one bucket');
  t.equal((await buckets.reserve(sql, ask(4))).status, 'reserved', '4 rooms from the other');
  t.same(await listAvailable(sql, event.event_id), [{ hotel_id: at(event.hotels, 0).hotel_id, available: 2 }], 'the listing counts the buckets');
  t.same(await bucketsSingle.reserve(sql, ask(2)), { status: 'insufficient', available: 2 }, 'without the last pass: refused while 2 rooms remain');
  t.equal((await buckets.reserve(sql, ask(2))).status, 'reserved', 'the last pass takes 1 from each bucket');
  const audit = await auditEvent(sql, event.event_id, 'buckets');
  t.match(audit, { contracted: 10, confirmed: 10, overbooked: 0, drift: 0 }, 'sold out, the buckets agree with the rows');
  t.equal(at(audit.hotels, 0).reserved, 10, 'reserved is what the buckets hold');

  // A bucket that lost an update: it says 2 fewer rooms are taken than the reservations hold.
  await sql`update room_buckets set reserved = reserved - 2 where event_hotel_rooms_id = ${row} and bucket = 0`;
  const drifted = await auditEvent(sql, event.event_id, 'buckets');
  t.equal(drifted.drift, 2, 'the buckets hold 8, the rows 10');
  t.equal(verdictOf(buckets, drifted).label, 'DRIFT 2', 'verdict');
  await sql`update room_buckets set reserved = reserved + 2, contracted = contracted + 1 where event_hotel_rooms_id = ${row} and bucket = 0`;
  t.equal((await auditEvent(sql, event.event_id, 'buckets')).drift, 1, 'a room made up in the split is drift too');
});

t.test('room units: skip-locked refuses while others hold the rooms; the audit checks the units against the rows', async (t) => {
  const { event, row, ask } = await keptHotel(10, 'room_units');
  t.equal((await skipLocked.reserve(sql, ask(3))).status, 'reserved', '3 rooms');
  t.equal((await skipLocked.reserve(sql, ask(2))).status, 'reserved', '2 more');
  t.same(await listAvailable(sql, event.event_id), [{ hotel_id: at(event.hotels, 0).hotel_id, available: 5 }], 'the listing counts the free units');
  // Another claim, still open, holds 4 of the 5 free units.
  const other = await sql.reserve();
  try {
    await other`begin`;
    await other`select unit from room_units where event_hotel_rooms_id = ${row} and reservation_id is null order by unit limit 4 for update`;
    t.same(await skipLocked.reserve(sql, ask(2)), { status: 'insufficient', available: 5 }, 'refused: 1 unit unheld, 5 free');
  } finally {
    await other`rollback`;
    other.release();
  }
  const audit = await auditEvent(sql, event.event_id, 'room_units');
  t.match(audit, { contracted: 10, confirmed: 5, overbooked: 0, drift: 0 }, 'the units agree with the rows');
  t.equal(at(audit.hotels, 0).reserved, 5, 'reserved is the units claimed');

  // A unit released without its reservation: 4 units claimed for 5 rooms, one reservation a unit short.
  await sql`
    update room_units set reservation_id = null
    where event_hotel_rooms_id = ${row} and unit = (select min(unit) from room_units where event_hotel_rooms_id = ${row} and reservation_id is not null)
  `;
  const drifted = await auditEvent(sql, event.event_id, 'room_units');
  t.equal(drifted.drift, 2, 'one unit short in all, and one reservation a unit short');
  t.equal(verdictOf(skipLocked, drifted).label, 'DRIFT 2', 'verdict');
});

t.test('evento audit --event checks an event by the rows its rooms are kept in', async (t) => {
  const { event, row, ask } = await keptHotel(10, 'buckets', 2);
  t.equal((await buckets.reserve(sql, ask(3))).status, 'reserved', '3 rooms');
  const audit = () => runCli(['audit', '--event', event.event_id, '--assert-no-overbooking'], { env: { DATABASE_URL: database.url } });
  const clean = await audit();
  t.equal(clean.code, 0, `the buckets agree with the rows: exit 0 (stderr: ${clean.stderr})`);
  await sql`update room_buckets set reserved = 0 where event_hotel_rooms_id = ${row}`;
  const drifted = await audit();
  t.equal(drifted.code, 1, 'a bucket that lost its update: exit 1');
  t.match(drifted.stdout, /DRIFT 3/, 'named in the verdict');
});
