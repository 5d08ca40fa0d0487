import t from 'tap';
import { createApp } from '../server/app.js';
import { connect } from '../db/connection.js';
import { listen } from '../server/listen.js';
import { keepRooms, seedEvent } from '../harness/workloads/event.js';
import { findStrategy, strategyNames } from '../strategies/registry.js';
import { at } from '../lib/at.js';
import { fieldOf, listingOf, serveApp, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const { call, sql } = await serveApp(t, database.url);

const event = await seedEvent(database.sql, 2, 10);
const [hotelA, hotelB] = [at(event.hotels, 0), at(event.hotels, 1)];
const reservePath = (strategy: string, query = '', hotel = hotelA.hotel_id) => `/${event.event_id}/${hotel}/reserve/${strategy}${query}`;

/**
 * Where `strategy` can sell: hotel B (or A) of the shared event, or, for a strategy that keeps
 * its rooms in rows of their own, the first hotel of an event seeded so.
 */
async function pathFor(strategy: string, query = '', hotel = hotelB.hotel_id) {
  const inventory = findStrategy(strategy)?.inventory;
  if (!inventory) return reservePath(strategy, query, hotel);
  const kept = await seedEvent(database.sql, 1, 10);
  await keepRooms(database.sql, kept.event_id, inventory);
  return `/${kept.event_id}/${at(kept.hotels, 0).hotel_id}/reserve/${strategy}${query}`;
}

t.test('GET /health answers once the pool does', async (t) => {
  const reply = await call('GET', '/health');
  t.equal(reply.status, 200, 'status');
  t.same(reply.json, { ok: true }, 'body');
});

t.test('GET /{event}/available lists hotels with rooms left, in name order', async (t) => {
  const reply = await call('GET', `/${event.event_id}/available`);
  t.equal(reply.status, 200, 'status');
  t.same(
    reply.json,
    [
      { hotel_id: hotelA.hotel_id, available: 10 },
      { hotel_id: hotelB.hotel_id, available: 10 },
    ],
    'both hotels, all rooms',
  );
});

t.test('POST reserve with query parameters, as the Evento client sends them', async (t) => {
  const reply = await call('POST', reservePath('atomic', '?rooms=3&email=a%40b.test'));
  t.equal(reply.status, 201, 'created');
  t.match(
    reply.json,
    {
      reservation: { event_id: event.event_id, hotel_id: hotelA.hotel_id, rooms: 3, email: 'a@b.test', status: 'CONFIRMED' },
    },
    'reservation body',
  );
  t.match(fieldOf(reply, 'reservation').id, /^[0-9a-f-]{36}$/, 'reservation id');
  const listed = await call('GET', `/${event.event_id}/available`);
  t.same(listingOf(listed)[0], { hotel_id: hotelA.hotel_id, available: 7 }, 'availability went down by 3');
});

t.test('POST reserve with a JSON body, for every strategy', async (t) => {
  // A hotel of its own, a room for each strategy: hotel B keeps rooms for the tests after this one.
  const own = await seedEvent(database.sql, 1, strategyNames.length);
  for (const strategy of strategyNames) {
    // A strategy that keeps its rooms in rows of their own gets an event so seeded (pathFor).
    const path = findStrategy(strategy)?.inventory ? await pathFor(strategy) : `/${own.event_id}/${at(own.hotels, 0).hotel_id}/reserve/${strategy}`;
    const reply = await call('POST', path, {
      rooms: 1,
      email: `${strategy}@b.test`,
      request_id: `r-${strategy}`,
    });
    t.equal(reply.status, 201, `${strategy}: created`);
    t.equal(reply.body.reservation?.rooms, 1, `${strategy}: one room`);
  }
});

t.test('422 when rooms are short, with what is left', async (t) => {
  const reply = await call('POST', reservePath('atomic', '?rooms=100&email=a%40b.test'));
  t.equal(reply.status, 422, 'status');
  t.same(reply.json, { error: 'insufficient_rooms', available: 7 }, 'body');
  for (const strategy of strategyNames) {
    const each = await call('POST', await pathFor(strategy, '?rooms=100&email=a%40b.test', hotelA.hotel_id));
    t.equal(each.status, 422, `${strategy}: 422`);
  }
});

t.test('sold-out hotels drop out of the listing', async (t) => {
  const reply = await call('POST', reservePath('pessimistic', '?rooms=7&email=a%40b.test'));
  t.equal(reply.status, 201, 'last 7 rooms reserved');
  const listed = await call('GET', `/${event.event_id}/available`);
  t.same(
    listingOf(listed).map((hotel) => hotel.hotel_id),
    [hotelB.hotel_id],
    'only hotel B is listed',
  );
});

t.test('bad input is 400 with a JSON body, never a 500', async (t) => {
  const cases: [string, string, string?][] = [
    ['rooms 0', reservePath('atomic', '?rooms=0&email=a%40b.test')],
    ['rooms -1', reservePath('atomic', '?rooms=-1&email=a%40b.test')],
    ['rooms abc', reservePath('atomic', '?rooms=abc&email=a%40b.test')],
    ['rooms 10^9', reservePath('atomic', '?rooms=1000000000&email=a%40b.test')],
    ['rooms 1.5', reservePath('atomic', '?rooms=1.5&email=a%40b.test')],
    ['rooms twice', reservePath('atomic', '?rooms=1&rooms=2&email=a%40b.test')],
    ['rooms missing', reservePath('atomic', '?email=a%40b.test')],
    ['email missing', reservePath('atomic', '?rooms=1')],
    ['rooms 1e9 in JSON', reservePath('atomic'), '{"rooms": 1e9, "email": "a@b.test"}'],
    ['rooms as JSON null', reservePath('atomic'), '{"rooms": null, "email": "a@b.test"}'],
    ['email as a JSON number', reservePath('atomic'), '{"rooms": 1, "email": 5}'],
    ['a JSON array body', reservePath('atomic'), '[1, 2]'],
    ['malformed JSON', reservePath('atomic'), '{"rooms": 1,'],
    ['non-uuid event id', `/not-a-uuid/${hotelA.hotel_id}/reserve/atomic?rooms=1&email=a%40b.test`],
    ['non-uuid hotel id', `/${event.event_id}/123/reserve/atomic?rooms=1&email=a%40b.test`],
    ['bad percent-encoding', `/%E0%A4%A/${hotelA.hotel_id}/reserve/atomic?rooms=1&email=a%40b.test`],
  ];
  for (const [name, path, body] of cases) {
    const reply = await call('POST', path, body);
    t.equal(reply.status, 400, `${name}: 400`);
    t.equal(reply.body.error, 'invalid_request', `${name}: JSON error body`);
    t.type(reply.body.detail, 'string', `${name}: says what is wrong`);
  }
  const unknown = await call('POST', reservePath('bogus', '?rooms=1&email=a%40b.test'));
  t.equal(unknown.status, 400, 'unknown strategy: 400');
  t.same(unknown.body.strategies, strategyNames, 'unknown strategy: the body lists the known ones');
  const badEvent = await call('GET', '/not-a-uuid/available');
  t.equal(badEvent.status, 400, 'GET available with a non-uuid event: 400');
});

t.test('a body over the limit is 413 with a JSON body', async (t) => {
  const reply = await call('POST', reservePath('atomic'), { rooms: 1, email: 'x'.repeat(64 * 1024) });
  t.equal(reply.status, 413, 'status');
  t.equal(reply.body.error, 'invalid_request', 'JSON body');
});

t.test('unknown events, hotels and routes are 404 with a JSON body', async (t) => {
  const missing = '00000000-0000-4000-8000-000000000000';
  const noEvent = await call('GET', `/${missing}/available`);
  t.equal(noEvent.status, 404, 'unknown event: 404');
  const noHotel = await call('POST', `/${event.event_id}/${missing}/reserve/atomic?rooms=1&email=a%40b.test`);
  t.equal(noHotel.status, 404, 'unknown hotel: 404');
  t.equal(noHotel.body.error, 'not_found', 'unknown hotel: JSON body');
  const noRoute = await call('DELETE', '/nothing/here');
  t.equal(noRoute.status, 404, 'unknown route: 404');
  t.equal(noRoute.body.error, 'not_found', 'unknown route: JSON body');
});

t.test('503 with a JSON body when the database cannot be reached', async (t) => {
  // A pool pointed at a port where nothing listens.
  const deadSql = connect('postgres://postgres@127.0.0.1:1/postgres', 1);
  t.teardown(() => deadSql.end({ timeout: 1 }));
  const dead = await listen(createApp(deadSql), '127.0.0.1', 0);
  t.teardown(() => dead.server.close());
  for (const path of ['/health', `/${event.event_id}/available`]) {
    const response = await fetch(`http://127.0.0.1:${dead.port}${path}`);
    t.equal(response.status, 503, `${path}: 503`);
    t.same(await response.json(), { error: 'unavailable' }, `${path}: JSON body`);
  }
  const reserve = await fetch(`http://127.0.0.1:${dead.port}${reservePath('atomic', '?rooms=1&email=a%40b.test')}`, { method: 'POST' });
  t.equal(reserve.status, 503, 'reserve: 503');
});

t.test('with a token, every route but /health needs Authorization: Bearer', async (t) => {
  const guarded = await listen(createApp(sql, { token: 's3cret' }), '127.0.0.1', 0);
  t.teardown(() => {
    guarded.server.closeAllConnections();
    guarded.server.close();
  });
  const request = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`http://127.0.0.1:${guarded.port}${path}`, { method, headers });
  t.equal((await request('/health')).status, 200, '/health stays open');
  const refused = await request(`/${event.event_id}/available`);
  t.equal(refused.status, 401, 'no token: 401');
  t.match(await refused.json(), { error: 'unauthorized' }, 'JSON body');
  t.equal((await request(`/${event.event_id}/available`, { authorization: 'Bearer wrong' })).status, 401, 'wrong token: 401');
  t.equal((await request(`/${event.event_id}/available`, { authorization: 'Bearer s3cret-and-more' })).status, 401, 'longer token: 401');
  t.equal((await request(`/${event.event_id}/available`, { authorization: 'Bearer s3cret' })).status, 200, 'right token: 200');
  const reserve = await request(reservePath('atomic', '?rooms=1&email=a%40b.test', hotelB.hotel_id), { authorization: 'Bearer s3cret' }, 'POST');
  t.equal(reserve.status, 201, 'right token: reserve works');
});

