import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const { sql } = database;

/** `evento race` on one hot row at think 0, its result list read back; `url` is the database it runs on. */
async function race(t: Test, args: string[], url = database.url) {
  const dir = await mkdtemp(join(tmpdir(), 'evento-where-time-goes-'));
  const jsonFile = join(dir, 'race.json');
  const common = ['--hotels', '1', '--think-ms', '0', '--servers', '2', '--pool-size', '4', '--warmup', '0', '--seed', '29'];
  const run = await runCli(['race', ...common, ...args, '--results-dir', dir, '--json', jsonFile], { env: { DATABASE_URL: url }, replayIn: t });
  const results = run.code === 0 ? (JSON.parse(await readFile(jsonFile, 'utf8')) as StrategyResult[]) : [];
  return { run, results, byStrategy: (name: string) => results.find(({ params }) => params.strategy === name) };
}

const lockShare = (shares: Record<string, number>) =>
  Object.entries(shares)
    .filter(([key]) => key.startsWith('Lock:'))
    .reduce((sum, [, share]) => sum + share, 0);

const sumOf = (values: number[]) => values.reduce((sum, value) => sum + value, 0);

t.test('a pause inside the row lock shows as waiting on the lock; the same pause outside any transaction does not', async (t) => {
  const { run, byStrategy } = await race(t, [
    '--strategies',
    'pessimistic,naive',
    '--rooms',
    '150',
    '--clients',
    '32',
    '--chaos',
    'slow-db',
    '--chaos-latency-ms',
    '20',
  ]);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  const pessimistic = byStrategy('pessimistic')?.outcome.db_time;
  const naive = byStrategy('naive')?.outcome.db_time;
  if (!pessimistic || !naive) return t.fail(`both runs were sampled: ${JSON.stringify({ pessimistic, naive })}`);
  const [largest] = Object.keys(pessimistic.shares);
  t.match(largest, /^Lock:/, `pessimistic, which sleeps holding FOR UPDATE, waits mostly on a lock: ${JSON.stringify(pessimistic.shares)}`);
  t.ok(lockShare(pessimistic.shares) > 0.5, 'more than half its database time waits on locks');
  t.ok(lockShare(naive.shares) < 0.1, `naive, which sleeps outside any transaction, hardly waits on a lock: ${JSON.stringify(naive.shares)}`);
  t.ok((naive.shares['Timeout:PgSleep'] ?? 0) > 0.5, 'its time goes to the pause itself');
  for (const [name, dbTime] of [
    ['pessimistic', pessimistic],
    ['naive', naive],
  ] as const) {
    // naive sells out in a tenth of a second or so: on a loaded machine, ten samples or fewer.
    t.ok(dbTime.samples > 0 && dbTime.backend_samples > 0, `${name}: sampled (${dbTime.samples} samples, ${dbTime.backend_samples} of busy backends)`);
    t.ok(Math.abs(sumOf(Object.values(dbTime.shares)) - 1) <= 0.001, `${name}: the shares add to 1 within rounding`);
  }
});

