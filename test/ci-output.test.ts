import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { convert } from 'xmlbuilder2';
import { validateXML } from 'xmllint-wasm';
import { testcaseName } from '../cmd/output/ci-facts.js';
import { judgedAssertions } from '../cmd/flags/ci-options.js';
import { junitXml, resultCases } from '../cmd/output/junit.js';
import { junitOutput } from '../cmd/outputs.js';
import { runSummary } from '../cmd/output/summary-md.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import type { AssertionFlags } from '../harness/analysis/assertions.js';
import { decideOutcome } from '../harness/analysis/run-outcome.js';
import { at } from '../lib/at.js';
import { readResults, runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const withDatabase = { DATABASE_URL: database.url };
const scratch = () => mkdtemp(join(tmpdir(), 'evento-ci-test-'));
const schema = { fileName: 'junit.xsd', contents: await readFile(new URL('../../test/junit.xsd', import.meta.url), 'utf8') };

/** xmllint's verdict on the file against the JUnit schema: the errors, none when valid. */
async function schemaErrors(xml: string): Promise<string[]> {
  const { valid, errors } = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [schema] });
  return valid ? [] : errors.map(({ message }) => message);
}

interface Testcase {
  name: string;
  failure?: { type: string; message: string; detail: string };
  error?: string;
}

type Node = Record<string, unknown>;
const many = (value: unknown): Node[] => (value === undefined ? [] : Array.isArray(value) ? (value as Node[]) : [value as Node]);
const text = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const content = typeof value === 'object' && value !== null ? (value as Node)['#'] : undefined;
  return typeof content === 'string' ? content : '';
};

/** The suite's counts and its testcases, as a CI system reads them. */
function readJunit(xml: string) {
  const suite = (convert(xml, { format: 'object' }) as { testsuite: Node }).testsuite;
  const testcases = many(suite.testcase).map((node): Testcase => {
    const failure = many(node.failure)[0];
    return {
      name: String(node['@name']),
      ...(failure && { failure: { type: String(failure['@type']), message: String(failure['@message']), detail: text(failure) } }),
      ...(node.error !== undefined && { error: String(many(node.error)[0]?.['@type']) }),
    };
  });
  return { name: String(suite['@name']), tests: Number(suite['@tests']), failures: Number(suite['@failures']), testcases };
}

const earlierStep = '### an earlier step of the job\n\n';

