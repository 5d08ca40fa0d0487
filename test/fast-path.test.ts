import t from 'tap';
import { seedEvent } from '../harness/workloads/event.js';
import { at } from '../lib/at.js';
import { serveApp, useDatabase, type AppReply } from './helpers.js';

// The Evento client's two calls take a fast path beside Express; any other form of the same
// request goes through Express. Both must answer alike: status, JSON body and content type.
const database = await useDatabase(t);
const { call } = await serveApp(t, database.url);
const event = await seedEvent(database.sql, 2, 10);
const hotel = at(event.hotels, 0).hotel_id;
const missingHotel = '00000000-0000-4000-8000-000000000000';

const answer = (reply: AppReply) => ({ status: reply.status, json: reply.json, type: reply.headers.get('content-type') });
// A reservation's id is new each time; the rest of its body must match.
const withoutId = (reply: AppReply) => {
  const { reservation } = reply.body;
  const { json, ...rest } = answer(reply);
  return { ...rest, json: reservation ? { reservation: { ...reservation, id: typeof reservation.id } } : json };
};

t.test('GET /{event}/available: the fast path and Express (trailing slash, a query) agree', async (t) => {
  const fast = await call('GET', `/${event.event_id}/available`);
  t.equal(fast.status, 200, 'fast path: 200');
  t.same(answer(await call('GET', `/${event.event_id}/available/`)), answer(fast), 'trailing slash, through Express');
  t.same(answer(await call('GET', `/${event.event_id}/available?via=express`)), answer(fast), 'with a query, through Express');
  t.same(answer(await call('GET', '/not-a-uuid/available')), answer(await call('GET', '/not-a-uuid/available/')), 'a bad id: the same 400');
});

t.test('POST reserve: query parameters (fast path) and a JSON body (Express) agree', async (t) => {
  const cases: [string, string, string, Record<string, string | number>][] = [
    ['reserved', 'atomic', `/${event.event_id}/${hotel}`, { rooms: 2, email: 'a@b.test' }],
    ['insufficient', 'atomic', `/${event.event_id}/${hotel}`, { rooms: 50, email: 'a@b.test' }],
    ['not found', 'atomic', `/${event.event_id}/${missingHotel}`, { rooms: 1, email: 'a@b.test' }],
    ['invalid rooms', 'atomic', `/${event.event_id}/${hotel}`, { rooms: 0, email: 'a@b.test' }],
    ['unknown strategy', 'nope', `/${event.event_id}/${hotel}`, { rooms: 1, email: 'a@b.test' }],
  ];
  for (const [name, strategy, path, fields] of cases) {
    const query = new URLSearchParams(Object.entries(fields).map(([key, value]): [string, string] => [key, String(value)]));
    const fast = await call('POST', `${path}/reserve/${strategy}?${query.toString()}`);
    const express = await call('POST', `${path}/reserve/${strategy}`, fields);
    t.same(withoutId(express), withoutId(fast), `${name}: ${fast.status} either way`);
  }
});
