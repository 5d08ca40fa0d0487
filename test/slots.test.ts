import t from 'tap';
import { migrate } from '../harness/database/migrations.js';
import type { RaceOptions } from '../harness/race/race.js';
import { seedSlots } from '../harness/workloads/slots-workload.js';
import { connect } from '../db/connection.js';
import { at } from '../lib/at.js';
import { exclusionOnConflict } from '../strategies/exclusion-on-conflict.js';
import { exclusion } from '../strategies/exclusion.js';
import { naiveSlots } from '../strategies/naive-slots.js';
import { pessimisticSlots } from '../strategies/pessimistic-slots.js';
import { slotStrategies, slotStrategyNames } from '../strategies/registry.js';
import { repeatableReadSlots } from '../strategies/repeatable-read-slots.js';
import { serializableSlots } from '../strategies/serializable-slots.js';
import type { SlotStrategy } from '../strategies/slots.js';
import { transactionSlots } from '../strategies/transaction-slots.js';
import { countOf, fieldOf, serveApp, useDatabase, type BookingJson, raceIn, runOf, sharedServers } from './helpers.js';

const database = await useDatabase(t);
const { call } = await serveApp(t, database.url);
// One resource per strategy, so that each books its own.
const seeded = await seedSlots(database.sql, slotStrategyNames.length);
const resources = seeded.resources.map((resource) => resource.resource_id);
const resourceA = at(resources, 0);
const resourceOf = (strategy: string) => at(resources, slotStrategyNames.indexOf(strategy));
const atHour = (hour: number) => new Date(Date.UTC(2030, 0, 1, hour)).toISOString();
const book = (strategy: string, body: object) => call('POST', `/slots/${strategy}`, body);

// The slots workload under contention: 100 clients on 2 servers try 10 windows of 1 to 4 hours
// each on 3 resources over one day, so most windows collide.
const contended: Omit<RaceOptions, 'runs'> = {
  config: {
    clients: 100,
    servers: 2,
    hotels: 1,
    rooms: 1,
    maxRooms: 1,
    thinkMs: { min: 0, max: 0, text: '0' },
    seed: 5,
    pick: 'first',
    inFlight: 256,
    poolSize: 8,
    timeoutMs: 300_000,
  },
  databaseUrl: database.url,
};
const slotRuns = (strategies: readonly SlotStrategy[], slots = { resources: 3, hours: 24, attempts: 10 }) =>
  strategies.map((strategy) => runOf({ workload: 'slots', slots }, strategy));
// Before the first test: tap ends the file once the tests declared so far are done, a pending top-level await or not.
const contendedSlots = await sharedServers(t, { ...contended, runs: slotRuns(slotStrategies) });

t.test('each strategy books a free window and refuses an overlapping one with 409', async (t) => {
  for (const strategy of slotStrategyNames) {
    const resource = resourceOf(strategy);
    const first = await book(strategy, { resource_id: resource, user_id: 'u1', start: atHour(9), end: atHour(12) });
    t.equal(first.status, 201, `${strategy}: booked`);
    t.match(first.body.booking, { resource_id: resource, user_id: 'u1', status: 'CONFIRMED' }, `${strategy}: body`);
    t.equal(Date.parse(fieldOf(first, 'booking').start), Date.parse(atHour(9)), `${strategy}: start`);
    const overlap = await book(strategy, { resource_id: resource, user_id: 'u2', start: atHour(11), end: atHour(13) });
    t.equal(overlap.status, 409, `${strategy}: overlap refused`);
    t.match(overlap.json, { error: 'slot_taken', retryable: false }, `${strategy}: slot_taken`);
    const adjacent = await book(strategy, { resource_id: resource, user_id: 'u2', start: atHour(12), end: atHour(13) });
    t.equal(adjacent.status, 201, `${strategy}: [12, 13) touches [9, 12) without overlapping`);
  }
  const excluded = await book('exclusion', { resource_id: resourceOf('exclusion'), user_id: 'u3', start: atHour(10), end: atHour(11) });
  t.equal(excluded.body.reason, 'exclusion_violation', 'exclusion: the constraint (23P01) refused it');
  const skipped = await book('exclusion-on-conflict', {
    resource_id: resourceOf('exclusion-on-conflict'),
    user_id: 'u3',
    start: atHour(10),
    end: atHour(11),
  });
  t.equal(skipped.body.reason, 'exclusion_violation', 'exclusion-on-conflict: the constraint skipped the row');
});

