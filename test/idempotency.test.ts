import { randomUUID } from 'node:crypto';
import t from 'tap';
import { seedEvent } from '../harness/workloads/event.js';
import type { RaceOptions } from '../harness/race/race.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { at } from '../lib/at.js';
import { atomic } from '../strategies/atomic.js';
import { naiveSlots } from '../strategies/naive-slots.js';
import { pessimistic } from '../strategies/pessimistic.js';
import { countOf, fieldOf, serveApp, useDatabase, raceIn, runOf } from './helpers.js';

const database = await useDatabase(t);
const { call, sql } = await serveApp(t, database.url);
const event = await seedEvent(database.sql, 1, 1000);
const hotelId = at(event.hotels, 0).hotel_id;
const reserve = (body: object, strategy = 'atomic', via = call) => via('POST', `/${event.event_id}/${hotelId}/reserve/${strategy}`, body);
const rowsWith = async (requestId: string) =>
  (await sql<[{ n: number }]>`select count(*)::int as n from reservations where request_id = ${requestId}`)[0].n;

t.test('the same request_id and request: the original reply, once in the tables', async (t) => {
  const requestId = randomUUID();
  const first = await reserve({ rooms: 2, email: 'a@b.test', request_id: requestId });
  const second = await reserve({ rooms: 2, email: 'a@b.test', request_id: requestId });
  t.equal(first.status, 201, 'first: 201');
  t.equal(first.headers.get('idempotent-replayed'), null, 'first: not a replay');
  t.equal(second.status, 201, 'second: 201');
  t.equal(second.headers.get('idempotent-replayed'), 'true', 'second: marked as a replay');
  t.same(second.json, first.json, 'second: the same reservation');
  t.equal(await rowsWith(requestId), 1, 'one row');
});

t.test('the same request_id with another request: 409 idempotency_mismatch', async (t) => {
  const requestId = randomUUID();
  await reserve({ rooms: 2, email: 'a@b.test', request_id: requestId });
  for (const [name, reply] of [
    ['other rooms', await reserve({ rooms: 3, email: 'a@b.test', request_id: requestId })],
    ['other strategy', await reserve({ rooms: 2, email: 'a@b.test', request_id: requestId }, 'pessimistic')],
    ['a confirm', await call('POST', `/reservations/${randomUUID()}/confirm`, { request_id: requestId })],
  ] as const) {
    t.equal(reply.status, 409, `${name}: 409`);
    t.equal(reply.body.error, 'idempotency_mismatch', `${name}: idempotency_mismatch`);
  }
  t.equal(await rowsWith(requestId), 1, 'still one row');
});

t.test('a retried confirm gets its 200 again, where without a request_id it is refused', async (t) => {
  const held = await call('POST', `/${event.event_id}/${hotelId}/hold/atomic`, { rooms: 1, email: 'a@b.test' });
  const id = fieldOf(held, 'reservation').id;
  const requestId = randomUUID();
  const first = await call('POST', `/reservations/${id}/confirm`, { request_id: requestId });
  const retried = await call('POST', `/reservations/${id}/confirm`, { request_id: requestId });
  t.equal(first.status, 200, 'first: 200');
  t.equal(retried.status, 200, 'retried: 200');
  t.same(retried.json, first.json, 'retried: the same body');
  t.equal((await call('POST', `/reservations/${id}/confirm`)).status, 409, 'no request_id: 409, already CONFIRMED');
});

t.test('concurrent copies of one request: one reservation, the others wait or get it', async (t) => {
  const requestId = randomUUID();
  const replies = await Promise.all(Array.from({ length: 12 }, () => reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'pessimistic')));
  t.equal(await rowsWith(requestId), 1, 'one row');
  for (const reply of replies) {
    if (reply.status === 201) continue;
    t.match(reply.json, { error: 'conflict', retryable: true, reason: 'request_in_progress' }, 'the rest: retryable 409');
  }
  t.ok(
    replies.some((reply) => reply.status === 201),
    'at least one was told 201',
  );
});

t.test('a reply that is not final (a lost race) is not stored: the retry runs again', async (t) => {
  const soldOut = await seedEvent(database.sql, 1, 1);
  const requestId = randomUUID();
  const path = `/${soldOut.event_id}/${at(soldOut.hotels, 0).hotel_id}/reserve/atomic`;
  const first = await call('POST', path, { rooms: 2, email: 'a@b.test', request_id: requestId });
  t.equal(first.status, 422, '422 is final');
  const again = await call('POST', path, { rooms: 2, email: 'a@b.test', request_id: requestId });
  t.equal(again.headers.get('idempotent-replayed'), 'true', 'the 422 is replayed');
  const [key] = await sql<{ status: number | null }[]>`select status from idempotency_keys where key = ${requestId}`;
  t.equal(key?.status, 422, 'stored with its status');
});

