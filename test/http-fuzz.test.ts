import fc from 'fast-check';
import t from 'tap';
import { auditEvent, seedEvent } from '../harness/workloads/event.js';
import { strategyNames } from '../strategies/registry.js';
import { serveApp, useDatabase } from './helpers.js';

// Random paths, methods, query strings and bodies against a real server and database:
// every answer is 2xx or a 4xx with a JSON error body, never a 5xx, and the data stays sound.

const database = await useDatabase(t);
const { port } = await serveApp(t, database.url);
const event = await seedEvent(database.sql, 2, 50);
const hotelIds = event.hotels.map((hotel) => hotel.hotel_id);

const segment = fc.oneof(
  fc.constantFrom(event.event_id, ...hotelIds, 'available', 'reserve', 'health', 'reservations', ...strategyNames),
  fc.uuid(),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '..', '%00', '%FF', ''),
);
// Mostly well-formed routes, so that validation deep inside the handlers is reached too.
const path = fc.oneof(
  { weight: 2, arbitrary: fc.array(segment, { minLength: 0, maxLength: 6 }).map((parts) => `/${parts.join('/')}`) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...hotelIds, 'x'), fc.constantFrom(...strategyNames, 'bogus'))
      .map(([hotel, strategy]) => `/${event.event_id}/${hotel}/reserve/${strategy}`),
  },
  { weight: 1, arbitrary: fc.constant(`/${event.event_id}/available`) },
);
const roomsValue = fc.oneof(
  fc.integer({ min: -5, max: 12 }).map(String),
  fc.constantFrom('1e3', '0x10', '1.5', ' 2', '', '99999999999999999999', 'NaN', '-0'),
  fc.string({ maxLength: 6 }),
);
const query = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constant('rooms'), roomsValue),
      fc.tuple(fc.constant('email'), fc.string({ maxLength: 300 })),
      fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&')}` : ''));
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc
    .record(
      {
        rooms: fc.oneof(fc.integer({ min: -3, max: 8 }), fc.double(), fc.string(), fc.constant(null), fc.constant(1e308)),
        email: fc.oneof(fc.emailAddress(), fc.integer(), fc.string({ maxLength: 400 })),
        request_id: fc.oneof(fc.string(), fc.constant(undefined), fc.integer()),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
);
const body = fc.oneof(
  fc.constant(undefined),
  jsonBody.map((text) => ({ type: 'application/json', data: Buffer.from(text) })),
  fc.constantFrom(
    { type: 'application/json', data: Buffer.from('{"rooms": 1, "email": "a@b.c"') },
    { type: 'application/json', data: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
    { type: 'application/json', data: Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`) },
    { type: 'application/json', data: Buffer.from(`{"rooms": 1, "email": "${'x'.repeat(1024 * 1024)}"}`) },
    { type: 'application/json; charset=utf-7', data: Buffer.from('{"rooms": 1}') },
    { type: 'text/plain', data: Buffer.from('rooms=1') },
  ),
);
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant('POST') },
  { weight: 3, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') },
);

t.test('random requests never get a 5xx, and every error has a JSON body', async (t) => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(method, path, query, body, async (method, path, query, body) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}${query}`, {
        method,
        body: method === 'GET' ? undefined : body?.data,
        headers: body && method !== 'GET' ? { 'content-type': body.type } : {},
      });
      const text = await response.text();
      seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
      if (response.status >= 500) throw new Error(`${response.status} for ${method} ${path}${query}: ${text}`);
      if (response.status >= 400) {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error !== 'string') throw new Error(`no JSON error for ${method} ${path}${query}: ${text}`);
      }
    }),
    { numRuns: 400, seed: 20261121 },
  );
  t.pass(`statuses seen: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  t.ok(seen.get(201), 'some random requests were valid reservations');
  t.ok(seen.get(400), 'many were refused as invalid');
});

t.test('after the barrage the server is up and the event audits clean', async (t) => {
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  t.equal(health.status, 200, 'still serving');
  const audit = await auditEvent(database.sql, event.event_id);
  t.equal(audit.overbooked, 0, 'no overbooking');
  t.equal(audit.drift, 0, 'no drift');
});
