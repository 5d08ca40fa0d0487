import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { seedEvent } from '../harness/workloads/event.js';
import type { RaceOptions } from '../harness/race/race.js';
import { holdsWorkload } from '../harness/workloads/room-workloads.js';
import { at } from '../lib/at.js';
import { atomic } from '../strategies/atomic.js';
import { expireHolds } from '../strategies/hold-lifecycle.js';
import { naive } from '../strategies/naive.js';
import { optimistic } from '../strategies/optimistic.js';
import { pessimistic } from '../strategies/pessimistic.js';
import { repeatableRead } from '../strategies/repeatable-read.js';
import { holdStrategyNames } from '../strategies/registry.js';
import type { Strategy } from '../strategies/types.js';
import { contendedRace, countOf, fieldOf, listingOf, serveApp, useDatabase, type AppReply, raceIn, runOf } from './helpers.js';

const database = await useDatabase(t);
const { call, sql } = await serveApp(t, database.url);

const event = await seedEvent(database.sql, 1, 20);
const hotelId = at(event.hotels, 0).hotel_id;
const hold = (body: object, strategy = 'atomic') => call('POST', `/${event.event_id}/${hotelId}/hold/${strategy}`, body);
const available = async () => listingOf(await call('GET', `/${event.event_id}/available`))[0]?.available ?? 0;
const counters = async () => {
  // The event has one hotel, so one row.
  const [row] = await sql<[{ reserved: number; locked: number }]>`
    select reserved, locked from event_hotel_rooms where event_id = ${event.event_id}
  `;
  return row;
};

t.test('a hold locks rooms, then a confirmation moves them to reserved, with one history row', async (t) => {
  const before = await counters();
  const held = await hold({ rooms: 3, email: 'a@b.test', ttl_ms: 60_000 });
  t.equal(held.status, 201, 'hold created');
  t.match(held.body.reservation, { rooms: 3, status: 'HELD', history: [] }, 'born HELD, no transition yet');
  t.ok(Date.parse(String(fieldOf(held, 'reservation').expires_at)) > Date.now() + 50_000, 'expires about a minute from now');
  t.same(await counters(), { reserved: before.reserved, locked: before.locked + 3 }, 'the rooms are locked, not reserved');
  t.equal(await available(), 20 - before.reserved - before.locked - 3, 'held rooms are not available');

  const id = fieldOf(held, 'reservation').id;
  const confirmed = await call('POST', `/reservations/${id}/confirm`);
  t.equal(confirmed.status, 200, 'confirmed');
  t.equal(fieldOf(confirmed, 'reservation').status, 'CONFIRMED', 'status');
  t.match(fieldOf(confirmed, 'reservation').history, [{ from: 'HELD', to: 'CONFIRMED', reason: 'confirm requested' }], 'history');
  t.same(await counters(), { reserved: before.reserved + 3, locked: before.locked }, 'locked → reserved');

  const read = await call('GET', `/reservations/${id}`);
  t.equal(read.status, 200, 'GET finds it');
  t.same(read.json, confirmed.json, 'GET shows what the confirmation returned');
});

t.test('terminal states stay terminal: 409 with the current status', async (t) => {
  const held = await hold({ rooms: 1, email: 'a@b.test' });
  const id = fieldOf(held, 'reservation').id;
  t.equal((await call('POST', `/reservations/${id}/cancel`)).status, 200, 'cancelled');
  for (const action of ['confirm', 'cancel']) {
    const again = await call('POST', `/reservations/${id}/${action}`);
    t.equal(again.status, 409, `${action} after cancel: 409`);
    t.match(again.json, { error: 'invalid_transition', status: 'CANCELLED', retryable: false }, `${action}: says it is CANCELLED`);
  }
  const history = fieldOf(await call('GET', `/reservations/${id}`), 'reservation').history;
  t.equal(history.length, 1, 'refused transitions leave no history');
});

t.test('a cancelled hold gives its rooms back', async (t) => {
  const before = await counters();
  const held = await hold({ rooms: 4, email: 'a@b.test' }, 'pessimistic');
  await call('POST', `/reservations/${fieldOf(held, 'reservation').id}/cancel`);
  t.same(await counters(), before, 'counters as before the hold');
});

t.test('a lapsed hold cannot be confirmed: it expires instead', async (t) => {
  const before = await counters();
  const held = await hold({ rooms: 2, email: 'a@b.test', ttl_ms: 30 }, 'optimistic');
  await sleep(80);
  const late = await call('POST', `/reservations/${fieldOf(held, 'reservation').id}/confirm`);
  t.equal(late.status, 409, '409');
  t.match(late.json, { error: 'invalid_transition', status: 'EXPIRED' }, 'it is EXPIRED now');
  const history = fieldOf(await call('GET', `/reservations/${fieldOf(held, 'reservation').id}`), 'reservation').history;
  t.match(history, [{ from: 'HELD', to: 'EXPIRED', reason: 'hold lapsed' }], 'the expiry is in the history');
  t.same(await counters(), before, 'rooms released');
});