t.test('bad input is 400, an unknown resource 404', async (t) => {
  const good = { resource_id: resourceA, user_id: 'u', start: atHour(20), end: atHour(21) };
  const cases: [string, string, object][] = [
    ['end before start', 'exclusion', { ...good, start: atHour(21), end: atHour(20) }],
    ['empty window', 'exclusion', { ...good, end: atHour(20) }],
    ['a time without a zone', 'exclusion', { ...good, start: '2030-01-01T20:00:00' }],
    ['not a time', 'exclusion', { ...good, end: 'tomorrow' }],
    ['a day that does not exist', 'exclusion', { ...good, start: '2030-02-31T09:00:00Z' }],
    ['hour 24', 'exclusion', { ...good, start: '2030-01-01T24:00:00Z' }],
    ['year 0', 'exclusion', { ...good, start: '0000-01-01T00:00:00Z' }],
    ['past year 9999 once in UTC', 'exclusion', { ...good, end: '9999-12-31T23:00:00-14:00' }],
    ['missing end', 'naive-slots', { resource_id: resourceA, user_id: 'u', start: atHour(20) }],
    ['resource_id not a uuid', 'pessimistic', { ...good, resource_id: 'r1' }],
    ['user_id missing', 'pessimistic', { ...good, user_id: undefined }],
    ['user_id with a NUL character', 'pessimistic', { ...good, user_id: 'u\u0000' }],
    ['request_id with a NUL character', 'pessimistic', { ...good, request_id: 'r\u0000' }],
    ['unknown strategy', 'atomic', good],
  ];
  for (const [name, strategy, body] of cases) {
    const reply = await book(strategy, body);
    t.equal(reply.status, 400, `${name}: 400`);
    t.equal(reply.body.error, 'invalid_request', `${name}: error body`);
  }
  t.same((await book('atomic', good)).body.strategies, slotStrategyNames, 'unknown strategy: lists the slot strategies');
  for (const strategy of ['exclusion', 'exclusion-on-conflict']) {
    const missing = await book(strategy, { ...good, resource_id: '00000000-0000-4000-8000-000000000000' });
    t.equal(missing.status, 404, `${strategy}: unknown resource: 404`);
  }
});

t.test('GET /slots streams the matching bookings as NDJSON, in time order', async (t) => {
  const lines = async (query: string) => {
    const reply = await call('GET', `/slots?${query}`);
    t.equal(reply.status, 200, `${query}: 200`);
    t.match(reply.headers.get('content-type'), /application\/x-ndjson/, `${query}: NDJSON`);
    return reply.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as BookingJson);
  };
  const onA = await lines(`resource_id=${resourceA}`);
  t.same(
    onA.map((booking) => booking.user_id),
    ['u1', 'u2'],
    'both bookings of resource A, earliest first',
  );
  const byUser = await lines(`user_id=u2&status=confirmed`);
  t.equal(byUser.length, slotStrategyNames.length, 'u2 booked once per resource');
  t.ok(
    byUser.every((booking) => booking.user_id === 'u2' && booking.status === 'CONFIRMED'),
    'only u2, only CONFIRMED',
  );
  const window = await lines(`resource_id=${resourceA}&start=${encodeURIComponent(atHour(11))}&end=${encodeURIComponent(atHour(12))}`);
  t.same(
    window.map((booking) => booking.user_id),
    ['u1'],
    '[11, 12) meets u1 only',
  );
  t.same(await lines(`status=CANCELLED&resource_id=${resourceA}`), [], 'no match: an empty stream');
  for (const query of ['resource_id=x', 'start=noon', `start=${atHour(5)}&end=${atHour(4)}`, 'user_id=a&user_id=b']) {
    const reply = await call('GET', `/slots?${query.replace(/\+/g, '%2B')}`);
    t.equal(reply.status, 400, `${query}: 400`);
  }
});

