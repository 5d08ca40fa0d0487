import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { connect } from '../db/connection.js';
import { summarizeAppPhases, type AppPhases } from '../harness/analysis/app-phases.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { onOwnConnection } from '../strategies/own-connection.js';
import { createPhaseRecorder, startPhaseTimer } from '../strategies/phases.js';
import { pipelinedTransaction } from '../strategies/pipelined.js';
import { runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);

/** `evento race` on one hot row at think 0, its result list read back. */
async function race(t: Test, args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'evento-app-phases-'));
  const jsonFile = join(dir, 'race.json');
  const common = ['--hotels', '1', '--think-ms', '0', '--servers', '2', '--warmup', '0', '--seed', '29'];
  const run = await runCli(['race', ...common, ...args, '--results-dir', dir, '--json', jsonFile], { env: { DATABASE_URL: database.url }, replayIn: t });
  const results = run.code === 0 ? (JSON.parse(await readFile(jsonFile, 'utf8')) as StrategyResult[]) : [];
  return { run, phasesOf: (name: string) => results.find(({ params }) => params.strategy === name)?.outcome.app_phases, results };
}

const phaseKeys = ['pool_wait_ms', 'statements_ms', 'commit_ms', 'handling_ms'] as const;

/** What holds of any run's phases: each phase's p50 ≤ p99, and per reservation the four add up to the server's time. */
function checkConsistent(t: Test, name: string, phases: AppPhases) {
  for (const key of [...phaseKeys, 'server_ms'] as const) t.ok(phases[key].p50 <= phases[key].p99, `${name}: ${key} p50 ≤ p99`);
  const sum = phaseKeys.reduce((total, key) => total + phases[key].mean, 0);
  t.ok(
    Math.abs(sum - phases.server_ms.mean) <= 0.1,
    `${name}: the phases' means add up to the server's (${sum.toFixed(2)} vs ${phases.server_ms.mean})`,
  );
  const split = phases.request_mean_ms;
  t.ok(split.request >= phases.server_ms.mean, `${name}: a request as its client saw it took at least what its server did (${JSON.stringify(split)})`);
}

t.test('in-process: a connection held by another is pool wait; a pause before COMMIT is statements, COMMIT is commit', async (t) => {
  const sql = connect(database.url, 1, 'evento-app-phases-test');
  t.teardown(() => sql.end());
  const recorder = createPhaseRecorder();
  // The pool's one connection is held 60 ms by another caller; the timed call asks for it meanwhile.
  const holder = onOwnConnection(sql, (db) => db`select pg_sleep(0.06)`);
  const timer = startPhaseTimer(recorder);
  await timer.strategy(sql, (db) =>
    pipelinedTransaction(db, 'begin', async (tx, commit) => {
      const paused = tx`select pg_sleep(0.03)`.execute();
      await Promise.all([paused, commit(paused)]);
    }),
  );
  timer.end();
  await holder;
  // sql.begin: its BEGIN's round trip counts as taking the connection, its body as statements.
  const beginTimer = startPhaseTimer(recorder);
  await beginTimer.strategy(sql, (db) => db.begin((tx) => tx`select pg_sleep(0.03)`));
  beginTimer.end();
  const taken = recorder.take();
  t.equal(taken.reservations, 2, 'both calls recorded');
  const phases = summarizeAppPhases([taken], 0);
  if (!phases) return t.fail('phases summarized');
  const { pool_wait_ms: poolWait, statements_ms: statements } = phases;
  t.ok(poolWait.p99 >= 40, `the wait behind the holder is pool wait (${JSON.stringify(poolWait)})`);
  t.ok(statements.p50 >= 25, `the pauses inside the transactions are statements (${JSON.stringify(statements)})`);
  t.ok(phases.commit_ms.p99 < 25, `the commits took none of the pauses (${JSON.stringify(phases.commit_ms)})`);
  t.equal(recorder.take().reservations, 0, 'take() starts again');
  t.equal(summarizeAppPhases([recorder.take()], 0), undefined, 'nothing timed: no phases');
});