/** A race of naive and atomic on one hot hotel, with the CI outputs; GitHub's summary file already holds an earlier step's. */
async function ciRace(dir: string, flags: string[]) {
  const junit = join(dir, 'junit.xml');
  const summary = join(dir, 'summary.md');
  const json = join(dir, 'race.json');
  const args = ['race', '--strategies', 'naive,atomic', '--hotels', '1', '--rooms', '20', '--think-ms', '0', '--warmup', '0', '--results-dir', dir];
  const run = await runCli([...args, ...flags, '--json', json, '--junit', junit, '--summary-md', summary], {
    env: { ...withDatabase, GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md') },
  });
  const xml = await readFile(junit, 'utf8');
  return { run, xml, junit: readJunit(xml), summary: await readFile(summary, 'utf8'), results: await readResults(json) };
}

t.test('testcase names: the workload and strategy, the trial of several, the point of a sweep', async (t) => {
  const run = { workload: 'rooms' as const, params: { strategy: 'atomic' } as StrategyResult['params'] };
  t.equal(testcaseName(run), 'rooms:atomic');
  t.equal(testcaseName({ ...run, trial: { index: 3, count: 6, seed: 1, position: 0 } }), 'rooms:atomic#3');
  t.equal(
    testcaseName({ ...run, trial: { index: 3, count: 6, seed: 1, position: 0 }, sweep: { point: 1, axes: { clients: '64', 'hot-rows': '4' } } }),
    'rooms:atomic@clients=64,hot-rows=4#3',
    'points of a sweep do not share a name',
  );
});

t.test('naive overbooks and atomic holds: both testcases pass, as the exit code says', async (t) => {
  // Races are random: a bounded number of contended races until naive shows its overbooking.
  for (let attempt = 1; attempt <= 4; attempt += 1) {
    const dir = await scratch();
    await writeFile(join(dir, 'step-summary.md'), earlierStep);
    const { run, xml, junit, summary, results } = await ciRace(dir, ['--clients', '100', '--repeat', '2', '--assert-no-overbooking']);
    if (!results.some(({ params, verdict }) => params.strategy === 'naive' && !verdict.safe)) continue;
    t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
    t.same(await schemaErrors(xml), [], 'valid against the JUnit schema');
    t.same(
      junit.testcases.map(({ name }) => name),
      ['rooms:naive#1', 'rooms:atomic#1', 'rooms:naive#2', 'rooms:atomic#2'],
      'a testcase per trial, named workload:strategy#trial',
    );
    t.same(
      junit.testcases.filter((testcase) => testcase.failure ?? testcase.error),
      [],
      'no failure: naive promised nothing and atomic kept its promise',
    );
    t.equal(junit.failures, 0, 'the suite counts no failure');
    t.match(summary, /^### evento race: \*\*passed\*\*/, 'the summary opens with the verdict');
    t.match(summary, /\| naive +\| .*OVERBOOKED/, "the table shows naive's overbooking");
    t.match(summary, /\| atomic +\| .*SAFE/, "and atomic's promise kept");
    const seed = at(results, 0).params.seed;
    t.match(summary, new RegExp(`npx evento race .*--seed ${seed}\\n`), 'the line that replays the race, with the seed it drew');
    t.equal(await readFile(join(dir, 'step-summary.md'), 'utf8'), `${earlierStep}${summary}\n`, "GitHub's summary: the earlier step's, then this one");
    return;
  }
  t.fail('naive never overbooked in 4 contended races');
});

t.test('--expect-overbooking with one client: naive proved nothing and fails its testcase; exit 1', async (t) => {
  const dir = await scratch();
  await writeFile(join(dir, 'step-summary.md'), earlierStep);
  const first = await ciRace(dir, ['--clients', '1', '--seed', '5', '--expect-overbooking']);
  t.equal(first.run.code, 1, 'exit 1');
  t.match(first.run.stderr, /assertion failed: naive showed no overbooking/, 'the reason on stderr');
  t.same(await schemaErrors(first.xml), [], 'valid against the JUnit schema');
  t.equal(first.junit.failures, 1, 'the suite counts one failure');
  t.match(
    first.junit.testcases,
    [
      {
        name: 'rooms:naive',
        failure: { type: 'nothing-proved', message: /naive showed no overbooking or drift: the run was not contended enough/, detail: /seed 5/ },
      },
      { name: 'rooms:atomic', failure: undefined },
    ],
    "naive's testcase fails with the reason, atomic's passes",
  );
  t.match(first.summary, /^### evento race: \*\*failed\*\*/, 'the summary opens with the verdict');
  t.match(first.summary, /#### Failed\n\n- naive showed no overbooking/, 'and names the failure');
  t.match(first.summary, /\| seed +\| 5 +\|/, 'the parameters hold the seed');

  // A second step of the same job adds its summary after the first.
  const second = await ciRace(dir, ['--clients', '1', '--seed', '6']);
  t.equal(second.run.code, 0, 'without the expectation, exit 0');
  t.equal(
    await readFile(join(dir, 'step-summary.md'), 'utf8'),
    `${earlierStep}${first.summary}\n${second.summary}\n`,
    "GitHub's summary holds every step's, in order: appended, never overwritten",
  );
});

t.test('a broken promise fails its testcase under --junit alone, and the exit judgement agrees', async (t) => {
  const dir = await scratch();
  const { results } = await ciRace(dir, ['--clients', '1', '--seed', '9']);
  const atomic = results.find(({ params }) => params.strategy === 'atomic');
  if (!atomic) throw new Error('no atomic result');
  // The anomaly the audit reports when a safe strategy overbooks, and a witness of it.
  const broken: StrategyResult = {
    ...atomic,
    verdict: { ...atomic.verdict, safe: false, label: 'OVERBOOKED by 3' },
    outcome: {
      ...atomic.outcome,
      overbooked_rooms: 3,
      witnesses: [
        {
          kind: 'overbooking',
          place: 'Hotel 001',
          anomaly: 'check-then-act across transactions',
          summary: 'T1 and T2 both read 3 rooms left and took 2 + 2',
          explanation: 'each claim acted on a check another had made stale',
          operations: [],
        },
      ],
    },
  };
  const judgedBy = (assertions: AssertionFlags) => ({
    assertions,
    outcome: decideOutcome({ results: [broken], stoppedBy: 'done', timeoutSeconds: 120, assertions }),
  });
  const own = judgedBy(judgedAssertions({}, { target: false }));
  const cases = resultCases('race', [broken], own);
  t.match(cases, [{ name: 'rooms:atomic', failure: { type: 'promise-broken', message: 'atomic promises safety but was OVERBOOKED by 3' } }]);
  t.match(at(cases, 0).failure?.detail, /witness: overbooking at Hotel 001/, 'the failure carries the witness');
  const xml = junitXml({ name: 'evento race', startedAt: new Date(broken.started_at), properties: [], cases });
  t.same(await schemaErrors(xml), [], 'valid against the JUnit schema');

  t.same(
    own.outcome.failures,
    [{ kind: 'promise-broken', strategy: 'atomic', verdict: 'OVERBOOKED by 3' }],
    "evento's own strategy is held to its promise without a flag",
  );
  t.equal(own.outcome.exitCode, 1, 'and the exit code fails the run');
  t.same(judgedBy(judgedAssertions({}, { target: true })).outcome.failures, [], 'a target promises nothing unless told');
  t.equal(judgedBy(judgedAssertions({ junit: 'j.xml' }, { target: true })).outcome.exitCode, 1, 'with --junit, a target is held to it');
  t.equal(judgedBy(judgedAssertions({ assertNoOverbooking: true }, { target: true })).outcome.exitCode, 1, 'as with --assert-no-overbooking');
  const end = { command: 'race', results: [broken], ...own, replay: 'npx evento race --seed 9', printed: '', document: [broken] };
  const written = await junitOutput(join(dir, 'broken.xml')).finish(end);
  t.same(written, [join(dir, 'broken.xml')], 'the JUnit file is written');
  t.match(await readFile(join(dir, 'broken.xml'), 'utf8'), /<property name="outcome" value="promise-broken"\/>/, 'naming the outcome');

  const summary = runSummary({ command: 'race', results: [broken], outcome: own.outcome, replay: 'npx evento race --seed 9' });
  t.match(summary, /^### evento race: \*\*failed\*\*: 1 promise of safety broken/, 'the summary heads with the same outcome');
  t.match(summary, /#### Witnesses\n\n`rooms:atomic`\n\n```text\nwitness: overbooking at Hotel 001/, 'the summary shows the witness');
  const passed = decideOutcome({ results: [atomic], stoppedBy: 'done', timeoutSeconds: 120, assertions: {} });
  t.notMatch(runSummary({ command: 'race', results: [atomic], outcome: passed, replay: '' }), /Witnesses/, 'and no such section without one');
});

t.test('compare --junit: a failing testcase per significant regression, the exit code agrees', async (t) => {
  const dir = await scratch();
  const { results } = await ciRace(dir, ['--clients', '1', '--seed', '11']);
  const atomic = results.find(({ params }) => params.strategy === 'atomic');
  if (!atomic) throw new Error('no atomic result');
  // Six trials a side, the new one at half the goodput: a regression the U test can see.
  const side = (factor: number) =>
    [1, 1.04, 0.97, 1.02, 0.99, 1.05].map((noise, index) => ({
      ...atomic,
      event_id: `${atomic.event_id.slice(0, -2)}${String(index).padStart(2, '0')}`,
      trial: { index: index + 1, count: 6, seed: index, position: index },
      outcome: { ...atomic.outcome, reservations_per_s: 400 * noise * factor },
    }));
  await writeFile(join(dir, 'base.json'), JSON.stringify(side(1)));
  await writeFile(join(dir, 'slower.json'), JSON.stringify(side(0.5)));

  const same = await runCli(['compare', join(dir, 'base.json'), join(dir, 'base.json'), '--junit', join(dir, 'same.xml')]);
  t.equal(same.code, 0, `no regression: exit 0 (stderr: ${same.stderr.slice(-300)})`);
  const sameXml = await readFile(join(dir, 'same.xml'), 'utf8');
  t.same(await schemaErrors(sameXml), [], 'valid against the JUnit schema');
  t.same(
    readJunit(sameXml).testcases.map(({ name, failure }) => [name, failure?.type]),
    [
      ['atomic goodput', undefined],
      ['atomic p99 time to reservation', undefined],
      ['atomic safety', undefined],
    ],
    'a testcase per metric and one on the promise, all passing',
  );

  const slower = await runCli(['compare', join(dir, 'base.json'), join(dir, 'slower.json'), '--junit', join(dir, 'slower.xml')]);
  t.equal(slower.code, 1, 'a regression: exit 1');
  const slowerXml = await readFile(join(dir, 'slower.xml'), 'utf8');
  t.same(await schemaErrors(slowerXml), [], 'valid against the JUnit schema');
  const junit = readJunit(slowerXml);
  t.equal(junit.failures, 1, 'one failure');
  t.match(junit.testcases, [{ name: 'atomic goodput', failure: { type: 'regression', message: /goodput of atomic fell 50\.0%/ } }], 'on goodput');
});
