import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { at } from '../lib/at.js';
import { readResults, runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const env = { DATABASE_URL: database.url };
const small = ['--clients', '30', '--servers', '1', '--hotels', '1', '--rooms', '15', '--think-ms', '0', '--hold-ttl-ms', '300', '--attempts', '4'];

t.test('race runs any mix of workloads and strategies; the JSON names the workload and counts by kind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'evento-workloads-'));
  const json = join(dir, 'race.json');
  const run = await runCli(
    [
      'race',
      '--workload',
      'rooms,holds,slots',
      '--strategies',
      'naive,holds:atomic,exclusion,holds:naive',
      ...small,
      '--results-dir',
      dir,
      '--json',
      json,
    ],
    { env, replayIn: t },
  );
  t.equal(run.code, 0, `exit 0 (${String(run.stderr.trim().split('\n').pop())})`);
  const results = await readResults(json);
  t.same(
    results.map((result) => `${result.workload}:${result.params.strategy}`),
    ['rooms:naive', 'holds:naive', 'holds:atomic', 'slots:exclusion'],
    'naive in each workload that has it (holds:naive once), the pinned and slot-only ones once',
  );
  const [holds, slots] = [at(results, 2), at(results, 3)];
  t.match(holds.params, { workload: 'holds', holds: { hold_ttl_ms: 300 } }, 'holds parameters recorded');
  t.match(holds.outcome.counts, { holds_placed: Number, expired_holds: Number, leaked_holds: 0, history_mismatches: 0, duplicates: 0 }, 'holds counts');
  t.match(slots.outcome.counts, { bookings: Number, overlapping_pairs: 0, slots_taken: Number }, 'slots counts');
  t.notOk('holds' in slots.params, 'a slots run names only its own parameters');
  t.match(run.stdout, /holds:atomic/, 'the table names the workload');
});

t.test('evento strategies lists every strategy with its workloads and guarantee', async (t) => {
  const run = await runCli(['strategies', '--json']);
  const rows = JSON.parse(run.stdout) as { name: string; workloads: string[]; guarantee: string }[];
  t.match(
    rows.find((row) => row.name === 'exclusion'),
    { workloads: ['slots'], guarantee: 'never overlaps', safeguard: { by: 'refusal', status: 409, reason: 'exclusion_violation' }, anomaly: null },
    'exclusion, with how it keeps safe',
  );
  t.match(
    rows.find((row) => row.name === 'naive-slots'),
    { workloads: ['slots'], guarantee: 'unsafe: overlaps', safeguard: null, anomaly: 'statements-apart' },
    'naive-slots, with the anomaly it shows',
  );
  t.match(
    rows.find((row) => row.name === 'atomic'),
    { workloads: ['rooms', 'holds'] },
    'atomic can hold',
  );
  t.match(
    rows.find((row) => row.name === 'event-log'),
    { workloads: ['rooms'] },
    'event-log cannot',
  );
  t.equal(rows.filter((row) => row.name === 'pessimistic').length, 2, 'pessimistic: one for rooms, one for slots');
});

t.test('usage errors name the flag and what it accepts (exit 2)', async (t) => {
  const cases: [string, string[], RegExp][] = [
    [
      'a strategy that cannot run the workload',
      ['run', '--workload', 'holds', '--strategy', 'event-log'],
      /event-log cannot run the holds workload; those that can: holds: naive/,
    ],
    ['ratios over 1', ['run', '--workload', 'holds', '--confirm-ratio', '0.8', '--cancel-ratio', '0.5'], /add up to more than 1/],
    ['run with two workloads', ['run', '--workload', 'rooms,slots'], /run takes one --workload/],
    ['an unknown workload', ['race', '--workload', 'rooms,cars'], /expected a comma-separated list of: rooms, holds, slots/],
    ['a share over 1', ['race', '--drop-responses', '1.5'], /expected a share from 0 to 1/],
    ['an unknown pinned strategy', ['race', '--strategies', 'slots:atomic'], /atomic cannot run the slots workload/],
  ];
  for (const [name, args, message] of cases) {
    const run = await runCli(args, { env });
    t.equal(run.code, 2, `${name}: exit 2`);
    t.match(run.stderr, message, `${name}: says why`);
  }
});