t.test('the sweeper expires lapsed holds and releases their rooms, and only those', async (t) => {
  const before = await counters();
  const short = await hold({ rooms: 1, email: 'a@b.test', ttl_ms: 20 });
  const long = await hold({ rooms: 1, email: 'a@b.test', ttl_ms: 60_000 });
  await sleep(60);
  t.ok((await expireHolds(sql)) >= 1, 'the sweeper expired something');
  t.equal(fieldOf(await call('GET', `/reservations/${fieldOf(short, 'reservation').id}`), 'reservation').status, 'EXPIRED', 'lapsed hold expired');
  t.match(
    fieldOf(await call('GET', `/reservations/${fieldOf(short, 'reservation').id}`), 'reservation').history,
    [{ reason: 'sweeper' }],
    'by the sweeper',
  );
  t.equal(fieldOf(await call('GET', `/reservations/${fieldOf(long, 'reservation').id}`), 'reservation').status, 'HELD', 'live hold untouched');
  t.same(await counters(), { reserved: before.reserved, locked: before.locked + 1 }, 'only the live hold still locks a room');
  await call('POST', `/reservations/${fieldOf(long, 'reservation').id}/cancel`);
});

t.test('of concurrent confirms and cancels of one hold, exactly one wins', async (t) => {
  const before = await counters();
  const held = await hold({ rooms: 2, email: 'a@b.test' });
  const id = fieldOf(held, 'reservation').id;
  const replies = await Promise.all(Array.from({ length: 16 }, (_, index) => call('POST', `/reservations/${id}/${index % 2 ? 'confirm' : 'cancel'}`)));
  t.equal(replies.filter((reply) => reply.status === 200).length, 1, 'one 200');
  t.equal(replies.filter((reply) => reply.status === 409).length, 15, 'fifteen 409s');
  const final = fieldOf(await call('GET', `/reservations/${id}`), 'reservation');
  t.equal(final.history.length, 1, 'one transition recorded');
  const expected = final.status === 'CONFIRMED' ? { reserved: before.reserved + 2, locked: before.locked } : before;
  t.same(await counters(), expected, 'counters moved once');
});

t.test('every strategy built on the shared room steps can hold', async (t) => {
  t.ok(holdStrategyNames.includes('naive') && holdStrategyNames.includes('serializable'), 'the list');
  for (const strategy of holdStrategyNames) {
    const held = await hold({ rooms: 1, email: `${strategy}@b.test`, ttl_ms: 60_000 }, strategy);
    t.equal(held.status, 201, `${strategy}: 201`);
    t.equal(held.body.reservation?.status, 'HELD', `${strategy}: HELD`);
    await call('POST', `/reservations/${fieldOf(held, 'reservation').id}/cancel`);
  }
});

t.test('bad input is 400 with a JSON body; unknown ids are 404', async (t) => {
  const cases: [string, Promise<AppReply>][] = [
    ['ttl_ms 0', hold({ rooms: 1, email: 'a@b.test', ttl_ms: 0 })],
    ['ttl_ms as text', hold({ rooms: 1, email: 'a@b.test', ttl_ms: 'soon' })],
    ['ttl_ms over a day', hold({ rooms: 1, email: 'a@b.test', ttl_ms: 86_400_001 })],
    ['rooms missing', hold({ email: 'a@b.test' })],
    ['a strategy that cannot hold', hold({ rooms: 1, email: 'a@b.test' }, 'event-log')],
    ['an unknown strategy', hold({ rooms: 1, email: 'a@b.test' }, 'bogus')],
    ['confirm a non-uuid', call('POST', '/reservations/123/confirm')],
    ['cancel with a numeric request_id', call('POST', `/reservations/${event.event_id}/cancel`, { request_id: 5 })],
    ['GET a non-uuid', call('GET', '/reservations/nope')],
  ];
  for (const [name, pending] of cases) {
    const reply = await pending;
    t.equal(reply.status, 400, `${name}: 400`);
    t.equal(reply.body.error, 'invalid_request', `${name}: error body`);
  }
  t.same((await hold({ rooms: 1, email: 'a@b.test' }, 'event-log')).body.strategies, holdStrategyNames, 'lists those that can');
  const unknown = '00000000-0000-4000-8000-000000000000';
  for (const [method, path] of [
    ['GET', `/reservations/${unknown}`],
    ['POST', `/reservations/${unknown}/confirm`],
  ] as const) {
    const reply = await call(method, path);
    t.equal(reply.status, 404, `${method} ${path}: 404`);
    t.equal(reply.body.error, 'not_found', 'error body');
  }
});

