import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { formatComparison } from '../cmd/commands/compare.js';
import { compareResults, type ComparableResult, type Comparison } from '../harness/analysis/compare.js';
import { comparisonFailures } from '../cmd/output/compare-text.js';
import { at } from '../lib/at.js';
import { runCli } from './helpers.js';
import { sampleResult } from './result-fixtures.js';

// Run-to-run spread of a few percent, as repeated runs on one machine show.
const spread = [1, 1.04, 0.97, 1.02, 0.99, 1.05];

/** A result file as `evento run` writes it, one trial of six. */
function resultOf(strategy: string, trial: number, goodput: number, p99: number, verdict?: { safe: boolean; label: string }) {
  const result = sampleResult({ strategy, trial, trials: spread.length, goodput, waitP99: p99, overbooked: strategy === 'naive' ? 40 : 0 });
  return verdict ? { ...result, verdict: { ...result.verdict, ...verdict } } : result;
}

/** Six trials of a strategy: goodput around `goodput`, p99 around 40 ms, each scaled by `factor`. */
const trials = (strategy: string, goodput: number, factor = { goodput: 1, p99: 1 }) =>
  spread.map((noise, trial) =>
    resultOf(strategy, trial, Math.round(goodput * noise * factor.goodput), Math.round(40 * (2 - noise) * factor.p99 * 10) / 10),
  );

const race = (factor?: { goodput: number; p99: number }) => [
  ...trials('naive', 300, factor),
  ...trials('atomic', 400, factor),
  ...trials('optimistic', 500, factor),
];
const options = { thresholdPct: 10, ignoreParams: false };
const side = (name: string, results: ComparableResult[]) => ({ name, results });

const scratch = () => mkdtemp(join(tmpdir(), 'evento-compare-test-'));
async function jsonFile(dir: string, name: string, value: unknown) {
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}
const oneLine = (text: string) => text.trim().split('\n').length === 1;
const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

t.test('the same results twice: nothing significant, exit 0', async (t) => {
  const comparison = compareResults(side('base', race()), side('new', race()), options);
  t.equal(comparison.exit_code, 0, 'exit 0');
  t.same(comparisonFailures(comparison), [], 'no failure');
  t.equal(comparison.rows.length, 6, 'two metrics for each of three strategies');
  t.ok(
    comparison.rows.every((row) => row.test.enough && !row.test.significant && row.delta_pct === 0),
    'every row: enough samples, not significant, no change',
  );
  const table = formatComparison(comparison, 'base', 'new');
  t.match(table, /atomic\s+goodput \/s\s+404 ± 4%\s+404 ± 4%\s+~\s+p=1\.000 n=6/, 'the atomic row as benchstat prints it');
  t.ok(widest(table) <= 100, `fits 100 columns (widest line ${widest(table)})`);

  const dir = await scratch();
  const file = await jsonFile(dir, 'race.json', race());
  const run = await runCli(['compare', file, file]);
  t.equal(run.code, 0, `the CLI exits 0 (stderr: ${run.stderr})`);
  t.match(run.stdout, /~\s+p=1\.000 n=6/, 'and prints ~');
  t.ok(widest(run.stdout) <= 100, `its table fits 100 columns (widest line ${widest(run.stdout)})`);
});

t.test('a new side 40% slower over six trials: exit 1 naming goodput and the strategy', async (t) => {
  const dir = await scratch();
  const base = await jsonFile(dir, 'base.json', trials('atomic', 400));
  const next = await jsonFile(dir, 'new.json', trials('atomic', 400, { goodput: 0.6, p99: 1 }));
  const jsonOut = join(dir, 'comparison.json');
  const run = await runCli(['compare', base, next, '--json', jsonOut]);
  t.equal(run.code, 1, 'exit 1');
  t.match(
    run.stderr,
    /assertion failed: goodput of atomic fell 40\.0% \(404 → 243 reservations\/s, p=0\.002, n=6\+6\)/,
    'names the metric, the strategy and the change',
  );
  t.notMatch(run.stderr, /time to reservation/, 'p99 did not change and is not named');
  t.ok(oneLine(run.stderr), 'one line');
  t.match(run.stdout, /atomic\s+goodput \/s\s+404 ± 4%\s+243 ± 4%\s+-40\.0%\s+p=0\.002 n=6/, 'the table shows the change');
  const comparison = JSON.parse(await readFile(jsonOut, 'utf8')) as Comparison;
  t.match(
    comparison,
    {
      threshold_pct: 10,
      exit_code: 1,
      rows: [
        { group: 'atomic', metric: 'goodput', regressed: true, test: { significant: true } },
        { metric: 'p99 time to reservation', regressed: false },
      ],
      failures: [/^goodput of atomic fell 40\.0%/],
    },
    '--json holds the comparison, and its failures in words for readers of the file',
  );
});

