import t from 'tap';
import { failedAssertions } from '../harness/assertions.js';
import { auditEvent, seedEvent } from '../harness/event.js';
import { verdictOf } from '../harness/result.js';
import type { StrategyResult } from '../harness/result-schema.js';
import { at } from '../lib/at.js';
import { atomic } from '../strategies/atomic.js';
import { naive } from '../strategies/naive.js';
import { optimistic } from '../strategies/optimistic.js';
import { pessimistic } from '../strategies/pessimistic.js';
import { transaction } from '../strategies/transaction.js';
import type { Strategy } from '../strategies/types.js';
import { useDatabase } from './helpers.js';

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
  t.match(failedAssertions([resultWith(atomic, 1, 0)], flags), [/atomic promises safety but was OVERBOOKED by 1/], 'overbooking');
  t.match(failedAssertions([resultWith(optimistic, 0, 4)], flags), [/optimistic promises safety but was DRIFT 4/], 'drift');
});

t.test('--expect-overbooking fails when an unsafe strategy showed nothing', async (t) => {
  const flags = { expectOverbooking: true };
  t.same(failedAssertions([resultWith(naive, 3, 0), resultWith(transaction, 0, 2), resultWith(atomic, 0, 0)], flags), [], 'anomalies shown');
  t.match(failedAssertions([resultWith(transaction, 0, 0)], flags), [/transaction showed no overbooking or drift/], 'nothing shown');
});