// naive-slots, and the same check and insert in one transaction at READ COMMITTED and at
// REPEATABLE READ: Hermitage records that PostgreSQL allows G2 (write skew) at both.
for (const strategy of [naiveSlots, transactionSlots, repeatableReadSlots]) {
  t.test(`${strategy.name} lets overlapping bookings in under contention: the audit counts the pairs`, async (t) => {
    const attempts = 5;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const [result] = (await contendedSlots(t, slotRuns([strategy]))).results;
      if (result && (result.outcome.counts.overlapping_pairs ?? 0) > 0) {
        t.pass(`attempt ${attempt}: the audit caught ${result.verdict.label}`);
        t.equal(result.verdict.safe, false, 'unsafe verdict');
        t.equal(result.verdict.promises_safety, false, `${strategy.name} promises nothing`);
        if (strategy.isolation) {
          // Write skew: each booking inserted its own row after finding the window free, so no row had two writers to abort.
          t.equal(result.outcome.conflicts, 0, `${strategy.name}: no booking was aborted`);
          const writers = await database.sql<{ strategy: string }[]>`
            select distinct b.strategy from slot_bookings b join resources r on r.id = b.resource_id where r.event_id = ${result.event_id}
          `;
          t.same(
            writers.map((writer) => writer.strategy),
            [strategy.name],
            'every booking of the run, the overlapping ones among them, went through this strategy, which inserts only after finding the window free',
          );
        }
        return;
      }
    }
    t.fail(`no overlap in ${attempts} contended runs`);
  });
}

t.test('serializable never lets two active bookings overlap: it aborts one of two, which is retried; 10 contended runs', async (t) => {
  const { results, stoppedBy } = await contendedSlots(t, slotRuns(Array<SlotStrategy>(10).fill(serializableSlots)));
  t.equal(stoppedBy, 'done', 'every run ended');
  t.equal(results.length, 10, 'ten runs');
  for (const [index, { outcome, verdict }] of results.entries()) {
    const run = `run ${index}`;
    t.equal(outcome.counts.overlapping_pairs, 0, `${run}: no overlapping pair`);
    t.ok(countOf(outcome, 'slots_taken') > 0, `${run}: windows were refused, so there was contention`);
    t.equal(outcome.reservations, outcome.acknowledged.reservations, `${run}: every booking the clients were told of is in the table`);
    t.equal(outcome.errors, 0, `${run}: no errors`);
    t.equal(outcome.conflicts_by_reason.serialization_failure, outcome.conflicts, `${run}: every conflict was a serialization failure (40001)`);
    t.equal(outcome.retries, outcome.conflicts, `${run}: every serialization failure was retried`);
    t.equal(verdict.label, 'SAFE', `${run}: SAFE`);
  }
  t.ok(
    results.some((result) => result.outcome.conflicts > 0),
    'serialization failures happened and were retried',
  );
});

t.test('exclusion-on-conflict and pessimistic never let two active bookings overlap', async (t) => {
  const { results, stoppedBy } = await contendedSlots(t, slotRuns([exclusionOnConflict, pessimisticSlots, exclusionOnConflict, pessimisticSlots]));
  t.equal(stoppedBy, 'done', 'every run ended');
  for (const [index, { params, workload, outcome, verdict }] of results.entries()) {
    const run = `run ${index} (${params.strategy})`;
    t.equal(workload, 'slots', `${run}: a slots run`);
    t.equal(outcome.counts.overlapping_pairs, 0, `${run}: no overlapping pair`);
    t.ok(countOf(outcome, 'slots_taken') > 0, `${run}: windows were refused, so there was contention`);
    t.equal(outcome.reservations, outcome.acknowledged.reservations, `${run}: every booking the clients were told of is in the table`);
    t.equal(outcome.errors, 0, `${run}: no errors`);
    t.equal(verdict.label, 'SAFE', `${run}: SAFE`);
  }
  const onConflictRun = at(results, 0);
  t.equal(
    onConflictRun.outcome.counts.exclusion_violations,
    onConflictRun.outcome.counts.slots_taken,
    'exclusion-on-conflict: every refusal was the constraint',
  );
});