t.test('a hot row: pessimistic spends longer in its statements (the row lock) than atomic, which takes no connection of its own', async (t) => {
  // A connection for every client: what pessimistic waits on is the row's lock, not the pool.
  const report = join(await mkdtemp(join(tmpdir(), 'evento-app-phases-report-')), 'report.html');
  const { run, phasesOf, results } = await race(t, [
    ...['--strategies', 'atomic,pessimistic', '--rooms', '1500', '--clients', '16', '--pool-size', '8'],
    ...['--wide', '--report', report],
  ]);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  const atomic = phasesOf('atomic');
  const pessimistic = phasesOf('pessimistic');
  if (!atomic || !pessimistic) return t.fail(`both runs have app_phases: ${JSON.stringify({ atomic, pessimistic })}`);
  for (const [name, phases] of [
    ['atomic', atomic],
    ['pessimistic', pessimistic],
  ] as const) {
    checkConsistent(t, name, phases);
    const result = results.find(({ params }) => params.strategy === name);
    t.equal(phases.servers, 2, `${name}: both servers answered`);
    t.ok(phases.reservations >= (result?.outcome.reservations ?? Infinity), `${name}: every reservation was timed (${phases.reservations})`);
  }
  t.equal(atomic.pool_wait_ms.p99, 0, 'atomic sends its one statement to the pool: no connection of its own to wait for');
  t.equal(atomic.commit_ms.p99, 0, 'and no transaction of its own to commit');
  t.match(run.stdout, /request mean ms:.*\n.*client\+HTTP \/ pool wait \/ db \/ handling/, `--wide shows the split\n${run.stdout}`);
  t.match(run.stdout, /│ +[0-9.]+ \/ 0\.0 \/ [0-9.]+ \/ [0-9.]+ │ +0\.0 \/ 0\.0 │/, 'atomic: no pool wait, its database time beside the rest');
  t.match(await readFile(report, 'utf8'), /Where a request's time went.*client\+HTTP/s, 'the report has it too');
  const database = (phases: AppPhases) => phases.statements_ms.mean + phases.commit_ms.mean;
  t.ok(
    database(pessimistic) > database(atomic),
    `pessimistic's statements and commit (${database(pessimistic).toFixed(2)} ms) outlast atomic's (${database(atomic).toFixed(2)} ms)`,
  );
});

t.test('pool wait grows when the pool is smaller than the clients; --sample-ms 0 leaves the phases alone', async (t) => {
  const common = ['--strategies', 'pessimistic', '--rooms', '600', '--clients', '16', '--sample-ms', '0'];
  const small = await race(t, [...common, '--pool-size', '1']);
  const large = await race(t, [...common, '--pool-size', '8']);
  t.equal(small.run.code, 0, 'exit 0 with a pool of 1');
  t.equal(large.run.code, 0, 'exit 0 with a pool of 8');
  const [waitedLong, waitedLittle] = [small.phasesOf('pessimistic'), large.phasesOf('pessimistic')];
  if (!waitedLong || !waitedLittle) return t.fail('both runs have app_phases');
  t.ok(
    waitedLong.pool_wait_ms.mean > waitedLittle.pool_wait_ms.mean,
    `8 clients a connection wait longer for it (${waitedLong.pool_wait_ms.mean} ms) than 1 (${waitedLittle.pool_wait_ms.mean} ms)`,
  );
  t.ok(waitedLong.pool_wait_ms.mean > waitedLong.statements_ms.mean, 'and wait for it longer than they use it');
  t.notOk(
    [...small.results, ...large.results].some(({ outcome }) => 'db_time' in outcome),
    'no db_time without sampling',
  );
});

t.test('--via direct times the same phases around the same routes, with no HTTP in what the servers did not see', async (t) => {
  const { run, results } = await race(t, ['--strategies', 'pessimistic', '--via', 'http,direct', '--rooms', '600', '--clients', '16']);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  const [http, direct] = (['http', 'direct'] as const).map((via) => results.find(({ params }) => params.via === via)?.outcome.app_phases);
  if (!http || !direct) return t.fail(`both paths have app_phases: ${JSON.stringify({ http, direct })}`);
  checkConsistent(t, 'direct', direct);
  t.equal(direct.servers, 2, 'one recorder for each of its pools');
  t.ok(direct.pool_wait_ms.mean > 0, `its strategy calls waited for their pools' connections too (${direct.pool_wait_ms.mean} ms)`);
  t.ok(
    direct.request_mean_ms.client_and_http < http.request_mean_ms.client_and_http,
    `without HTTP, less of a request is outside the servers' clocks (${direct.request_mean_ms.client_and_http} ms against ${http.request_mean_ms.client_and_http})`,
  );
});
