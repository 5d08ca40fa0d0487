import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { readResult, readResults, runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const withDatabase = { DATABASE_URL: database.url };
// Rooms enough never to sell out: only --duration can end these runs.
const endless = ['--clients', '10', '--servers', '1', '--hotels', '2', '--rooms', '1000000', '--think-ms', '0', '--pick', 'random'];

/** `evento <args>` with --json to a scratch file: the CLI run and the file it wrote. */
async function runEndless(args: string[]) {
  const jsonFile = join(await mkdtemp(join(tmpdir(), 'evento-duration-test-')), 'result.json');
  const run = await runCli([...args, ...endless, '--results-dir', dirname(jsonFile), '--json', jsonFile], { env: withDatabase });
  return { run, jsonFile };
}

t.test('run --duration stops the clients before sell-out, and the audit still runs', async (t) => {
  const { run, jsonFile } = await runEndless(['run', '--strategy', 'atomic', '--duration', '700ms']);
  t.equal(run.code, 0, `a run ended by --duration exits 0 (stderr: ${run.stderr.slice(-300)})`);
  t.match(run.stderr, /atomic stopped by --duration/, 'progress says why the clients stopped');
  const { params, outcome, verdict } = await readResult(jsonFile);
  t.equal(outcome.stopped_by, 'duration', 'stopped_by records --duration');
  t.equal(params.duration_ms, 700, 'params record the duration in ms');
  t.ok(outcome.reservations > 0, 'the clients reserved something before the stop');
  t.ok(outcome.rooms_reserved < outcome.contracted, 'the event did not sell out');
  t.equal(outcome.contracted, 2_000_000, 'the audit read the tables');
  t.equal(outcome.overbooked_rooms, 0, 'audit: no overbooking');
  t.equal(outcome.drift, 0, 'audit: no drift');
  t.equal(outcome.errors, 0, 'stopping is not counted as errors');
  t.equal(verdict.safe, true, 'SAFE');
});

t.test('race --duration runs every strategy for the duration', async (t) => {
  const { run, jsonFile } = await runEndless(['race', '--strategies', 'atomic,optimistic', '--duration', '500ms']);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  t.same(
    (await readResults(jsonFile)).map((result) => [result.params.strategy, result.outcome.stopped_by]),
    [
      ['atomic', 'duration'],
      ['optimistic', 'duration'],
    ],
    'both strategies ran and each was stopped by --duration',
  );
});

t.test('--warmup runs first on its own event, and nothing of it is measured or audited', async (t) => {
  const eventIds = async () => (await database.sql<{ id: string }[]>`select id from evento.events`).map(({ id }) => id);
  const before = new Set(await eventIds());
  const { run, jsonFile } = await runEndless(['run', '--strategy', 'atomic', '--duration', '300ms', '--warmup', '600ms']);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  t.match(run.stderr, /warming up for 0.6s on a throwaway event \(not measured\)\n.*atomic: event/, 'progress says so, before the run');
  const result = await readResult(jsonFile);
  const { params, outcome, hotels } = result;
  t.equal(params.warmup_ms, 600, 'params record the warm-up');
  t.ok(outcome.duration_ms < 600, `the clients phase is the measured 300 ms only (${outcome.duration_ms} ms)`);
  const booked = hotels.reduce((sum, hotel) => sum + hotel.booked, 0);
  t.ok(outcome.rooms_reserved > 0, 'the measured clients reserved rooms');
  t.equal(outcome.rooms_reserved, booked, "the clients' count is what the audit found in the run's event: no warm-up booking in either");
  const [warmup, ...others] = (await eventIds()).filter((id) => !before.has(id) && id !== result.event_id);
  t.same(others, [], 'one event beside the measured one');
  if (warmup === undefined) throw new Error('the warm-up made no event of its own');
  const [{ rooms }] = await database.sql<[{ rooms: number }]>`
    select coalesce(sum(reserved), 0)::int as rooms from evento.event_hotel_rooms where event_id = ${warmup}
  `;
  t.ok(rooms > 0, `the warm-up booked its own event's rooms (${rooms})`);
  const [{ name }] = await database.sql<[{ name: string }]>`select name from evento.events where id = ${warmup}`;
  t.match(name, /^evento warm-up .* \(not measured\)$/, 'its name tells it from a measured run');
});

t.test('a bad --duration exits 2 with one line naming the flag', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run', '--duration', '10'], /--duration.*with a unit/],
    [['run', '--duration', '0s'], /--duration.*from 1ms to 24h/],
    [['race', '--duration', 'soon'], /--duration.*with a unit/],
    [['run', '--duration', '25h'], /--duration.*from 1ms to 24h/],
    [['run', '--duration', '2m', '--timeout', '60'], /--duration must be shorter than --timeout \(60s\)/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args, { env: withDatabase });
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`);
    t.match(run.stderr, message, `${args.join(' ')}: names the flag`);
    t.equal(run.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
  }
});

t.test('race --repeat: trials interleaved, trial k of every strategy on one seed, one warm-up, JSON progress', async (t) => {
  const { run, jsonFile } = await runEndless([
    'race',
    '--strategies',
    'atomic,optimistic',
    '--repeat',
    '2',
    '--duration',
    '1100ms',
    '--warmup',
    '300ms',
    '--seed',
    '41',
    '--progress',
    'json',
  ]);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  const progress = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string; strategy?: string; snapshot?: { requests: number } });
  t.ok(
    run.stderr.split('\n').every((line) => line === '' || line.startsWith('{') || line.startsWith('evento: wrote ')),
    'stderr holds only JSON lines and the files written',
  );
  t.equal(progress.filter(({ type }) => type === 'warmup').length, 1, 'one warm-up for all the trials');
  t.same(
    progress.filter(({ type }) => type === 'start').map(({ strategy }) => strategy),
    ['atomic', 'optimistic', 'atomic', 'optimistic'],
    'A B A B',
  );
  t.ok(
    progress.some(({ type, snapshot }) => type === 'tick' && (snapshot?.requests ?? 0) > 0),
    'a tick a second, carrying the snapshot',
  );
  t.same(
    (await readResults(jsonFile)).map(({ params, trial }) => [params.strategy, trial?.index, trial?.count, trial?.seed, trial?.position, params.seed]),
    [
      ['atomic', 1, 2, 41, 0, 41],
      ['optimistic', 1, 2, 41, 1, 41],
      ['atomic', 2, 2, 42, 2, 42],
      ['optimistic', 2, 2, 42, 3, 42],
    ],
    'every trial is in the result list with its index, seed and place in the order',
  );
});
