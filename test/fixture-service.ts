import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { connect, type Sql } from '../db/connection.js';

/**
 * A reservation service that is not evento's: its own schema and tables, plain node:http, and
 * evento's HTTP API for one event. Route `atomic` books with one conditional update (safe);
 * route `naive` reads what is left, pauses, then writes (it overbooks under contention).
 */

/** The query a user of this service would give `--audit-sql`: per venue, its capacity and the rooms its bookings hold. */
export const fixtureAuditSql = `select v.name as key, v.capacity, coalesce(sum(b.rooms), 0) as sold
from fixture_svc.venues v
left join fixture_svc.bookings b on b.venue_id = v.id
where v.event_id = $1
group by v.id, v.name, v.capacity
order by v.name
`;

async function createSchema(sql: Sql) {
  await sql`create schema if not exists fixture_svc`;
  await sql`create table if not exists fixture_svc.venues (
    id uuid primary key, event_id uuid not null, name text not null, capacity int not null, taken int not null default 0)`;
  await sql`create table if not exists fixture_svc.bookings (
    id uuid primary key, venue_id uuid not null references fixture_svc.venues (id), rooms int not null, email text not null)`;
}

interface Reply {
  status: number;
  body: unknown;
}

const reply = (status: number, body: unknown): Reply => ({ status, body });

/** The safe route: the rooms are taken only if they are left, in one statement, and the booking is written in the same transaction. */
function reserveSafely(sql: Sql, eventId: string, venueId: string, rooms: number) {
  return sql.begin(async (tx) => {
    const taken = await tx`update fixture_svc.venues set taken = taken + ${rooms}
      where id = ${venueId} and event_id = ${eventId} and taken + ${rooms} <= capacity returning id`;
    if (taken.length === 0) {
      const [venue] = await tx<
        { available: number }[]
      >`select capacity - taken as available from fixture_svc.venues where id = ${venueId} and event_id = ${eventId}`;
      return venue ? reply(422, { error: 'insufficient_rooms', available: venue.available }) : reply(404, { error: 'not_found' });
    }
    const id = randomUUID();
    await tx`insert into fixture_svc.bookings (id, venue_id, rooms, email) values (${id}, ${venueId}, ${rooms}, 'guest@fixture.test')`;
    return reply(201, { reservation: { id, event_id: eventId, hotel_id: venueId, rooms, email: 'guest@fixture.test', status: 'CONFIRMED' } });
  });
}

/** The unsafe route: what is left is read, and by the time the booking is written others may have taken it. */
async function reserveUnsafely(sql: Sql, eventId: string, venueId: string, rooms: number, pauseMs: number) {
  const [venue] = await sql<
    { available: number }[]
  >`select v.capacity - coalesce((select sum(b.rooms) from fixture_svc.bookings b where b.venue_id = v.id), 0)::int as available
    from fixture_svc.venues v where v.id = ${venueId} and v.event_id = ${eventId}`;
  if (!venue) return reply(404, { error: 'not_found' });
  if (venue.available < rooms) return reply(422, { error: 'insufficient_rooms', available: venue.available });
  await sleep(pauseMs);
  const id = randomUUID();
  await sql`insert into fixture_svc.bookings (id, venue_id, rooms, email) values (${id}, ${venueId}, ${rooms}, 'guest@fixture.test')`;
  await sql`update fixture_svc.venues set taken = taken + ${rooms} where id = ${venueId}`;
  return reply(201, { reservation: { id, event_id: eventId, hotel_id: venueId, rooms, email: 'guest@fixture.test', status: 'CONFIRMED' } });
}

export interface FixtureOptions {
  venues: number;
  capacity: number;
  /** Servers of the service, each on its own port, sharing one pool. */
  servers?: number;
  /** When set, every route but /health needs `Authorization: Bearer <token>`. */
  token?: string;
  /** The unsafe route's pause between its read and its write. */
  pauseMs?: number;
}

/** The service, seeded with a new event of `venues` venues; stopped at the test's teardown. */
export async function startFixtureService(t: Test, databaseUrl: string, options: FixtureOptions) {
  const sql = connect(databaseUrl, 8, 'fixture-service');
  await createSchema(sql);
  const eventId = randomUUID();
  for (let index = 1; index <= options.venues; index += 1) {
    await sql`insert into fixture_svc.venues (id, event_id, name, capacity) values (${randomUUID()}, ${eventId}, ${`venue ${index}`}, ${options.capacity})`;
  }
  const counts = { unauthorized: 0, reserves: [] as number[] };

  async function route(request: IncomingMessage, server: number): Promise<Reply> {
    const url = new URL(request.url ?? '/', 'http://fixture');
    const parts = url.pathname.split('/').filter(Boolean);
    if (request.method === 'GET' && url.pathname === '/health') return reply(200, { ok: true });
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      counts.unauthorized += 1;
      return reply(401, { error: 'unauthorized' });
    }
    if (request.method === 'GET' && parts.length === 2 && parts[0] === eventId && parts[1] === 'available') {
      const venues = await sql<{ hotel_id: string; available: number }[]>`select id as hotel_id, capacity - taken as available
        from fixture_svc.venues where event_id = ${eventId} and capacity - taken > 0 order by name`;
      return reply(200, venues);
    }
    const [event, venue, verb, strategy] = parts;
    if (request.method !== 'POST' || parts.length !== 4 || event !== eventId || verb !== 'reserve' || venue === undefined) {
      return reply(404, { error: 'not_found' });
    }
    counts.reserves[server] = (counts.reserves[server] ?? 0) + 1;
    const rooms = Number(url.searchParams.get('rooms'));
    if (!Number.isInteger(rooms) || rooms < 1 || rooms > 1000) return reply(400, { error: 'invalid_request', detail: 'rooms: 1 to 1000' });
    if (strategy === 'atomic') return reserveSafely(sql, eventId, venue, rooms);
    if (strategy === 'naive') return reserveUnsafely(sql, eventId, venue, rooms, options.pauseMs ?? 20);
    return reply(400, { error: 'invalid_request', detail: 'routes: atomic, naive', strategies: ['atomic', 'naive'] });
  }

  const send = (response: ServerResponse, answer: Reply) => {
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  };
  const servers: Server[] = [];
  const urls: string[] = [];
  for (let index = 0; index < (options.servers ?? 1); index += 1) {
    const server = createServer((request, response) => {
      request.resume();
      route(request, index).then(
        (answer) => send(response, answer),
        (error: unknown) => send(response, reply(503, { error: 'unavailable', detail: String(error) })),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  t.teardown(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await sql.end({ timeout: 1 });
  });
  return { urls, eventId, counts, sql };
}

/** A server that answers every request with an HTML page, as a web server in front of the wrong thing would. */
export async function startHtmlServer(t: Test) {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body><h1>Welcome</h1></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
