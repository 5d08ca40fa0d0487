import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { seedEvent } from '../harness/event.js';
import { serveApp, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const { call, sql } = await serveApp(t, database.url);
const event = await seedEvent(database.sql, 1, 1000);
const hotelId = event.hotels[0]!.hotel_id;
const reserve = (body: object, strategy = 'atomic', via = call) => via('POST', `/${event.event_id}/${hotelId}/reserve/${strategy}`, body);
const rowsWith = async (requestId: string) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from reservations where request_id = ${requestId}`)[0]!.n;

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
    t.equal(reply.json.error, 'idempotency_mismatch', `${name}: idempotency_mismatch`);
  }
  t.equal(await rowsWith(requestId), 1, 'still one row');
});

t.test('a retried confirm gets its 200 again, where without a request_id it is refused', async (t) => {
  const held = await call('POST', `/${event.event_id}/${hotelId}/hold/atomic`, { rooms: 1, email: 'a@b.test' });
  const id = held.json.reservation.id;
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
  const replies = await Promise.all(
    Array.from({ length: 12 }, () => reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'pessimistic')),
  );
  t.equal(await rowsWith(requestId), 1, 'one row');
  for (const reply of replies) {
    if (reply.status === 201) continue;
    t.match(reply.json, { error: 'conflict', retryable: true, reason: 'request_in_progress' }, 'the rest: retryable 409');
  }
  t.ok(replies.some((reply) => reply.status === 201), 'at least one was told 201');
});

t.test('a reply that is not final (a lost race) is not stored: the retry runs again', async (t) => {
  const soldOut = await seedEvent(database.sql, 1, 1);
  const requestId = randomUUID();
  const path = `/${soldOut.event_id}/${soldOut.hotels[0]!.hotel_id}/reserve/atomic`;
  const first = await call('POST', path, { rooms: 2, email: 'a@b.test', request_id: requestId });
  t.equal(first.status, 422, '422 is final');
  const again = await call('POST', path, { rooms: 2, email: 'a@b.test', request_id: requestId });
  t.equal(again.headers.get('idempotent-replayed'), 'true', 'the 422 is replayed');
  const [key] = await sql`select status from idempotency_keys where key = ${requestId}`;
  t.equal(key?.status, 422, 'stored with its status');
});

t.test('request ids expire after the TTL and may then be used again', async (t) => {
  const shortLived = await serveApp(t, database.url, { idempotency: { enabled: true, ttlMs: 100 } });
  const requestId = randomUUID();
  const first = await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', shortLived.call);
  const within = await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', shortLived.call);
  t.equal(within.json.reservation.id, first.json.reservation.id, 'within the TTL: the same reservation');
  await sleep(150);
  const after = await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', shortLived.call);
  t.equal(after.status, 201, 'after the TTL: 201');
  t.not(after.json.reservation.id, first.json.reservation.id, 'a new reservation');
  t.equal(after.headers.get('idempotent-replayed'), null, 'not a replay');
});

t.test('with idempotency off, a retried request is applied twice (the unsafe twin)', async (t) => {
  const off = await serveApp(t, database.url, { idempotency: { enabled: false, ttlMs: 1000 } });
  const requestId = randomUUID();
  await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', off.call);
  await reserve({ rooms: 1, email: 'a@b.test', request_id: requestId }, 'atomic', off.call);
  t.equal(await rowsWith(requestId), 2, 'two rows for one request');
});
