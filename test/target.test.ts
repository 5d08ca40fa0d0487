import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { AuditReport } from '../cmd/commands/audit.js';
import { parseArguments } from '../cmd/program.js';
import { seedEvent } from '../harness/workloads/event.js';
import { at } from '../lib/at.js';
import { fixtureAuditSql, startFixtureService, startHtmlServer } from './fixture-service.js';
import { readResult, runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const withDatabase = { DATABASE_URL: database.url };
const dir = await mkdtemp(join(tmpdir(), 'evento-target-test-'));
const auditFile = join(dir, 'audit.sql');
await writeFile(auditFile, fixtureAuditSql);
const clients = ['--clients', '30', '--think-ms', '0', '--seed', '11', '--results-dir', dir];

/** `evento run` against every URL of the fixture service with `flags`, its result file written to `name` in the test's folder. */
async function runAgainst(t: Test, service: { urls: string[]; eventId: string }, name: string, flags: string[]) {
  const json = join(dir, name);
  const run = await runCli(['run', '--target', service.urls.join(','), '--event', service.eventId, ...flags, '--json', json, ...clients], {
    env: withDatabase,
    replayIn: t,
  });
  return { run, json };
}

/** Rooms the fixture's bookings hold beyond each venue's capacity, summed: what an audit should find. */
async function overbookedInTables(sql: Awaited<ReturnType<typeof startFixtureService>>['sql'], eventId: string) {
  const [row] = await sql<[{ overbooked: number }]>`select coalesce(sum(greatest(0, sold - capacity)), 0)::int as overbooked from (
    select v.capacity, coalesce(sum(b.rooms), 0) as sold from fixture_svc.venues v left join fixture_svc.bookings b on b.venue_id = v.id
    where v.event_id = ${eventId} group by v.id) per_venue`;
  return row.overbooked;
}

t.test('the unsafe route is caught by --audit-sql: exit 1 under --assert-no-overbooking, per-key rows in the result', async (t) => {
  const service = await startFixtureService(t, database.url, { venues: 2, capacity: 10, servers: 2 });
  const { run, json } = await runAgainst(t, service, 'unsafe.json', ['--strategy', 'naive', '--audit-sql', auditFile, '--assert-no-overbooking']);
  t.equal(run.code, 1, `exit 1 (stderr: ${run.stderr.slice(-400)})`);
  t.match(run.stderr, /assertion failed: naive promises safety but was OVERBOOKED by [0-9]+/, 'the assertion names the route and the overbooking');
  const result = await readResult(json);
  const overbooked = await overbookedInTables(service.sql, service.eventId);
  t.ok(overbooked > 0, `the unsafe route overbooked the service's own tables (${overbooked})`);
  const audit = result.outcome.audit_sql;
  t.equal(audit?.overbooked, overbooked, 'the audit agrees with the tables');
  t.equal(audit?.rows.length, 2, 'one row per key');
  t.same(
    audit?.rows.map((row) => [row.key, row.capacity, row.overbooked === Math.max(0, row.sold - row.capacity)]),
    [
      ['venue 1', 10, true],
      ['venue 2', 10, true],
    ],
    'each row: key, capacity, and overbooked = sold − capacity when positive',
  );
  t.equal(result.outcome.overbooked_rooms, overbooked, 'outcome.overbooked_rooms is the audit’s');
  t.match(
    result.verdict,
    { promises_safety: true, safe: false, label: `OVERBOOKED by ${overbooked}` },
    'the target is held to safety whatever its route is called',
  );
  t.match(result.target, { urls: service.urls, audited_by: 'sql' }, 'the result names the target and how it was judged');
  t.equal(result.environment.database, 'url', 'the audit read DATABASE_URL');
  t.match(run.stdout, /audit \(.*audit\.sql\):/, 'the audit rows are printed under the table');
  t.match(run.stdout, /venue 1\W+10\W/, 'with each key and its capacity');
  t.ok(
    service.counts.reserves.length === 2 && service.counts.reserves.every((count) => count > 0),
    `clients were spread over both target URLs (${service.counts.reserves.join(', ')})`,
  );
});

t.test('the safe route passes: exit 0, sold out, nothing overbooked or unsold', async (t) => {
  const service = await startFixtureService(t, database.url, { venues: 2, capacity: 10, servers: 2 });
  const { run, json } = await runAgainst(t, service, 'safe.json', ['--audit-sql', auditFile, '--assert-no-overbooking']);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-400)})`);
  const result = await readResult(json);
  t.equal(result.params.strategy, 'atomic', 'the route is --strategy, atomic by default');
  t.match(result.outcome.audit_sql, { capacity: 20, sold: 20, overbooked: 0, unsold: 0 }, 'every room sold, none twice');
  t.match(result.verdict, { safe: true, label: 'SAFE' }, 'the verdict is the audit’s');
  t.equal(result.outcome.acknowledged.rooms, 20, 'the clients were told of every room sold');
});

t.test('without --audit-sql the verdict says it is unaudited, and rests on acknowledged rooms', async (t) => {
  const service = await startFixtureService(t, database.url, { venues: 2, capacity: 10, token: 'sesame' });
  const json = join(dir, 'unaudited.json');
  const run = await runCli(['run', '--target', at(service.urls, 0), '--event', service.eventId, '--token', 'sesame', '--json', json, ...clients], {
    env: withDatabase,
    replayIn: t,
  });
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-400)})`);
  t.match(run.stdout, /UNAUDITED/, 'the table says unaudited');
  t.match(
    run.stdout,
    /unaudited: no --audit-sql, so the verdict rests on the rooms the target acknowledged \(201s\): 20 of the 20 listed/,
    'and why, under it',
  );
  const result = await readResult(json);
  t.match(result.verdict, { safe: true, label: 'UNAUDITED' }, 'nothing detected, and said to be unaudited');
  t.match(result.target, { audited_by: 'acknowledged' }, 'judged by the 201s');
  t.equal(result.outcome.audit_sql, undefined, 'no audit rows');
  t.equal(result.environment.database, 'none', 'no database was used');
  t.equal(service.counts.unauthorized, 0, 'the token reached the service on every request');
  t.ok((service.counts.reserves[0] ?? 0) > 0, 'and the reserves went through');

  const refused = await runCli(['run', '--target', at(service.urls, 0), '--event', service.eventId, ...clients], { env: withDatabase });
  t.equal(refused.code, 3, 'without the token: exit 3');
  t.match(refused.stderr, /does not speak evento's API: GET \/[0-9a-f-]+\/available answered 401 .*--token/, 'the first bad answer, with a hint');
});