// The holds workload under contention: 100 clients on 2 servers hold 2 hotels × 20 rooms, then
// confirm 60 %, cancel 20 % and abandon the rest to the sweeper.
const contended: Omit<RaceOptions, 'runs'> = {
  ...contendedRace,
  config: { ...contendedRace.config, seed: 11 },
  databaseUrl: database.url,
};
const holds = { confirm_ratio: 0.6, cancel_ratio: 0.2, hold_ttl_ms: 400, sweep_ms: 50 };
const holdRuns = (strategies: Strategy[]) => strategies.map((strategy) => runOf({ workload: 'holds', holds }, strategy));

t.test('naive holds overbook under contention: the audit counts held and confirmed rooms', async (t) => {
  const attempts = 6;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const [result] = (await raceIn(t, { ...contended, runs: holdRuns([naive]) })).results;
    if (result && result.outcome.overbooked_rooms > 0) {
      t.pass(`attempt ${attempt}: the audit caught ${result.verdict.label}`);
      t.equal(result.verdict.safe, false, 'unsafe verdict');
      t.equal(result.workload, 'holds', 'a holds run');
      return;
    }
  }
  t.fail(`no overbooking in ${attempts} contended runs`);
});

t.test('safe strategies hold, confirm and expire without overbooking, leaks or a broken history', async (t) => {
  const { results, stoppedBy } = await raceIn(t, { ...contended, runs: holdRuns([atomic, pessimistic, optimistic, repeatableRead, atomic]) });
  t.equal(stoppedBy, 'done', 'every run ended');
  for (const [index, { params, outcome, verdict }] of results.entries()) {
    const run = `run ${index} (${params.strategy})`;
    t.equal(outcome.overbooked_rooms, 0, `${run}: no overbooked room`);
    t.equal(outcome.drift, 0, `${run}: counters agree with the rows (locked = held, reserved = confirmed)`);
    t.equal(outcome.counts.leaked_holds, 0, `${run}: no hold left after the sweeper's last pass`);
    t.equal(outcome.counts.history_mismatches, 0, `${run}: every hold's history matches its status`);
    t.equal(outcome.counts.holds, outcome.counts.holds_placed, `${run}: every hold the clients were told of is in the tables`);
    t.equal(
      countOf(outcome, 'confirmed_holds') + countOf(outcome, 'cancelled_holds') + countOf(outcome, 'expired_holds'),
      outcome.counts.holds,
      `${run}: every hold ended confirmed, cancelled or expired`,
    );
    // Each client walks away from a fifth of its holds at random: a run may place too few holds to abandon any.
    const abandoned = outcome.counts.holds_abandoned ?? 0;
    t.ok(countOf(outcome, 'expired_holds') >= abandoned, `${run}: every abandoned hold expired (${abandoned} abandoned)`);
    t.equal(outcome.errors, 0, `${run}: no errors`);
    t.equal(verdict.label, 'SAFE', `${run}: SAFE`);
  }
  t.ok(
    results.some(({ outcome }) => (outcome.counts.holds_abandoned ?? 0) > 0),
    'clients walked away from holds in the race, and the sweeper expired them',
  );
});

t.test('the holds audit catches a leaked hold and a history that does not match the status', async (t) => {
  const broken = await seedEvent(database.sql, 1, 10);
  const path = `/${broken.event_id}/${at(broken.hotels, 0).hotel_id}/hold/atomic`;
  const leaked = await call('POST', path, { rooms: 1, email: 'a@b.test', ttl_ms: 1 });
  const confirmed = await call('POST', path, { rooms: 1, email: 'a@b.test' });
  await call('POST', `/reservations/${fieldOf(confirmed, 'reservation').id}/confirm`);
  // A second transition out of CONFIRMED, as a broken state machine would write.
  await sql`
    insert into reservation_status_history (reservation_id, from_status, to_status, changed_at, reason)
    values (${fieldOf(confirmed, 'reservation').id}, 'CONFIRMED', 'CANCELLED', now(), 'bug')
  `;
  await sleep(20);
  const audit = await holdsWorkload.audit(database.sql, broken.event_id);
  t.equal(audit.counts.leaked_holds, 1, 'the lapsed hold nobody swept');
  t.equal(audit.counts.history_mismatches, 1, 'the history with two transitions');
  t.same(audit.problems, ['LEAKED HOLDS 1', 'HISTORY MISMATCH 1'], 'both become verdict problems');
  t.ok(leaked.body.reservation?.id, 'hold placed');
});
