import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { createMetrics } from '../client-sim/metrics.js';
import { junitXml, resultCases, verdictProperties } from '../cmd/output/junit.js';
import { formatResults } from '../cmd/output/report-table.js';
import { runSummary } from '../cmd/output/summary-md.js';
import { mergePartOf, mergeParts } from '../harness/results/merge.js';
import { groupTrials } from '../harness/analysis/ranking.js';
import { resultFormat, resultOf, schemaFields, type StrategyResult } from '../harness/model/result-schema.js';
import { decideOutcome } from '../harness/analysis/run-outcome.js';
import { at } from '../lib/at.js';
import { renderReport } from '../report/html.js';
import { reportData } from '../report/report-data.js';
import { trialsVerdictText } from '../report/verdict-text.js';
import { runCli } from './helpers.js';
import { sampleResult, type SampleOptions } from './result-fixtures.js';

/** A result as the first release wrote it (harness/race/result.ts at 7168df3): no format, workload, time to reservation or histograms. */
const firstRelease = {
  tool: { name: 'evento', version: '0.1.0' },
  started_at: '2026-11-21T23:30:00.000Z',
  params: {
    strategy: 'naive',
    clients: 200,
    servers: 2,
    hotels: 3,
    rooms: 200,
    max_rooms: 5,
    think_ms: '0-300',
    seed: 42,
    pick: 'random',
    in_flight: 64,
    pool_size: 10,
  },
  environment: { node: '20.19.0', postgres: '17.2', cpus: 2, database: 'embedded' },
  event_id: '5b0f3f46-2a53-4c1e-9d43-2f1c8a7e0b11',
  outcome: {
    requests: 1500,
    reservations: 640,
    rooms_reserved: 612,
    contracted: 600,
    overbooked_rooms: 12,
    drift: 0,
    conflicts: 0,
    retries: 0,
    insufficient: 860,
    errors: 0,
    errors_by_kind: {},
    duration_ms: 2400,
    throughput_rps: 625,
    reservations_per_s: 266.7,
    latency_ms: { p50: 4.1, p90: 9.3, p99: 21.7, max: 40.2 },
    acknowledged: { reservations: 640, rooms: 1920 },
    stopped_by: 'done',
  },
  hotels: [{ hotel_id: 'f3b1c7de-1111-4c1e-9d43-2f1c8a7e0b11', name: 'Hotel 001', contracted: 200, booked: 212, overbooked: 12, drift: 0 }],
  verdict: { promises_safety: false, safe: false, label: 'OVERBOOKED by 12' },
};

const withoutFormat = ({ format: _, ...result }: StrategyResult) => result;

t.test('the schema reads the first release, a file of today without format, and one of format 2', async (t) => {
  const first = resultOf(firstRelease, 'first.json');
  t.equal(first.workload, 'rooms', 'format 1: the rooms workload, the only one then');
  t.equal(first.outcome.rooms_per_s, 255, "rooms per second derived from the file's own rooms and duration");
  t.same(first.outcome.per_reservation, { requests: 2.34, conflicts: 0, insufficient: 1.34 }, 'work per reservation derived');
  t.same([first.outcome.log_mismatch, first.outcome.chaos, first.outcome.counts], [null, null, {}], 'no event log, no faults, no counts by kind then');
  t.equal(first.outcome.time_to_reservation_ms, undefined, 'what it never measured stays absent');

  const today = sampleResult();
  t.same(resultOf(withoutFormat(today), 'today.json'), withoutFormat(today), "today's fields, without format: read as they are");
  t.same(resultOf(today, 'today.json'), today, 'format 2 read as it is');
  t.equal(today.format, resultFormat, 'written with the current format');
});

t.test('fields beside the schema are kept by the reader and by a merge', async (t) => {
  // As a newer evento of the same format might write them: fields added without a change of meaning.
  const extras = { via: 'direct' as const, buckets: 8, batch_ms: 5, future_setting: 'x' };
  const result = sampleResult({ params: extras });
  const withFuture = { ...result, outcome: { ...result.outcome, future_field: { parse_ms: 0.2 } } };
  const read = resultOf(JSON.parse(JSON.stringify(withFuture)), 'extra.json');
  t.match(read.params, extras, 'params, those the schema does not name too');
  t.same((read.outcome as Record<string, unknown>).future_field, { parse_ms: 0.2 }, 'an outcome field the schema does not name');

  const histograms = createMetrics().histograms();
  const part = (index: number) =>
    mergePartOf(
      JSON.parse(JSON.stringify({ ...result, outcome: { ...result.outcome, histograms }, params: { ...result.params, shard: { index, count: 2 } } })),
      `part-${index}.json`,
    );
  const merged = mergeParts([part(1), part(2)]);
  t.match(merged.params, extras, "a merge keeps the parts' params");
  t.equal(merged.format, resultFormat, 'and writes the current format');
});

