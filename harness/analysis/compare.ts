import { UsageError } from '../model/errors.js';
import type { StrategyResult } from '../model/result-schema.js';
import { differingSettings, settingsOf, settingsText } from '../model/run-settings.js';
import { runLabel, type WorkloadName } from '../model/workload.js';
import { alpha, compareSamples, summarize, type SampleComparison, type Summary } from './stats.js';

/** The fields of a result file that a comparison reads; a `StrategyResult` has them all. */
export interface ComparableResult {
  workload?: string;
  started_at?: string;
  event_id?: string;
  params: { strategy: string; seed?: number; workload?: string } & Record<string, unknown>;
  outcome: { reservations_per_s: number; time_to_reservation_ms: { p99: number } };
  verdict: { promises_safety: boolean; safe: boolean; label?: string };
  /** Absent in files written before trials: then the file is one trial. */
  trial?: { index: number; count: number };
}

/** One side of a comparison: what the user named it and the results read from it. */
export interface ComparedSide {
  name: string;
  results: ComparableResult[];
}

export interface CompareOptions {
  /** A significant change smaller than this many percent is not a regression. */
  thresholdPct: number;
  /** Pair groups by workload and strategy only, whatever their other parameters. */
  ignoreParams: boolean;
}

export type MetricName = 'goodput' | 'p99 time to reservation';

interface Metric {
  name: MetricName;
  unit: string;
  better: 'higher' | 'lower';
  of: (result: ComparableResult) => number;
}

/** What a comparison ranks on: goodput (never all requests) and what a user waits at the tail. */
export const metrics: readonly Metric[] = [
  { name: 'goodput', unit: 'reservations/s', better: 'higher', of: (result) => result.outcome.reservations_per_s },
  { name: 'p99 time to reservation', unit: 'ms', better: 'lower', of: (result) => result.outcome.time_to_reservation_ms.p99 },
];

/** One metric of one group on both sides, as benchstat prints it. */
export interface MetricRow {
  group: string;
  metric: MetricName;
  unit: string;
  better: 'higher' | 'lower';
  base: Summary;
  new: Summary;
  /** Change of the medians in percent; null when the base median is 0 and the new one is not. */
  delta_pct: number | null;
  test: SampleComparison;
  /** Significantly worse by more than the threshold. */
  regressed: boolean;
}

/** How many runs of a group kept their verdict safe on each side. */
export interface VerdictRow {
  group: string;
  promises_safety: boolean;
  base: { runs: number; safe: number };
  new: { runs: number; safe: number };
}

export interface Comparison {
  threshold_pct: number;
  alpha: number;
  ignore_params: boolean;
  rows: MetricRow[];
  verdicts: VerdictRow[];
  /** Groups without a counterpart on the other side, not compared. */
  only_in_base: string[];
  only_in_new: string[];
  /** Each group of the new side: null when its runs kept their promise of safety (or made none), else the runs that broke it. */
  safety: { group: string; broken: BrokenPromise | null }[];
  exit_code: 0 | 1;
}

/** A result (as `resultOf` read it) as a comparison reads it; one line naming `where` for a file written before time to reservation was measured. */
export function comparableResult(result: StrategyResult, where: string): ComparableResult {
  const { time_to_reservation_ms: wait } = result.outcome;
  if (!wait) throw new UsageError(`${where}: outcome.time_to_reservation_ms.p99 is missing (a result written before time to reservation was measured?)`);
  return { ...result, outcome: { ...result.outcome, time_to_reservation_ms: wait } };
}

const workloadOf = (result: ComparableResult) => result.workload ?? result.params.workload ?? 'rooms';

interface Group {
  key: string;
  workload: WorkloadName;
  strategy: string;
  params: Map<string, string>;
  results: ComparableResult[];
}

function groupsOf(results: ComparableResult[], options: CompareOptions): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const result of results) {
    const workload = workloadOf(result) as WorkloadName;
    const params = options.ignoreParams ? new Map<string, string>() : settingsOf(result.params);
    const key = JSON.stringify([workload, result.params.strategy, [...params]]);
    const group = groups.get(key) ?? { key, workload, strategy: result.params.strategy, params, results: [] };
    group.results.push(result);
    groups.set(key, group);
  }
  return groups;
}

