import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openDatabase } from '../harness/database/database.js';
import { auditEvent, seedEvent } from '../harness/workloads/event.js';
import { migrate, migrationsFolder, readMigrations } from '../harness/database/migrations.js';
import { replayLog } from '../harness/workloads/replay.js';
import { connect, type Sql } from '../db/connection.js';
import { at } from '../lib/at.js';
import { atomic } from '../strategies/atomic.js';
import { eventLog } from '../strategies/event-log.js';
import { exclusionUnavailable } from '../strategies/exclusion.js';
import type { Strategy } from '../strategies/types.js';
import { runCli, useDatabase } from './helpers.js';

// Upgrades start from the first release's schema: sql/migrations/001_first_release.sql applied
// whole, as that release applied its schema.sql before every run, with no version recorded.
const server = await useDatabase(t);
const firstRelease = at(await readMigrations(), 0);

/** A database of its own on the test's server, dropped at teardown. */
async function databaseFor(t: Test, name: string) {
  await server.sql.unsafe(`drop database if exists ${name} with (force)`);
  await server.sql.unsafe(`create database ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const sql = connect(url.toString(), 4, 'evento-harness');
  t.teardown(async () => {
    await sql.end({ timeout: 1 });
    await server.sql.unsafe(`drop database if exists ${name} with (force)`);
  });
  return { url: url.toString(), sql };
}

/** A hold confirmed or cancelled as the first release's statement did it: its history rows have no request_id. */
const firstReleaseTransition = (sql: Sql, id: string, to: 'CONFIRMED' | 'CANCELLED') => sql`
  with moved as (
    update reservations set status = ${to}::text where status = 'HELD' and id = ${id}
    returning id, event_hotel_rooms_id, number_of_rooms, status
  ), counters as (
    update event_hotel_rooms ehr
    set locked = ehr.locked - moved.number_of_rooms,
      reserved = ehr.reserved + case when moved.status = 'CONFIRMED' then moved.number_of_rooms else 0 end,
      version = ehr.version + 1, updated_at = now()
    from moved where ehr.id = moved.event_hotel_rooms_id
  )
  insert into reservation_status_history (reservation_id, from_status, to_status, changed_at, reason)
  select id, 'HELD', status, now(), 'test' from moved
`;

/** The first release's schema with one event in it: reservations by two strategies, a confirmed and a cancelled hold. */
async function firstReleaseWithRuns(sql: Sql) {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('evento.schema'))`;
    await tx.file(firstRelease.file).simple();
  });
  const event = await seedEvent(sql, 2, 10);
  const [first, second] = [at(event.hotels, 0).hotel_id, at(event.hotels, 1).hotel_id];
  const reserve = (strategy: Strategy, hotelId: string, rooms: number, holdMs?: number) =>
    strategy.reserve(sql, { eventId: event.event_id, hotelId, rooms, email: 'old@evento.test', requestId: null, holdMs });
  await reserve(atomic, first, 3);
  await reserve(eventLog, second, 4);
  for (const [index, to] of (['CONFIRMED', 'CANCELLED'] as const).entries()) {
    const held = await reserve(atomic, first, index + 1, 60_000);
    if (held.status !== 'reserved') throw new Error(`the hold was refused: ${held.status}`);
    await firstReleaseTransition(sql, held.reservation.id, to);
  }
  return { eventId: event.event_id, logged: second };
}

const tableCounts = (sql: Sql) => sql<{ table_name: string; rows: number }[]>`
  select table_name, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from evento.%I', table_name), false, true, '')))[1]::text::int as rows
  from information_schema.tables where table_schema = 'evento' and table_name <> 'schema_migrations' order by table_name`;

const versions = (sql: Sql) => sql<{ version: number; name: string }[]>`select version, name from evento.schema_migrations order by version`;