t.test('p99 of time to reservation 40% higher is a regression too', async (t) => {
  const comparison = compareResults(side('base', trials('atomic', 400)), side('new', trials('atomic', 400, { goodput: 1, p99: 1.4 })), options);
  t.equal(comparison.exit_code, 1, 'exit 1');
  t.match(comparisonFailures(comparison), [/^p99 time to reservation of atomic rose 40\.\d%/], 'names the metric');
});

t.test('the threshold: a significant change smaller than it is no regression', async (t) => {
  const base = side('base', trials('atomic', 400));
  const next = side('new', trials('atomic', 400, { goodput: 0.92, p99: 1 }));
  const within = compareResults(base, next, options);
  t.ok(at(within.rows, 0).test.significant, '8% slower is significant');
  t.equal(within.exit_code, 0, 'but within the default 10%: exit 0');
  t.equal(compareResults(base, next, { ...options, thresholdPct: 5 }).exit_code, 1, 'beyond a 5% threshold: exit 1');
});

t.test('a strategy that promises safety broke it in one new trial: exit 1', async (t) => {
  const next = trials('atomic', 400);
  next[2] = resultOf('atomic', 2, at(next, 2).outcome.reservations_per_s, at(next, 2).outcome.time_to_reservation_ms.p99, {
    safe: false,
    label: 'OVERBOOKED by 12',
  });
  const dir = await scratch();
  const run = await runCli(['compare', await jsonFile(dir, 'base.json', trials('atomic', 400)), await jsonFile(dir, 'new.json', next)]);
  t.equal(run.code, 1, 'exit 1');
  t.match(
    run.stderr,
    /atomic promises safety but 1 of 6 runs in .*new\.json were not safe: trial 3 OVERBOOKED by 12/,
    'names the strategy, the trial and what broke',
  );
  t.ok(oneLine(run.stderr), 'one line');
  t.match(run.stdout, /safe runs\s+6\/6\s+5\/6\s+BROKEN/, 'the table shows the verdicts');

  const naive = trials('naive', 300);
  t.equal(compareResults(side('base', naive), side('new', naive), options).exit_code, 0, 'an unsafe strategy that overbooks breaks no promise');
  const newOnly = compareResults(
    side('base', trials('atomic', 400)),
    side('new', [...trials('atomic', 400), ...next.map((result) => ({ ...result, params: { ...result.params, strategy: 'pessimistic' } }))]),
    options,
  );
  t.equal(newOnly.exit_code, 1, 'a broken promise fails even in a group the base side does not have');
  t.same(
    newOnly.safety.find(({ group }) => group === 'pessimistic')?.broken,
    { side: 'new', runs: 6, trials: [{ trial: 3, label: 'OVERBOOKED by 12' }] },
    'the comparison holds the runs that broke it as data; the sentence is made where it is printed',
  );
});

t.test('too few trials: n too small, and only a broken promise can fail', async (t) => {
  const comparison = compareResults(
    side('base', trials('atomic', 400).slice(0, 3)),
    side('new', trials('atomic', 400, { goodput: 0.5, p99: 2 }).slice(0, 3)),
    options,
  );
  t.ok(
    comparison.rows.every((row) => !row.test.enough && !row.regressed),
    'three a side: not enough, no regression',
  );
  t.equal(comparison.exit_code, 0, 'exit 0');
  t.match(formatComparison(comparison, 'base', 'new'), /n too small\s+p=0\.100 n=3/, 'the table says n too small');
});