t.test('where exclusion deadlocks (40P01), exclusion-on-conflict does not; neither lets two active bookings overlap', async (t) => {
  // Every window overlaps nearly every other: plain inserts wait on each other's uncommitted rows
  // in both directions and stall (docs/workloads.md), so each race stops its clients after a while:
  // exclusion, which stalls every time, sooner than exclusion-on-conflict, which has all its attempts to answer.
  // exclusion runs last, since its stalled inserts outlive its clients on the servers' connections.
  const clients = 100;
  const attempts = 30;
  const durationMs = 8_000;
  const overlapping = (runs: SlotStrategy[], durationMs: number) =>
    raceIn(t, { ...contended, config: { ...contended.config, clients, durationMs }, runs: slotRuns(runs, { resources: 1, hours: 4, attempts }) });
  const onConflict = await overlapping([exclusionOnConflict], durationMs);
  const plain = await overlapping([exclusion], 5_000);
  t.equal(onConflict.stoppedBy, 'done', 'the exclusion-on-conflict run ended');
  t.equal(plain.stoppedBy, 'done', 'the exclusion run ended');
  const results = [...onConflict.results, ...plain.results];
  for (const { params, outcome, verdict } of results) {
    const run = params.strategy;
    t.comment(`${run}: ${outcome.conflicts_by_reason.deadlock ?? 0} deadlocks`);
    t.equal(outcome.counts.overlapping_pairs, 0, `${run}: no overlapping pair`);
    t.equal(outcome.errors, 0, `${run}: no errors`);
    t.equal(verdict.label, 'SAFE', `${run}: SAFE`);
    t.equal(outcome.counts.exclusion_violations, outcome.counts.slots_taken, `${run}: every refusal was the constraint`);
  }
  const [onConflictRun, exclusionRun] = [at(results, 0), at(results, 1)];
  t.ok((exclusionRun.outcome.conflicts_by_reason.deadlock ?? 0) > 0, 'exclusion: PostgreSQL broke deadlocks (40P01)');
  t.equal(onConflictRun.outcome.conflicts, 0, 'exclusion-on-conflict: no conflict of any kind, deadlocks among them');
  t.equal(
    countOf(onConflictRun.outcome, 'bookings') + countOf(onConflictRun.outcome, 'slots_taken'),
    clients * attempts,
    `exclusion-on-conflict: every attempt was answered, booked or taken, within ${durationMs} ms`,
  );
  t.equal(
    onConflictRun.outcome.reservations,
    onConflictRun.outcome.acknowledged.reservations,
    'exclusion-on-conflict: every booking the clients were told of is in the table',
  );
});

t.test('without the exclusion constraint, exclusion refuses to book rather than overlap', async (t) => {
  await database.sql`alter table slot_bookings drop constraint slot_bookings_no_overlap`;
  t.teardown(() => migrate(database.sql));
  // A fresh pool: a pool that has seen the constraint does not look for it again.
  const fresh = await serveApp(t, database.url);
  const reply = await fresh.call('POST', '/slots/exclusion', { resource_id: resourceA, user_id: 'u', start: atHour(22), end: atHour(23) });
  t.equal(reply.status, 503, '503');
  t.match(reply.json, { error: 'unavailable', detail: /slot_bookings_no_overlap is missing/ }, 'says what is missing');
  const skipping = await fresh.call('POST', '/slots/exclusion-on-conflict', {
    resource_id: resourceA,
    user_id: 'u',
    start: atHour(22),
    end: atHour(23),
  });
  t.equal(skipping.status, 503, 'exclusion-on-conflict, which relies on the same constraint: 503');
});

t.test('a database that refuses btree_gist: the race says so before it starts', async (t) => {
  // A type in the way makes CREATE EXTENSION fail, as a missing privilege would.
  await database.sql`drop database if exists evento_no_extension`;
  await database.sql`create database evento_no_extension`;
  t.teardown(() => database.sql`drop database if exists evento_no_extension with (force)`);
  const url = new URL(database.url);
  url.pathname = '/evento_no_extension';
  const admin = connect(url.toString(), 1);
  await admin`create schema evento`;
  await admin`create type evento.gbtreekey4 as (blocked int)`;
  await admin.end();
  await t.rejects(
    raceIn(t, { ...contended, databaseUrl: url.toString(), runs: slotRuns([naiveSlots, exclusion]) }),
    { name: 'EnvironmentError', message: /needs the btree_gist extension and this database refused CREATE EXTENSION btree_gist/ },
    'an error (exit 3) naming the extension and what to do',
  );
});