/** The real migrations and, after them, one that adds a column and would fail if run twice. */
async function foldersWithNext(t: Test) {
  const folder = await mkdtemp(join(tmpdir(), 'evento-migrations-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  const migrations = await readMigrations();
  for (const migration of migrations) await copyFile(migration.file, join(folder, migration.file.slice(migrationsFolder.length + 1)));
  const next = migrations.length + 1;
  await writeFile(join(folder, `${String(next).padStart(3, '0')}_reservation_note.sql`), 'alter table evento.reservations add column note text;\n');
  return { folder, next };
}

t.test('a first-release schema is upgraded in place, its runs kept and still auditable', async (t) => {
  const { url, sql } = await databaseFor(t, 'evento_first_release');
  const { eventId, logged } = await firstReleaseWithRuns(sql);
  const audit = await auditEvent(sql, eventId);
  const replay = await replayLog(sql, eventId);
  const counts = await tableCounts(sql);
  t.equal(audit.confirmed, 3 + 4 + 1, 'the old run: 8 rooms confirmed');
  t.equal(audit.reservations, 3, 'three reservations count, the cancelled hold does not');
  t.match(
    await exclusionUnavailable(sql, 'exclusion-on-conflict'),
    /slot_bookings_no_overlap is missing, or does not cover exclusion-on-conflict/,
    "the first release's exclusion constraint guards exclusion alone",
  );

  // The path every command and test takes to its database.
  const upgraded = await openDatabase(url);
  t.teardown(() => upgraded.close());
  t.same(
    await versions(sql),
    (await readMigrations()).map(({ version, name }) => ({ version, name })),
    'every migration recorded, the first release as version 1',
  );
  const before = new Set(counts.map(({ table_name }) => table_name));
  const kept = (await tableCounts(sql)).filter(({ table_name }) => before.has(table_name));
  t.same(kept, counts, 'every table of the first release keeps its rows (later migrations may add tables)');
  t.same(await auditEvent(sql, eventId), audit, 'the old run audits as before');
  t.same(await replayLog(sql, eventId), replay, 'its event log replays as before');
  t.equal(replay.streams.find((stream) => stream.hotel_id === logged)?.log_mismatch, 0, 'the event-log hotel agrees with its tables');
  const history = await sql<{ to_status: string }[]>`select to_status from reservation_status_history order by to_status`;
  t.same(
    history.map((row) => row.to_status),
    ['CANCELLED', 'CONFIRMED'],
    'the holds keep their status history',
  );
  const after = await atomic.reserve(sql, { eventId, hotelId: at(audit.hotels, 0).hotel_id, rooms: 1, email: 'new@evento.test', requestId: null });
  t.equal(after.status, 'reserved', 'and the upgraded schema takes new reservations');
  for (const strategy of ['exclusion', 'exclusion-on-conflict']) {
    t.equal(await exclusionUnavailable(sql, strategy), undefined, `the replaced exclusion constraint guards ${strategy}`);
  }
});

t.test('a later migration runs once, on top of the first release, and keeps the old rows', async (t) => {
  const { sql } = await databaseFor(t, 'evento_next_release');
  const { eventId } = await firstReleaseWithRuns(sql);
  const audit = await auditEvent(sql, eventId);
  const { folder, next } = await foldersWithNext(t);
  const report = await migrate(sql, folder);
  t.equal(report.from, 0, 'found no version recorded');
  t.equal(report.to, next, `upgraded to version ${next}`);
  t.same(
    report.applied.map((migration) => migration.version),
    Array.from({ length: next }, (_, index) => index + 1),
    'applied every migration in order',
  );
  const notes = await sql<{ note: string | null }[]>`select note from reservations`;
  t.equal(notes.length, 4, 'the old reservations are there');
  t.ok(
    notes.every((row) => row.note === null),
    'with the new column empty',
  );
  t.same(await auditEvent(sql, eventId), audit, 'the old run audits as before');
  const again = await migrate(sql, folder);
  t.same(again, { from: next, to: next, applied: [] }, 'a second start applies nothing (the new migration would fail twice)');
});

t.test('concurrent starts apply each migration once', async (t) => {
  const { url } = await databaseFor(t, 'evento_concurrent');
  const { folder, next } = await foldersWithNext(t);
  const pools = Array.from({ length: 4 }, () => connect(url, 1, 'evento-harness'));
  t.teardown(() => Promise.all(pools.map((pool) => pool.end({ timeout: 1 }))));
  const reports = await Promise.all(pools.map((pool) => migrate(pool, folder)));
  t.same(
    reports.flatMap((report) => report.applied.map((migration) => migration.version)).sort((a, b) => a - b),
    Array.from({ length: next }, (_, index) => index + 1),
    'each version applied by exactly one of the four',
  );
  t.equal((await versions(at(pools, 0))).length, next, 'and recorded once');
});

t.test('a schema newer than this evento stops the command with exit 3, naming both versions', async (t) => {
  const { url, sql } = await databaseFor(t, 'evento_from_the_future');
  await migrate(sql);
  const known = (await readMigrations()).length;
  await sql`insert into schema_migrations (version, name) values (${known + 1}, 'from_a_later_release')`;
  const before = await tableCounts(sql);
  const run = await runCli(['seed', '--hotels', '1', '--rooms', '1'], { env: { DATABASE_URL: url } });
  t.equal(run.code, 3, 'exit 3');
  t.match(run.stderr, `schema evento is at version ${known + 1}, newer than this evento knows (version ${known})`, 'names both versions');
  t.equal(run.stderr.trim().split('\n').length, 1, 'on one line');
  t.same(await tableCounts(sql), before, 'and touches nothing');
});

t.test('a recorded migration that this evento names otherwise stops the start', async (t) => {
  const { sql } = await databaseFor(t, 'evento_renamed');
  await migrate(sql);
  await sql`update schema_migrations set name = 'another_first_release' where version = 1`;
  await t.rejects(migrate(sql), { name: 'EnvironmentError', message: /version 1 is "another_first_release", this evento's is "first_release"/ });
});

t.test('a folder with a gap or a misnamed file is refused', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'evento-migrations-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  await copyFile(firstRelease.file, join(folder, '001_first_release.sql'));
  await writeFile(join(folder, '003_skipped_one.sql'), 'select 1;\n');
  await t.rejects(readMigrations(folder), { message: /003_skipped_one.sql: expected version 2 here/ }, 'a gap');
  await rm(join(folder, '003_skipped_one.sql'));
  await writeFile(join(folder, '2-no-underscore.sql'), 'select 1;\n');
  await t.rejects(readMigrations(folder), { message: /2-no-underscore.sql: a migration is named <version>_<name>.sql/ }, 'a misnamed file');
});