t.test('groups: parameters but the seed, --ignore-params, unpaired groups', async (t) => {
  const biggerPool = trials('atomic', 400).map((result) => ({ ...result, params: { ...result.params, pool_size: 4 } }));
  t.throws(
    () => compareResults(side('one.json', trials('atomic', 400)), side('four.json', biggerPool), options),
    {
      name: 'UsageError',
      message: /no group in common between one\.json \(atomic pool_size=1\) and four\.json \(atomic pool_size=4\); --ignore-params/,
    },
    'different pool sizes do not pair',
  );
  const ignoring = compareResults(side('one.json', trials('atomic', 400)), side('four.json', biggerPool), { ...options, ignoreParams: true });
  t.same(
    ignoring.rows.map((row) => row.group),
    ['atomic', 'atomic'],
    '--ignore-params pairs them by strategy',
  );
  const partial = compareResults(side('base', race()), side('new', trials('atomic', 400)), options);
  t.same(partial.only_in_base, ['naive', 'optimistic'], 'groups only in base are listed, not compared');
  t.same(
    partial.verdicts.map((verdict) => verdict.group),
    ['atomic'],
    'the common group is compared',
  );
});

t.test('inputs: files, directories, --json race lists; each run counted once', async (t) => {
  const dir = await scratch();
  const baseDir = join(dir, 'base');
  await mkdir(baseDir);
  // Result files as run writes them, and the race --json list holding the same runs.
  for (const result of trials('atomic', 400)) await jsonFile(baseDir, `${result.started_at.replace(/[:.]/g, '-')}-atomic.json`, result);
  await jsonFile(baseDir, 'race.json', trials('atomic', 400));
  const run = await runCli(['compare', baseDir, await jsonFile(dir, 'new.json', trials('atomic', 400))]);
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr})`);
  t.match(run.stdout, /p=1\.000 n=6\n/, 'six runs, not twelve');
});

t.test('unreadable or incomparable input: exit 2 with one line naming the file and the field', async (t) => {
  const dir = await scratch();
  const good = await jsonFile(dir, 'good.json', trials('atomic', 400));
  const older = trials('atomic', 400).map(({ outcome: { time_to_reservation_ms: _, ...outcome }, ...result }) => ({ ...result, outcome }));
  const cases: [name: string, args: string[], message: RegExp][] = [
    ['a missing file', [join(dir, 'absent.json'), good], /absent\.json: no such file or directory/],
    ['invalid JSON', [await jsonFile(dir, 'broken.json', '{"tool": '), good], /broken\.json: not valid JSON/],
    ['not a result', [good, await jsonFile(dir, 'other.json', { hello: 'world' })], /other\.json: not an evento result/],
    ['a missing field', [await jsonFile(dir, 'older.json', older), good], /older\.json\[0\]: outcome\.time_to_reservation_ms\.p99 is missing/],
    [
      'a field of the wrong type',
      [good, await jsonFile(dir, 'typo.json', { ...resultOf('atomic', 0, 400, 40), verdict: { promises_safety: true, safe: 'yes' } })],
      /typo\.json: verdict\.safe: "yes", expected boolean/,
    ],
    [
      'nothing in common',
      [good, await jsonFile(dir, 'naive.json', trials('naive', 300))],
      /no group in common between .*good\.json \(atomic\) and .*naive\.json \(naive\)/,
    ],
    ['an empty directory', [await mkdtemp(join(dir, 'empty-')), good], /empty-\w+: a directory without any \.json result file/],
    ['a bad threshold', ['--threshold', 'ten', good, good], /--threshold.*expected a percentage from 0 to 1000/],
  ];
  for (const [name, args, message] of cases) {
    const run = await runCli(['compare', ...args]);
    t.equal(run.code, 2, `${name}: exit 2`);
    t.match(run.stderr, message, `${name}: names the file and the field`);
    t.ok(oneLine(run.stderr), `${name}: one line (${run.stderr.trim()})`);
  }
});
