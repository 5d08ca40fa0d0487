import { quantity, type BrokenPromise, type Comparison, type MetricRow } from '../../harness/analysis/compare.js';

/** One regressed metric as one sentence. */
export function regressionText(row: MetricRow): string {
  const change = row.delta_pct === null ? 'from 0' : `${Math.abs(row.delta_pct).toFixed(1)}%`;
  return (
    `${row.metric} of ${row.group} ${row.better === 'higher' ? 'fell' : 'rose'} ${change} ` +
    `(${quantity(row.base.median)} → ${quantity(row.new.median)} ${row.unit}, p=${row.test.p.toFixed(3)}, n=${row.test.n1}+${row.test.n2})`
  );
}

/** A group's broken promise as one sentence, naming each run that broke it. */
export function brokenPromiseText(group: string, { side, runs, trials }: BrokenPromise): string {
  const named = trials.map(({ trial, label }) => `trial ${trial} ${label ?? 'not safe'}`);
  return `${group} promises safety but ${trials.length} of ${runs} runs in ${side} were not safe: ${named.join(', ')}`;
}

/** Each regression and each broken promise of safety, one sentence each; empty when none. */
export function comparisonFailures(comparison: Comparison): string[] {
  return [
    ...comparison.rows.filter((row) => row.regressed).map(regressionText),
    ...comparison.safety.flatMap(({ group, broken }) => (broken === null ? [] : [brokenPromiseText(group, broken)])),
  ];
}

/** The comparison as `compare --json` writes it: the data, with each broken promise and failure in words for readers of the file. */
export function comparisonDocument(comparison: Comparison) {
  return {
    ...comparison,
    safety: comparison.safety.map(({ group, broken }) => ({ group, broken: broken === null ? null : brokenPromiseText(group, broken) })),
    failures: comparisonFailures(comparison),
  };
}
