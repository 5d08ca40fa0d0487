import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { postgresTarget } from '../db/connection.js';
import { runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const { sql } = database;
const urlFor = (user: string, db: string) => {
  const url = new URL(database.url);
  url.username = user;
  url.password = 'evento-test';
  url.pathname = `/${db}`;
  return url.toString();
};
const small = ['run', '--strategy', 'atomic', '--clients', '10', '--servers', '1', '--hotels', '1', '--rooms', '10', '--think-ms', '0'];

t.test('evento touches nothing outside schema evento', async (t) => {
  await sql`create table if not exists public.guest_list (name text)`;
  await sql`insert into public.guest_list values ('keep me')`;
  t.teardown(() => sql`drop table if exists public.guest_list`);
  const outside = () => sql`
    select table_schema, table_name from information_schema.tables
    where table_schema not in ('evento', 'pg_catalog', 'information_schema') order by 1, 2
  `;
  const before = await outside();
  const results = await mkdtemp(join(tmpdir(), 'evento-access-test-'));
  const run = await runCli([...small, '--results-dir', results], { env: { DATABASE_URL: database.url } });
  t.equal(run.code, 0, 'the run succeeded');
  t.same(await outside(), before, 'no table appeared or vanished outside evento');
  t.same(await sql`select name from public.guest_list`, [{ name: 'keep me' }], "the user's table and row survived");
});

t.test('a database where evento cannot create its schema exits 3 with the cause', async (t) => {
  await sql`drop database if exists evento_no_create`;
  await sql`create database evento_no_create`;
  await sql`drop role if exists evento_limited`;
  await sql`create role evento_limited login password 'evento-test'`;
  t.teardown(async () => {
    await sql`drop database if exists evento_no_create with (force)`;
    await sql`drop role if exists evento_limited`;
  });
  const run = await runCli(small, { env: { DATABASE_URL: urlFor('evento_limited', 'evento_no_create') } });
  t.equal(run.code, 3, 'exit 3');
  t.match(run.stderr, /cannot use the database at .*evento_no_create: permission denied/, 'says where and why');
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
});

t.test('a role that does not exist exits 3 with the cause', async (t) => {
  const run = await runCli(small, { env: { DATABASE_URL: urlFor('nobody_here', 'postgres') } });
  t.equal(run.code, 3, 'exit 3');
  t.match(run.stderr, /role "nobody_here" does not exist/, "the server's reason");
});

// The embedded database trusts every local connection; for a wrong password to be refused, this
// test asks one role for a password in its pg_hba.conf. A DATABASE_URL server's is not touched.
t.test('a wrong password exits 3 with the cause', { skip: database.kind !== 'embedded' && 'changes pg_hba.conf: embedded database only' }, async (t) => {
  const [{ original }] = await sql<[{ original: string }]>`select pg_read_file(current_setting('hba_file')) as original`;
  // COPY's text format escapes tabs; pg_hba.conf reads spaces alike. COPY takes no parameters.
  const writeHba = async (lines: string[]) => {
    await sql.begin(async (tx) => {
      await tx`create temp table hba (n int, line text) on commit drop`;
      await tx`insert into hba ${tx(lines.map((line, n) => ({ n, line })))}`;
      await tx`do $$ begin execute format('copy (select line from hba order by n) to %L', current_setting('hba_file')); end $$`;
    });
    await sql`select pg_reload_conf()`;
  };
  const originalLines = original.replace(/\t/g, ' ').split('\n');
  await sql`drop role if exists evento_password`;
  await sql`create role evento_password login password 'the-right-one'`;
  // Both ways in: its URL names the Unix socket, and TCP for a client that ignores that.
  await writeHba(['local all evento_password scram-sha-256', 'host all evento_password 127.0.0.1/32 scram-sha-256', ...originalLines]);
  t.teardown(async () => {
    await writeHba(originalLines);
    await sql`drop role if exists evento_password`;
  });
  const url = new URL(database.url);
  url.username = 'evento_password';
  url.password = 'a-wrong-one';
  const run = await runCli(small, { env: { DATABASE_URL: url.toString() } });
  t.equal(run.code, 3, 'exit 3');
  t.match(run.stderr, /cannot use the database at .*: password authentication failed for user "evento_password"/, 'says where and why');
  t.notMatch(run.stderr, /a-wrong-one/, 'without the password');
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
});

t.test('a socket directory in the URL, the libpq way, is where connections go', async (t) => {
  t.same(postgresTarget('postgres://u@127.0.0.1:5433/db?host=%2Frun%2Fpg&sslmode=disable'), {
    url: 'postgres://u@127.0.0.1:5433/db?sslmode=disable',
    path: '/run/pg/.s.PGSQL.5433',
  });
  t.same(
    postgresTarget('postgres://u@db.example:5432/db?host=db.example'),
    { url: 'postgres://u@db.example:5432/db?host=db.example' },
    'a host name is no directory',
  );
  t.same(postgresTarget('postgres://u@h/db'), { url: 'postgres://u@h/db' });
  const [{ unix }] = await sql<[{ unix: boolean }]>`select client_addr is null as unix from pg_stat_activity where pid = pg_backend_pid()`;
  t.equal(unix, database.kind === 'embedded', 'the embedded database is reached over its Unix socket');
});