/** Names each group by its workload and strategy, plus the parameters in which groups differ. */
function labeller(groups: Group[]): (group: Group) => string {
  const differing = differingSettings(groups.map((group) => group.params));
  return (group) => [runLabel(group.workload, group.strategy), ...settingsText(group.params, differing)].join(' ');
}

const deltaPct = (base: number, next: number) => (base === next ? 0 : base === 0 ? null : (next / base - 1) * 100);

/** A median as tables and messages print it: whole numbers from 100 up, one decimal below. */
export function quantity(value: number): string {
  const decimals = Math.abs(value) >= 100 ? 0 : 1;
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function metricRow(group: string, metric: Metric, base: ComparableResult[], next: ComparableResult[], options: CompareOptions): MetricRow {
  const baseSamples = base.map(metric.of);
  const newSamples = next.map(metric.of);
  const summaries = { base: summarize(baseSamples), new: summarize(newSamples) };
  const delta = deltaPct(summaries.base.median, summaries.new.median);
  const test = compareSamples(baseSamples, newSamples);
  const worse = metric.better === 'higher' ? summaries.new.median < summaries.base.median : summaries.new.median > summaries.base.median;
  const regressed = test.significant && worse && (delta === null || Math.abs(delta) > options.thresholdPct);
  return { group, metric: metric.name, unit: metric.unit, better: metric.better, ...summaries, delta_pct: delta, test, regressed };
}

/** The runs of one side's group that broke its promise of safety, each by its trial (or its place in the group) and verdict. */
export interface BrokenPromise {
  side: string;
  runs: number;
  trials: { trial: number; label: string | null }[];
}

function brokenPromise(results: ComparableResult[], side: string): BrokenPromise | null {
  const trials = results.flatMap((result, index) =>
    result.verdict.promises_safety && !result.verdict.safe ? [{ trial: result.trial?.index ?? index + 1, label: result.verdict.label ?? null }] : [],
  );
  return trials.length === 0 ? null : { side, runs: results.length, trials };
}

/**
 * Pairs the groups of the two sides (workload, strategy and parameters but the seed) and compares
 * each metric: median ± interval, change, U test. Exit 1 when a metric got significantly worse by
 * more than the threshold, or when a run on the new side broke its strategy's promise of safety.
 */
export function compareResults(base: ComparedSide, next: ComparedSide, options: CompareOptions): Comparison {
  const baseGroups = groupsOf(base.results, options);
  const newGroups = groupsOf(next.results, options);
  const labelOf = labeller([...baseGroups.values(), ...newGroups.values()]);
  const paired = [...baseGroups.values()].flatMap((group) => {
    const counterpart = newGroups.get(group.key);
    return counterpart ? [{ group, counterpart }] : [];
  });
  if (paired.length === 0) {
    const labels = (groups: Map<string, Group>) => [...groups.values()].map(labelOf).join(', ');
    throw new UsageError(
      `no group in common between ${base.name} (${labels(baseGroups)}) and ${next.name} (${labels(newGroups)}); ` +
        '--ignore-params pairs groups by workload and strategy only',
    );
  }

  const rows: MetricRow[] = [];
  const verdicts: VerdictRow[] = [];
  for (const { group, counterpart } of paired) {
    const label = labelOf(group);
    for (const metric of metrics) rows.push(metricRow(label, metric, group.results, counterpart.results, options));
    const safeRuns = (results: ComparableResult[]) => ({ runs: results.length, safe: results.filter((result) => result.verdict.safe).length });
    verdicts.push({
      group: label,
      promises_safety: counterpart.results.some((result) => result.verdict.promises_safety),
      base: safeRuns(group.results),
      new: safeRuns(counterpart.results),
    });
  }

  // A broken promise fails the comparison even in a group that has nothing to compare with.
  const safety = [...newGroups.values()].map((group) => ({ group: labelOf(group), broken: brokenPromise(group.results, next.name) }));
  const failed = rows.some((row) => row.regressed) || safety.some(({ broken }) => broken !== null);
  return {
    threshold_pct: options.thresholdPct,
    alpha,
    ignore_params: options.ignoreParams,
    rows,
    verdicts,
    only_in_base: [...baseGroups.values()].filter((group) => !newGroups.has(group.key)).map(labelOf),
    only_in_new: [...newGroups.values()].filter((group) => !baseGroups.has(group.key)).map(labelOf),
    safety,
    exit_code: failed ? 1 : 0,
  };
}