t.test('unaudited, more rooms acknowledged than listed is still an overbooking', async (t) => {
  const service = await startFixtureService(t, database.url, { venues: 2, capacity: 10 });
  const run = await runCli(
    ['run', '--target', at(service.urls, 0), '--event', service.eventId, '--strategy', 'naive', '--assert-no-overbooking', ...clients],
    {
      env: withDatabase,
      replayIn: t,
    },
  );
  const overbooked = await overbookedInTables(service.sql, service.eventId);
  t.ok(overbooked > 0, `the unsafe route overbooked (${overbooked})`);
  t.equal(run.code, 1, `exit 1 (stderr: ${run.stderr.slice(-400)})`);
  t.match(run.stderr, /OVERBOOKED by [0-9]+ \(acknowledged; unaudited\)/, 'caught from the 201s alone, and said to be unaudited');
});

t.test('bad targets: unreachable, or not evento’s API → exit 3 naming it', async (t) => {
  const closed = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const event = '00000000-0000-4000-8000-000000000001';
  const unreachable = await runCli(['run', '--target', `http://127.0.0.1:${closed}`, '--event', event, ...clients]);
  t.equal(unreachable.code, 3, 'unreachable: exit 3');
  t.match(unreachable.stderr, new RegExp(`target http://127.0.0.1:${closed} is unreachable`), 'names the target');
  t.equal(unreachable.stderr.trim().split('\n').length, 1, 'in one line');

  const html = await startHtmlServer(t);
  const wrong = await runCli(['run', '--target', html, '--event', event, ...clients]);
  t.equal(wrong.code, 3, 'HTML: exit 3');
  t.match(wrong.stderr, /does not speak evento's API: GET \/.*\/available answered 200 text\/html "<!doctype html>/, 'with the first bad answer');

  const service = await startFixtureService(t, database.url, { venues: 1, capacity: 10 });
  const unrouted = await runCli(['run', '--target', at(service.urls, 0), '--event', service.eventId, '--strategy', 'elsewhere', ...clients]);
  t.equal(unrouted.code, 3, 'a route the target does not have, so no reserve ever succeeds: exit 3');
  t.match(
    unrouted.stderr,
    /answered no POST \/.*\/reserve\/elsewhere with 201, and [0-9]+ requests failed \(unexpected_status [0-9]+\)/,
    'naming the route and the failures',
  );
});

t.test('usage errors with --target: exit 2 with one line', async (t) => {
  const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
    [['run', '--target', 'http://127.0.0.1:9'], /--target needs --event/],
    [['run', '--event', '00000000-0000-4000-8000-000000000001'], /--event needs --target/],
    [
      ['run', '--target', 'http://127.0.0.1:9', '--event', '00000000-0000-4000-8000-000000000001', '--servers', '3'],
      /--servers does not apply with --target/,
    ],
    [['run', '--target', 'ftp://127.0.0.1:9', '--event', '00000000-0000-4000-8000-000000000001'], /expected a server's origin/],
    [
      ['run', '--target', 'http://127.0.0.1:9', '--event', '00000000-0000-4000-8000-000000000001', '--audit-sql', auditFile],
      /--audit-sql needs DATABASE_URL/,
      { DATABASE_URL: '' },
    ],
    [
      ['run', '--target', 'http://127.0.0.1:9', '--event', '00000000-0000-4000-8000-000000000001', '--audit-sql', join(dir, 'missing.sql')],
      /no such file/,
    ],
    [['audit', '--event', '00000000-0000-4000-8000-000000000001'], /audit needs DATABASE_URL/, { DATABASE_URL: '' }],
  ];
  for (const [args, message, env] of cases) {
    const run = await runCli(args, { env: env ?? withDatabase });
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`);
    t.match(run.stderr, message, `${args.join(' ')}: says why`);
    t.equal(run.stderr.trim().split('\n').length, 1, `${args.join(' ')}: in one line`);
  }
});

t.test('a target’s route may be called anything; evento’s own runs take only its strategies', async (t) => {
  const event = '00000000-0000-4000-8000-000000000001';
  const quiet = () => undefined;
  const invocation = await parseArguments(
    ['node', 'evento', 'run', '--target', 'http://127.0.0.1:9/', '--event', event, '--strategy', 'my-route'],
    quiet,
  );
  t.match(invocation, { command: 'run-target', target: { strategy: 'my-route', urls: ['http://127.0.0.1:9'], eventId: event } }, 'any route segment');
  await t.rejects(
    parseArguments(['node', 'evento', 'run', '--strategy', 'my-route'], quiet),
    /--strategy my-route: expected one of naive/,
    'not without --target',
  );
  await t.rejects(
    parseArguments(['node', 'evento', 'run', '--target', 'http://127.0.0.1:9', '--event', event, '--strategy', 'a/b'], quiet),
    /a route's \{strategy\} segment/,
    'nor a segment that is not one',
  );
});

t.test('evento audit: the user’s query, or evento’s own tables', async (t) => {
  const service = await startFixtureService(t, database.url, { venues: 1, capacity: 4 });
  const [venue] = await service.sql<[{ id: string }]>`select id from fixture_svc.venues where event_id = ${service.eventId}`;
  await service.sql`insert into fixture_svc.bookings (id, venue_id, rooms, email) values (gen_random_uuid(), ${venue.id}, 3, 'a@fixture.test'), (gen_random_uuid(), ${venue.id}, 3, 'b@fixture.test')`;
  const json = join(dir, 'audit.json');
  const caught = await runCli(['audit', '--event', service.eventId, '--audit-sql', auditFile, '--assert-no-overbooking', '--json', json], {
    env: withDatabase,
  });
  t.equal(caught.code, 1, `overbooked by the query: exit 1 (stderr: ${caught.stderr})`);
  t.match(caught.stdout, /OVERBOOKED by 2/, 'the verdict is printed');
  const report = JSON.parse(await readFile(json, 'utf8')) as AuditReport;
  t.match(
    report,
    { audited_by: 'sql', capacity: 4, sold: 6, overbooked: 2, unsold: 0, rows: [{ key: 'venue 1', capacity: 4, sold: 6, overbooked: 2, unsold: 0 }] },
    '--json has the rows and totals',
  );

  const event = await seedEvent(database.sql, 2, 5);
  const own = await runCli(['audit', '--event', event.event_id, '--assert-no-overbooking'], { env: withDatabase });
  t.equal(own.code, 0, `evento's own fresh event: exit 0 (stderr: ${own.stderr})`);
  t.match(own.stdout, /SAFE[\s\S]*total\W+10\W+0\W+0\W+10\W/, 'nothing sold, all unsold');
  const [hotel] = event.hotels;
  await database.sql`insert into evento.reservations (id, event_hotel_rooms_id, email, number_of_rooms, status)
    select gen_random_uuid(), id, 'x@evento.test', 7, 'CONFIRMED' from evento.event_hotel_rooms where event_id = ${event.event_id} and hotel_id = ${hotel?.hotel_id ?? ''}`;
  const broken = await runCli(['audit', '--event', event.event_id, '--assert-no-overbooking'], { env: withDatabase });
  t.equal(broken.code, 1, 'rows beyond the contract in evento’s tables: exit 1');
  t.match(broken.stdout, /OVERBOOKED by 2, DRIFT 7/, 'the overbooking, and the counter that drifted from the rows');
});