t.test('the forms a client may send: padded digits, rooms as a JSON string, ids in capitals', async (t) => {
  const own = await seedEvent(database.sql, 1, 20);
  const hotel = at(own.hotels, 0).hotel_id;
  const path = `/${own.event_id.toUpperCase()}/${hotel.toUpperCase()}/reserve/atomic`;
  const padded = await call('POST', `${path}?rooms=0002&email=a%40b.test`);
  t.equal(padded.status, 201, 'rooms=0002 in the query: created');
  t.match(padded.body.reservation, { event_id: own.event_id, hotel_id: hotel, rooms: 2 }, 'two rooms, the ids in lower case');
  const text = await call('POST', path, { rooms: '3', email: 'a@b.test' });
  t.equal(text.status, 201, 'rooms "3" in a JSON body: created');
  t.equal(text.body.reservation?.rooms, 3, 'rooms "3" in a JSON body: three rooms');
  // Lengths count UTF-16 units, as String.length does: 127 emoji are 254 of them.
  const longest = await call('POST', path, { rooms: 1, email: '😀'.repeat(127) });
  t.equal(longest.status, 201, 'an email of 254 UTF-16 units: created');
  t.equal(longest.body.reservation?.email, '😀'.repeat(127), 'the email stored whole');
});

t.test('a refusal names the field at fault', async (t) => {
  const cases: [string, string, string, string?][] = [
    ['rooms 1001', 'rooms', reservePath('atomic', '?rooms=1001&email=a%40b.test')],
    ['rooms missing', 'rooms', reservePath('atomic', '?email=a%40b.test')],
    ['rooms "0" in JSON', 'rooms', reservePath('atomic'), '{"rooms": "0", "email": "a@b.test"}'],
    ['email of 255 characters', 'email', reservePath('atomic', `?rooms=1&email=${'x'.repeat(255)}`)],
    ['email of 256 UTF-16 units', 'email', reservePath('atomic'), JSON.stringify({ rooms: 1, email: '😀'.repeat(128) })],
    ['request_id with a NUL', 'request_id', reservePath('atomic', '?rooms=1&email=a%40b.test&request_id=r%00')],
    ['non-uuid event id', 'event_id', `/not-a-uuid/${hotelA.hotel_id}/reserve/atomic?rooms=1&email=a%40b.test`],
    ['non-uuid hotel id', 'hotel_id', `/${event.event_id}/123/reserve/atomic?rooms=1&email=a%40b.test`],
  ];
  for (const [name, field, path, body] of cases) {
    const reply = await call('POST', path, body);
    t.equal(reply.status, 400, `${name}: 400`);
    t.match(reply.body.detail, new RegExp(`^${field} `), `${name}: the detail names ${field}`);
  }
});