t.test('request ids expire after the TTL and may then be used again', async (t) => {
  // A TTL no host's slowness can outlast between two requests; the expiry is then brought forward in the table.
  const ttlMs = 600_000;
  const app = await serveApp(t, database.url, { idempotency: { enabled: true, ttlMs } });
  const requestId = randomUUID();
  const first = await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', app.call);
  const within = await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', app.call);
  t.equal(fieldOf(within, 'reservation').id, fieldOf(first, 'reservation').id, 'within the TTL: the same reservation');
  const [key] = await sql<[{ ttl_ms: number }]>`
    select (extract(epoch from expires_at - created_at) * 1000)::float8 as ttl_ms from idempotency_keys where key = ${requestId}`;
  t.equal(Math.round(key.ttl_ms), ttlMs, 'the id is kept for the TTL from its claim');
  await sql`update idempotency_keys set expires_at = now() - interval '1 millisecond' where key = ${requestId}`;
  const after = await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', app.call);
  t.equal(after.status, 201, 'after the TTL: 201');
  t.not(fieldOf(after, 'reservation').id, fieldOf(first, 'reservation').id, 'a new reservation');
  t.equal(after.headers.get('idempotent-replayed'), null, 'not a replay');
});

t.test('with idempotency off, a retried request is applied twice (the unsafe twin)', async (t) => {
  const off = await serveApp(t, database.url, { idempotency: { enabled: false, ttlMs: 1000 } });
  const requestId = randomUUID();
  await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', off.call);
  await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', off.call);
  t.equal(await rowsWith(requestId), 2, 'two rows for one request');
});

// Lost responses under contention: 60 clients on 2 servers; 30 % of responses are dropped after
// they arrive, and each time the client sends the same request again. Drops, not a client
// timeout, so that a slow host cannot turn every response into a lost one. Rooms enough for
// several rounds of claims: a request resent after sell-out is refused with or without a record.
const lossy = (idempotency: boolean): Omit<RaceOptions, 'runs'> => ({
  config: {
    clients: 60,
    servers: 2,
    hotels: 2,
    rooms: 400,
    maxRooms: 3,
    thinkMs: { min: 0, max: 0, text: '0' },
    seed: 3,
    pick: 'random',
    inFlight: 256,
    poolSize: 8,
    timeoutMs: 300_000,
    retries: { client_timeout_ms: null, drop_responses: 0.3, idempotency },
  },
  databaseUrl: database.url,
});

t.test('with idempotency, resent requests never make a duplicate, in any workload', async (t) => {
  const runs = [
    runOf({ workload: 'rooms' }, atomic),
    runOf({ workload: 'holds', holds: { confirm_ratio: 0.7, cancel_ratio: 0.2, hold_ttl_ms: 1000, sweep_ms: 50 } }, pessimistic),
    runOf({ workload: 'slots', slots: { resources: 3, hours: 24, attempts: 5 } }, naiveSlots),
  ];
  const { results } = await raceIn(t, { ...lossy(true), runs });
  for (const { workload, params, outcome, verdict } of results) {
    const run = `${workload}:${params.strategy}`;
    t.ok(countOf(outcome, 'requests_resent') > 0, `${run}: requests were resent`);
    t.ok(countOf(outcome, 'duplicates_prevented') > 0, `${run}: servers answered resent requests from their record`);
    t.equal(outcome.counts.duplicates, 0, `${run}: no request applied twice`);
    t.same(params.retries, { client_timeout_ms: null, drop_responses: 0.3, idempotency: true }, `${run}: the result file says how`);
    if (workload !== 'slots') t.equal(verdict.label, 'SAFE', `${run}: SAFE`);
  }
});

t.test('without idempotency, the same resent requests are applied twice and the audit counts them', async (t) => {
  const { results } = await raceIn(t, { ...lossy(false), runs: [runOf({ workload: 'rooms' }, atomic)] });
  const [{ outcome, verdict }] = results as [StrategyResult];
  t.ok(countOf(outcome, 'duplicates') > 0, `${countOf(outcome, 'duplicates')} duplicate reservations`);
  t.equal(outcome.counts.duplicates_prevented ?? 0, 0, 'no replayed answer');
  t.equal(outcome.overbooked_rooms, 0, 'atomic still never overbooks: the duplicates took real rooms');
  t.match(verdict.label, /^DUPLICATES [0-9]+$/, 'the verdict names them');
});

// Given up on while still running: every read sleeps 100 ms in the database (slow-db) and the
// client waits 40 ms, so each first attempt is lost and resent while the first is in progress.
const timedOut = (idempotency: boolean): RaceOptions => ({
  config: {
    ...lossy(idempotency).config,
    clients: 6,
    hotels: 3,
    rooms: 24,
    retries: { client_timeout_ms: 40, drop_responses: 0, idempotency },
    chaos: { faults: ['slow-db'], everyMs: 2000, latencyMs: 100 },
  },
  databaseUrl: database.url,
  runs: [runOf({ workload: 'rooms' }, pessimistic)],
});

t.test('a request given up on while it runs: resent, applied once with idempotency, twice without', async (t) => {
  const [safe] = (await raceIn(t, timedOut(true))).results as [StrategyResult];
  t.ok(countOf(safe.outcome, 'client_timeouts') > 0, `${countOf(safe.outcome, 'client_timeouts')} client timeouts`);
  t.equal(safe.outcome.counts.duplicates, 0, 'with idempotency: no request applied twice');
  t.equal(safe.verdict.label, 'SAFE', 'with idempotency: SAFE');
  const [unsafe] = (await raceIn(t, timedOut(false))).results as [StrategyResult];
  t.ok(countOf(unsafe.outcome, 'client_timeouts') > 0, `${countOf(unsafe.outcome, 'client_timeouts')} client timeouts`);
  t.ok(countOf(unsafe.outcome, 'duplicates') > 0, `without idempotency: ${countOf(unsafe.outcome, 'duplicates')} duplicate reservations`);
});