t.test('serializable and optimistic count their conflicts under their causes, and every reservation under its attempts', async (t) => {
  const { run, results, byStrategy } = await race(t, ['--strategies', 'serializable,optimistic', '--rooms', '2000', '--clients', '48']);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  const causes = { serializable: '40001', optimistic: 'version_mismatch' };
  for (const [name, cause] of Object.entries(causes)) {
    const outcome = byStrategy(name)?.outcome;
    if (!outcome?.conflicts_by_sqlstate || !outcome.attempts_per_reservation) return t.fail(`${name}: the new fields are there`);
    t.ok(outcome.conflicts > 0, `${name} conflicted on the hot row (${outcome.conflicts})`);
    t.equal(outcome.conflicts_by_sqlstate[cause], outcome.conflicts, `${name}: every conflict is filed under ${cause}`);
    t.equal(sumOf(Object.values(outcome.conflicts_by_sqlstate)), outcome.conflicts, `${name}: and under nothing else`);
    const attempts = sumOf(Object.values(outcome.attempts_per_reservation));
    t.equal(attempts, outcome.acknowledged.reservations, `${name}: attempts_per_reservation adds up to the reservations acknowledged`);
    t.equal(attempts, outcome.reservations, `${name}: and to those the audit found`);
    t.ok(outcome.attempts_per_reservation['1'] < attempts, `${name}: some reservations took more than one attempt`);
    t.ok((outcome.retried_attempts_ms ?? 0) > 0, `${name}: the retried attempts took time (${outcome.retried_attempts_ms ?? 'none'} ms)`);
  }
  // optimistic's sessions are busy for a few samples in a hundred: a short run may show none
  // (`none busy`), serializable's, which hold their transactions open, always show some.
  for (const { params, outcome } of results) {
    const dbTime = outcome.db_time;
    if (!dbTime) return t.fail(`${params.strategy}: sampled`);
    t.ok(dbTime.samples > 0, `${params.strategy}: sampled (${dbTime.samples} samples, ${dbTime.backend_samples} of busy backends)`);
    if (dbTime.backend_samples > 0)
      t.ok(Math.abs(sumOf(Object.values(dbTime.shares)) - 1) <= 0.001, `${params.strategy}: the shares add to 1 within rounding`);
    else t.same(dbTime.shares, {}, `${params.strategy}: no busy backend seen, no shares`);
  }
  t.ok((byStrategy('serializable')?.outcome.db_time?.backend_samples ?? 0) > 0, 'serializable: busy backends seen');
  t.match(run.stdout, /│ top wait /, `the table has the top wait\n${run.stdout}`);
  t.ok(
    run.stdout.split('\n').every((line) => line.length <= 100),
    'every line of the table fits 100 columns',
  );
});

t.test('--sample-ms 0 samples nothing; a bad value is a usage error naming the flag', async (t) => {
  const { run, results } = await race(t, ['--strategies', 'atomic', '--rooms', '50', '--clients', '8', '--sample-ms', '0']);
  t.equal(run.code, 0, 'exit 0');
  t.equal(results.length, 1, 'one result');
  t.notOk(
    results.some(({ outcome }) => 'db_time' in outcome),
    'no db_time',
  );
  t.equal(results[0]?.params.sample_ms, 0, 'params.sample_ms says so');
  const bad = await runCli(['race', '--sample-ms', 'abc']);
  t.equal(bad.code, 2, 'exit 2');
  t.match(bad.stderr, /--sample-ms.*abc.*integer from 0/, 'one line naming the flag and what it takes');
  t.equal(bad.stderr.trim().split('\n').length, 1, 'one line');
});

// A session's wait events are shown to roles with the privileges of its role, superusers and
// pg_read_all_stats. Here every session logs in as one role and acts as another (SET ROLE by the
// login role's default), which has no privileges over the login role: so the harness's sampler
// sees the servers' sessions only as <insufficient privilege>, as an unprivileged monitoring role would.
t.test("a role that cannot see the servers' sessions: one line, db_time null, the exit code unchanged", async (t) => {
  await sql`drop database if exists evento_hidden_waits with (force)`;
  await sql`drop role if exists evento_hidden_login`;
  await sql`drop role if exists evento_hidden_owner`;
  await sql`create role evento_hidden_owner nologin`;
  await sql`create role evento_hidden_login login password 'evento-test' in role evento_hidden_owner`;
  await sql`alter role evento_hidden_login set role = 'evento_hidden_owner'`;
  await sql`create database evento_hidden_waits owner evento_hidden_owner`;
  t.teardown(async () => {
    await sql`drop database if exists evento_hidden_waits with (force)`;
    await sql`drop role if exists evento_hidden_login`;
    await sql`drop role if exists evento_hidden_owner`;
  });
  const url = new URL(database.url);
  url.username = 'evento_hidden_login';
  url.password = 'evento-test';
  url.pathname = '/evento_hidden_waits';
  const { run, results } = await race(t, ['--strategies', 'atomic', '--rooms', '100', '--clients', '16'], url.toString());
  t.equal(run.code, 0, `exit 0, as without sampling (stderr: ${run.stderr.slice(-400)})`);
  t.equal(results[0]?.outcome.db_time, null, 'db_time is null');
  const said = run.stderr.split('\n').filter((line) => line.includes('database time not sampled'));
  t.equal(said.length, 1, `said once:\n${run.stderr}`);
  t.match(said[0], /cannot see the servers' sessions in pg_stat_activity .*pg_read_all_stats/, 'saying why and what would help');
});