t.test('docs/result-format.md names every field of the schema', async (t) => {
  const doc = await readFile(new URL('../../docs/result-format.md', import.meta.url), 'utf8');
  const fields = schemaFields();
  t.ok(fields.length > 100, `the schema's fields (${fields.length})`);
  t.same(
    fields.filter((field) => !doc.includes(`\`${field}\``)),
    [],
    'each named as `path`',
  );
});

t.test('a newer format, a missing field and a wrong type: exit 2 and one line naming the file and the field', async (t) => {
  const dir = t.testdir({});
  const good = sampleResult();
  const { requests: _, ...outcome } = good.outcome;
  const cases: [name: string, value: unknown, line: RegExp][] = [
    [
      'newer.json',
      { ...good, format: resultFormat + 1 },
      /^error: \S*newer\.json: format: 3, expected 2 or older \(written by a newer evento: read it with that one\)$/,
    ],
    ['missing.json', { ...good, outcome }, /^error: \S*missing\.json: outcome\.requests: missing, expected number$/],
    ['typo.json', { ...good, verdict: { ...good.verdict, safe: 'yes' } }, /^error: \S*typo\.json: verdict\.safe: "yes", expected boolean$/],
    [
      'list.json',
      [good, { ...good, hotels: [{ ...at(good.hotels, 0), booked: '212' }] }],
      /^error: \S*list\.json\[1\]: hotels\[0\]\.booked: "212", expected number$/,
    ],
    [
      'first.json',
      { ...firstRelease, params: { ...firstRelease.params, pick: 'any' } },
      /^error: \S*first\.json: params\.pick: "any", expected "first" \| "random"$/,
    ],
  ];
  for (const [name, value, line] of cases) {
    const file = join(dir, name);
    await writeFile(file, JSON.stringify(value));
    // Every command that reads result files refuses it with the same line.
    const commands = Array.isArray(value)
      ? [['report', file, '-o', join(dir, 'out.html')]]
      : [
          ['report', file, '-o', join(dir, 'out.html')],
          ['witness', file],
          ['merge', file],
        ];
    for (const args of commands) {
      const run = await runCli(args);
      const command = at(args, 0);
      t.equal(run.code, 2, `${command} ${name}: exit 2`);
      t.match(run.stderr.trim(), line, `${command} ${name}: names the file and the field`);
      t.equal(run.stderr.trim().split('\n').length, 1, `${command} ${name}: one line`);
      if (command === 'report') t.comment(run.stderr.trim());
    }
  }
  const compared = await runCli(['compare', join(dir, 'newer.json'), join(dir, 'newer.json')]);
  t.equal(compared.code, 2, 'compare: exit 2');
  t.match(compared.stderr, /newer\.json: format: 3, expected 2 or older/, 'compare: the same line');
});

t.test('the first release read by report and refused by compare for the one field it ranks on', async (t) => {
  const dir = t.testdir({ 'first.json': JSON.stringify(firstRelease) });
  const report = await runCli(['report', join(dir, 'first.json'), '-o', join(dir, 'first.html')]);
  t.equal(report.code, 0, `report reads it (${report.stderr.trim()})`);
  const compared = await runCli(['compare', join(dir, 'first.json'), join(dir, 'first.json')]);
  t.equal(compared.code, 2, 'compare: exit 2');
  t.match(compared.stderr, /first\.json: outcome\.time_to_reservation_ms\.p99 is missing/, 'naming the field');
  t.comment(compared.stderr.trim());
});

const trials = (options: SampleOptions, overbooked: readonly number[]) =>
  overbooked.map((rooms, trial) => sampleResult({ ...options, trial, trials: overbooked.length, overbooked: rooms }));

/** Every verdict cell of the HTML report's verdict table, by strategy. */
function reportVerdicts(html: string): Map<string, string> {
  const rows = [
    ...html.matchAll(/<tr><td>([^<]+)<\/td><td>(?:never overbooks|none \(unsafe by design\))<\/td>.*?<span class="(\w+)">([^<]+)<\/span><\/td><\/tr>/g),
  ];
  return new Map(rows.map(([, label = '', kind = '', text = '']) => [label, `${kind}: ${text}`]));
}

