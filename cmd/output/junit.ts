import { hostname } from 'node:os';
import { create } from 'xmlbuilder2';
import { assertionFailure, type AssertionFlags } from '../../harness/analysis/assertions.js';
import { quantity, type Comparison } from '../../harness/analysis/compare.js';
import { groupTrials } from '../../harness/analysis/ranking.js';
import { measuredNothing, type RunOutcome } from '../../harness/analysis/run-outcome.js';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import { runLabel } from '../../harness/model/workload.js';
import { trialsVerdictText, verdictText } from '../../report/verdict-text.js';
import { testcaseName, witnessTexts } from './ci-facts.js';
import { brokenPromiseText, regressionText } from './compare-text.js';
import { assertionText } from './outcome-text.js';
import { formatThousands, summaryText } from './report-table.js';

/** One testcase: it passed, failed (a promise or an expectation broke), or is in error (its run did not finish). */
export interface JunitCase {
  name: string;
  classname: string;
  seconds: number;
  failure?: { type: 'promise-broken' | 'nothing-proved' | 'regression'; message: string; detail: string };
  error?: { type: string; message: string };
  /** What the run measured, one line, shown beside the testcase. */
  output?: string;
}

/** One command's testsuite. */
export interface JunitSuite {
  name: string;
  startedAt: Date;
  properties: [name: string, value: string][];
  cases: JunitCase[];
}

/** The detail under a failure: where it broke and how to look at it again. */
function failureDetail(result: StrategyResult): string {
  const { event_id, trial, params, hotels, verdict } = result;
  return [
    `verdict: ${verdict.label}`,
    `event ${event_id}${trial ? `, trial ${trial.index} of ${trial.count}` : ''}, seed ${params.seed}`,
    ...hotels
      .filter(({ overbooked, drift }) => overbooked > 0 || drift > 0)
      .map(
        ({ name, booked, contracted, overbooked, drift }) =>
          `hotel ${name}: ${booked} booked of ${contracted}, overbooked ${overbooked}, drift ${drift}`,
      ),
    ...witnessTexts(result),
  ].join('\n');
}

// The trial's verdict as the table words it, without the marker its legend explains: XML has no legend.
const runFigures = ({ verdict, outcome }: StrategyResult) =>
  `${verdictText(verdict, '')}; ${formatThousands(outcome.reservations)} reservations, ${formatThousands(outcome.reservations_per_s)} res/s, ` +
  `wait p99 ${outcome.time_to_reservation_ms ? `${outcome.time_to_reservation_ms.p99.toFixed(1)} ms` : '—'}, ${formatThousands(outcome.conflicts)} conflicts`;

/** The verdict over each run's trials, as suite properties (`verdict naive` = `OVERBOOKED 3/3 (+4..+9)`): the table's, without its marker. */
export const verdictProperties = (results: readonly StrategyResult[]): [name: string, value: string][] =>
  groupTrials(results).map((group) => [`verdict ${group.label}`, trialsVerdictText(group.verdict, '')]);

/** Why a run's testcase is in error: its clients were stopped before they finished, or it sold nothing. */
function runError(result: StrategyResult, outcome: RunOutcome): JunitCase['error'] {
  const stoppedBy = result.outcome.stopped_by;
  if (stoppedBy === 'timeout' || stoppedBy === 'interrupted') {
    return { type: stoppedBy, message: `the clients were stopped (${stoppedBy}) before they finished` };
  }
  if (measuredNothing(result) && outcome.unmeasured.includes(runLabel(result.workload, result.params.strategy, result.params.via))) {
    return { type: 'nothing-measured', message: 'no reservation succeeded: a run that sold nothing proves nothing' };
  }
  return undefined;
}

/**
 * A testcase per run: failed where the assertions fail it, in error where its clients were
 * stopped by --timeout or an interrupt, or it measured nothing; one more, in error, for an
 * environment error that ended the command.
 */
export function resultCases(
  command: string,
  results: readonly StrategyResult[],
  { outcome, assertions }: { outcome: RunOutcome; assertions: AssertionFlags },
): JunitCase[] {
  const cases: JunitCase[] = results.map((result) => {
    const failure = assertionFailure(result, assertions);
    return {
      name: testcaseName(result),
      classname: `evento.${command}.${result.workload}`,
      seconds: result.outcome.duration_ms / 1000,
      failure: failure === null ? undefined : { type: failure.kind, message: assertionText(failure), detail: failureDetail(result) },
      error: runError(result, outcome),
      output: runFigures(result),
    };
  });
  if (outcome.environmentError === undefined) return cases;
  return [
    ...cases,
    { name: `evento ${command}`, classname: `evento.${command}`, seconds: 0, error: { type: 'environment', message: outcome.environmentError } },
  ];
}

/** A testcase per metric of each compared group, failed when it regressed, and one per group of the new side on its promise of safety. */
export function comparisonCases(comparison: Comparison): JunitCase[] {
  const classname = 'evento.compare';
  return [
    ...comparison.rows.map((row) => ({
      name: `${row.group} ${row.metric}`,
      classname,
      seconds: 0,
      failure: row.regressed ? { type: 'regression' as const, message: regressionText(row), detail: '' } : undefined,
      output: `${summaryText(row.base, quantity)} → ${summaryText(row.new, quantity)} ${row.unit}, p=${row.test.p.toFixed(3)}`,
    })),
    ...comparison.safety.map(({ group, broken }) => ({
      name: `${group} safety`,
      classname,
      seconds: 0,
      failure: broken === null ? undefined : { type: 'promise-broken' as const, message: brokenPromiseText(group, broken), detail: '' },
    })),
  ];
}

/** The suite as JUnit XML (one root `<testsuite>`, as the Ant schema and CI systems read it): a pure function but for the host name. */
export function junitXml(suite: JunitSuite, host = hostname()): string {
  const { cases } = suite;
  const seconds = cases.reduce((sum, testcase) => sum + testcase.seconds, 0);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuite', {
    name: suite.name,
    tests: String(cases.length),
    failures: String(cases.filter(({ failure }) => failure).length),
    // A testcase holds a failure or an error, not both: a broken promise outweighs an unfinished run.
    errors: String(cases.filter(({ failure, error }) => !failure && error).length),
    skipped: '0',
    time: seconds.toFixed(3),
    // The Ant schema's timestamp has no zone; this one is UTC.
    timestamp: suite.startedAt.toISOString().slice(0, 19),
    hostname: host,
  });
  const properties = root.ele('properties');
  for (const [name, value] of suite.properties) properties.ele('property', { name, value });
  for (const { name, classname, seconds: time, failure, error, output } of cases) {
    const testcase = root.ele('testcase', { name, classname, time: time.toFixed(3) });
    if (failure) testcase.ele('failure', { type: failure.type, message: failure.message }).txt(failure.detail);
    else if (error) testcase.ele('error', { type: error.type, message: error.message });
    if (output !== undefined) testcase.ele('system-out').txt(output);
  }
  return `${root.end({ prettyPrint: true })}\n`;
}
