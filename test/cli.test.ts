import { mkdtemp, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import t from 'tap';
import type { SeededEvent } from '../harness/model/seeded-event.js';
import { at } from '../lib/at.js';
import { slotStrategyNames, strategyNames, tenantContexts } from '../strategies/registry.js';
import { processesTagged, randomUUID, readResult, runCli, tagGone, useDatabase, waitOf } from './helpers.js';

const database = await useDatabase(t);
const withDatabase = { DATABASE_URL: database.url };
const embedded = { DATABASE_URL: '' };
const small = ['--clients', '20', '--servers', '1', '--hotels', '2', '--rooms', '15', '--think-ms', '0'];
const scratch = () => mkdtemp(join(tmpdir(), 'evento-cli-test-'));

t.test('run on an embedded database: exit 0, table, result files, --json, nothing left behind', async (t) => {
  const dir = await scratch();
  const jsonFile = join(dir, 'run.json');
  const run = await runCli(['run', '--strategy', 'atomic', ...small, '--results-dir', dir, '--json', jsonFile, '--assert-no-overbooking'], {
    env: embedded,
    replayIn: t,
  });
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  t.match(run.stdout, /atomic.*30 \/ 30.*SAFE/, 'the table shows every room sold and the verdict');
  t.match(run.stderr, /evento: embedded database/, 'progress says which database');
  const result = await readResult(jsonFile);
  t.match(
    result,
    {
      tool: { name: 'evento', version: String },
      started_at: String,
      params: { strategy: 'atomic', clients: 20, servers: 1, hotels: 2, rooms: 15, max_rooms: 5, think_ms: '0', seed: Number },
      environment: { node: String, postgres: String, cpus: Number, database: 'embedded' },
      event_id: String,
      outcome: {
        requests: Number,
        reservations: Number,
        rooms_reserved: 30,
        contracted: 30,
        overbooked_rooms: 0,
        drift: 0,
        conflicts: Number,
        retries: Number,
        insufficient: Number,
        errors: 0,
        duration_ms: Number,
        throughput_rps: Number,
        latency_ms: { p50: Number, p90: Number, p99: Number, max: Number },
        reservations_per_s: Number,
        rooms_per_s: Number,
        time_to_reservation_ms: { p50: Number, p90: Number, p99: Number, max: Number },
        per_reservation: { requests: Number, conflicts: Number, insufficient: Number },
        histograms: { latency_us: String, time_to_reservation_us: String },
      },
      verdict: { promises_safety: true, safe: true },
    },
    '--json has the documented fields',
  );
  const { outcome } = result;
  const perReservation = (count: number) => Math.round((count * 100) / outcome.reservations) / 100;
  t.same(
    outcome.per_reservation,
    { requests: perReservation(outcome.requests), conflicts: perReservation(outcome.conflicts), insufficient: perReservation(outcome.insufficient) },
    'requests, 409s and 422s per reservation',
  );
  t.equal(outcome.rooms_per_s, Math.round((30 * 10_000) / outcome.duration_ms) / 10, 'rooms per second of the clients phase');
  const waited = decodeFromCompressedBase64(outcome.histograms.time_to_reservation_us);
  t.equal(waited.totalCount, outcome.acknowledged.reservations, 'one time to a reservation per 201');
  t.ok(decodeFromCompressedBase64(outcome.histograms.latency_us).totalCount >= waited.totalCount, 'one latency per reserve request, retries included');
  const { p50, p90, p99, max } = waitOf(outcome);
  t.ok(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, `time to a reservation: ordered percentiles, none above max (${p50}, ${p90}, ${p99}, ${max})`);
  const files = (await readdir(dir)).filter((name) => name.endsWith('-atomic.json'));
  t.equal(files.length, 1, 'one result file for the strategy run');
  t.same(await tagGone(run.tag), [], 'no postgres or server process outlives the run');
});

t.test('--expect-overbooking exits 1 when an unsafe strategy was not contended', async (t) => {
  const dir = await scratch();
  const run = await runCli(
    [
      'run',
      '--strategy',
      'naive',
      '--clients',
      '1',
      '--servers',
      '1',
      '--hotels',
      '1',
      '--rooms',
      '5',
      '--think-ms',
      '0',
      '--results-dir',
      dir,
      '--expect-overbooking',
    ],
    { env: withDatabase, replayIn: t },
  );
  t.equal(run.code, 1, 'exit 1');
  t.match(run.stderr, /assertion failed: naive showed no overbooking or drift/, 'says which assertion and why');
});

t.test('usage errors exit 2 with one line naming the flag', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run', '--clients', 'abc'], /--clients.*integer from 1 to 100000/],
    [['run', '--clients', '0'], /--clients.*integer from 1 to 100000/],
    [['run', '--servers', '65'], /--servers.*integer from 1 to 64/],
    [['run', '--strategy', 'bogus'], /--strategy.*naive, transaction, pessimistic, atomic, optimistic/],
    [['run', '--think-ms', '300-10'], /--think-ms.*A <= B/],
    [['run', '--strategy', 'naive', '--mode', 'atomic'], /--strategy naive and --mode atomic disagree/],
    [['race', '--strategies', 'naive,nope'], /--strategies.*comma-separated list/],
    [['run', '--frobnicate'], /unknown option '--frobnicate'/],
    [['teleport'], /unknown command 'teleport'/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args, { env: withDatabase });
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`);
    t.match(run.stderr, message, `${args.join(' ')}: names the flag`);
    t.equal(run.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
  }
  const seed = await runCli(['seed'], { env: embedded });
  t.equal(seed.code, 2, 'seed without DATABASE_URL: exit 2');
  t.match(seed.stderr, /seed needs DATABASE_URL/, 'seed without DATABASE_URL: says what to do');
});

t.test('an unreachable database exits 3 with the cause', async (t) => {
  const run = await runCli(['run', ...small], { env: { DATABASE_URL: 'postgres://evento@127.0.0.1:1/nowhere' } });
  t.equal(run.code, 3, 'exit 3');
  t.match(run.stderr, /cannot use the database at 127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/, 'names the database and the cause');
  t.notMatch(run.stderr, /\n.*\n/, 'one line');
});

t.test('--timeout stops the clients, still audits and writes, and exits 3', async (t) => {
  const dir = await scratch();
  const run = await runCli(
    [
      'run',
      '--strategy',
      'atomic',
      '--clients',
      '10',
      '--servers',
      '1',
      '--rooms',
      '100000',
      '--think-ms',
      '50-100',
      '--timeout',
      '1',
      '--results-dir',
      dir,
    ],
    { env: withDatabase },
  );
  t.equal(run.code, 3, 'exit 3');
  t.match(run.stderr, /had not finished after --timeout 1s/, 'says what happened');
  const result = await readResult(join(dir, at(await readdir(dir), 0)));
  t.equal(result.outcome.stopped_by, 'timeout', 'the partial result records why it stopped');
  t.ok(result.outcome.rooms_reserved > 0, 'and what was booked');
  t.equal(result.outcome.overbooked_rooms, 0, 'audited');
});

t.test('Ctrl-C mid-run: partial results audited and written, exit 130, no process left', async (t) => {
  const dir = await scratch();
  let interrupted = false;
  const run = await runCli(
    ['run', '--strategy', 'pessimistic', '--clients', '50', '--servers', '2', '--rooms', '100000', '--think-ms', '0-50', '--results-dir', dir],
    {
      env: embedded,
      onStderr: (text, child) => {
        if (!interrupted && / rooms [1-9][0-9]*\//.test(text)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    },
  );
  t.ok(interrupted, 'the run was interrupted mid-way');
  t.equal(run.code, 130, 'exit 130');
  const result = await readResult(join(dir, at(await readdir(dir), 0)));
  t.equal(result.outcome.stopped_by, 'interrupted', 'the partial result says so');
  t.ok(result.outcome.rooms_reserved > 0 && result.outcome.rooms_reserved < 300_000, 'partly sold');
  t.equal(result.verdict.safe, true, 'audited');
  t.same(await tagGone(run.tag), [], 'no postgres or server process left');
});

t.test('even when evento is killed outright, its servers and postgres end with it', async (t) => {
  let killed = false;
  const run = await runCli(
    ['run', '--strategy', 'atomic', '--clients', '20', '--servers', '2', '--rooms', '100000', '--think-ms', '0-50', '--results-dir', await scratch()],
    {
      env: embedded,
      onStderr: (text, child) => {
        if (!killed && / rooms [1-9]/.test(text)) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    },
  );
  t.ok(killed, 'killed mid-run');
  t.equal(run.signal, 'SIGKILL', 'by SIGKILL');
  t.same(await tagGone(run.tag, 10_000), [], 'no postgres or server process left');
});

t.test('serve on a port in use exits 3 and says so', async (t) => {
  const busy = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => busy.once('listening', resolve));
  t.teardown(() => busy.close());
  const port = String((busy.address() as { port: number }).port);
  const run = await runCli(['serve', '--port', port], { env: withDatabase });
  t.equal(run.code, 3, 'exit 3');
  t.match(run.stderr, new RegExp(`port ${port} is in use`), 'names the port');
});

t.test('serve with an embedded database seeds an event, answers, and stops on Ctrl-C', async (t) => {
  const tag = randomUUID();
  let whileServing: { health?: number; processes: number[] } | undefined;
  const run = await runCli(['serve', '--port', '0', '--hotels', '2', '--rooms', '7'], {
    env: embedded,
    tag,
    onStderr: (text, child) => {
      const url = /serving on (\S+)/.exec(text)?.[1];
      if (whileServing || url === undefined) return;
      whileServing = { processes: [] };
      void (async () => {
        whileServing.health = (await fetch(`${url}/health`)).status;
        // Also shows that the leftover-process check can fail: it sees the live ones.
        whileServing.processes = await processesTagged(tag);
        child.kill('SIGINT');
      })();
    },
  });
  t.equal(whileServing?.health, 200, 'the server answered /health');
  t.ok((whileServing?.processes.length ?? 0) >= 2, 'evento and its postgres were running, found by their tag');
  t.equal(run.code, 0, 'exit 0 after Ctrl-C');
  const printed = JSON.parse(at(run.stdout.trim().split('\n'), 0)) as SeededEvent & { url: string; database: string };
  t.match(printed, { url: /^http:\/\/127\.0\.0\.1:\d+$/, database: 'embedded', event_id: String }, 'prints where and what');
  t.equal(printed.hotels.length, 2, 'two hotels');
  t.same(await tagGone(tag), [], 'no postgres left');
});

t.test('seed with DATABASE_URL prints the event as JSON', async (t) => {
  const run = await runCli(['seed', '--hotels', '2', '--rooms', '9'], { env: withDatabase });
  t.equal(run.code, 0, 'exit 0');
  const seeded = JSON.parse(run.stdout) as SeededEvent;
  t.match(seeded, { event_id: String }, 'event id');
  t.same(
    seeded.hotels.map((hotel) => hotel.contracted),
    [9, 9],
    'two hotels of 9 rooms',
  );
});

t.test('strategies lists every strategy with its guarantee', async (t) => {
  const run = await runCli(['strategies', '--json'], { env: withDatabase });
  t.equal(run.code, 0, 'exit 0');
  const listed = JSON.parse(run.stdout) as { name: string; workloads: string[]; promises_safety: boolean; isolation: object | null }[];
  t.same(
    listed.map((row) => row.name),
    [...strategyNames, ...slotStrategyNames, ...tenantContexts.map(({ name }) => name)],
    'all of them, room strategies, then slot ones, then tenant contexts',
  );
  t.same(
    listed
      .filter((row) => !row.promises_safety)
      .map((row) => row.name)
      .slice(0, 2),
    ['naive', 'transaction'],
    'the unsafe ones say so',
  );
  const rung = (level: string, anomaly: string, hermitage: string) => ({ level, anomaly, hermitage });
  t.same(
    listed.filter((row) => row.isolation).map((row) => [row.workloads[0], row.name, row.isolation]),
    [
      ['rooms', 'transaction', rung('read committed', 'P4', 'allowed')],
      ['rooms', 'repeatable-read', rung('repeatable read', 'P4', 'prevented')],
      ['rooms', 'serializable', rung('serializable', 'P4', 'prevented')],
      ['slots', 'transaction', rung('read committed', 'G2', 'allowed')],
      ['slots', 'repeatable-read', rung('repeatable read', 'G2', 'allowed')],
      ['slots', 'serializable', rung('serializable', 'G2', 'prevented')],
    ],
    "the isolation rungs: the anomaly each risks and Hermitage's verdict for PostgreSQL at its level",
  );
});