t.test('table, report, JUnit and summary agree on the verdict over trials', async (t) => {
  const results = [
    ...trials({ strategy: 'atomic' }, [0, 0, 0]),
    ...trials({ strategy: 'transaction', promisesSafety: false }, [0, 0, 0]),
    ...trials({ strategy: 'naive' }, [4, 9, 9]),
    ...trials({ strategy: 'advisory', promisesSafety: true }, [0, 2, 0]),
  ];
  const expected = {
    atomic: { words: 'SAFE 3/3', kind: 'good' },
    transaction: { words: 'held 3/3', kind: 'held' },
    naive: { words: 'OVERBOOKED 3/3 (+4..+9)', kind: 'bad' },
    advisory: { words: 'OVERBOOKED 1/3 (+2)', kind: 'bad' },
  };
  const verdicts = new Map(groupTrials(results).map((group) => [group.label, group.verdict]));
  for (const [strategy, { words }] of Object.entries(expected)) {
    const verdict = verdicts.get(strategy);
    t.equal(verdict && trialsVerdictText(verdict, ''), words, `${strategy}: computed once: ${words}`);
  }

  const table = formatResults(results);
  const html = renderReport(results, { sources: 'test' });
  const assertions = { assertNoOverbooking: true };
  const outcome = decideOutcome({ results, stoppedBy: 'done', timeoutSeconds: 60, assertions });
  const junit = junitXml(
    {
      name: 'evento race',
      startedAt: new Date(0),
      properties: verdictProperties(results),
      cases: resultCases('race', results, { outcome, assertions }),
    },
    'host',
  );
  const summary = runSummary({ command: 'race', results, outcome, replay: 'npx evento race --repeat 3' });
  const shownInReport = reportVerdicts(html);
  for (const [strategy, { words, kind }] of Object.entries(expected)) {
    const marker = strategy === 'transaction' || strategy === 'naive' ? ' *' : '';
    const row = table.split('\n').find((line) => new RegExp(`│ ${strategy} +│`).test(line)) ?? '';
    t.match(row, `│ ${words}${marker}`, `table: ${strategy} ${words}${marker}`);
    t.equal(shownInReport.get(strategy), `${kind}: ${words}`, `report: ${strategy} ${words}`);
    t.match(junit, `<property name="verdict ${strategy}" value="${words}"/>`, `JUnit: ${strategy} ${words}`);
    const mdRow = summary.split('\n').find((line) => line.startsWith(`| ${strategy} `)) ?? '';
    t.match(mdRow, `${words}${marker.replace('*', '\\*')}`, `summary: ${strategy} ${words}`);
  }
  t.equal(shownInReport.get('transaction'), 'held: held 3/3', 'an unsafe strategy that held is held in the report too');
  t.match(junit, /<system-out>held this run; /, 'JUnit: each trial of the unsafe strategy that held says so, not SAFE');
  t.match(junit, /<failure type="promise-broken"/, 'JUnit: the broken promise fails its testcase');
});

t.test('report pools trials only when their settings match, and says so when they do not', async (t) => {
  const race = trials({ strategy: 'naive' }, [212, 300, 371]);
  const small = sampleResult({ strategy: 'naive', overbooked: 48, params: { rooms: 30 }, trial: 3 });
  const results = [...race, small];
  const groups = groupTrials(results);
  t.same(
    groups.map((group) => [group.label, group.trials.length]),
    [
      ['naive rooms=200', 3],
      ['naive rooms=30', 1],
    ],
    'two runs, each labelled by the setting that tells them apart',
  );
  const note = 'naive: trials at different settings (rooms) are not pooled; each setting has its own row';
  t.ok(formatResults(results).split('\n').includes(note), 'the table says so');
  const html = renderReport(results, { sources: 'test' });
  t.match(html, `<p class="note">${note}</p>`, 'the report says so');
  t.equal(reportVerdicts(html).get('naive rooms=200'), 'bad: OVERBOOKED 3/3 (+212..+371)', 'the race keeps its own three trials');
  t.notMatch(html, /4\/4|1\/4/, 'no count over four trials');
});

t.test("a sweep's points each pool their own trials: one line per strategy across the points", async (t) => {
  const point = (index: number, clients: number) =>
    ['atomic', 'naive'].flatMap((strategy) =>
      trials({ strategy, goodput: 100 * (index + 1), params: { clients } }, [0, 0, 0]).map((result) => ({
        ...result,
        sweep: { point: index, axes: { clients: String(clients) } },
      })),
    );
  const data = reportData([...point(0, 16), ...point(1, 64)]);
  t.same(data.strategies, ['atomic', 'naive'], 'each strategy once, as each point labels it');
  t.same(
    data.sweep.map((chart) => chart.strategies.map(({ label, median }) => [label, median])),
    [
      [
        ['atomic', [100, 200]],
        ['naive', [100, 200]],
      ],
    ],
    'goodput at each point, per strategy',
  );
});
