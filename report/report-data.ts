import { mergeEncoded } from '../client-sim/metrics.js';
import { capacities, serviceLevelOf } from '../harness/analysis/capacity.js';
import { groupTrials, rankGroups, type TrialGroup } from '../harness/analysis/ranking.js';
import { median } from '../harness/analysis/stats.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { pointsOf, sweepCrossovers, sweepLines, type SweepCrossover } from '../harness/race/sweep.js';
import { at } from '../lib/at.js';
import { pointLabel } from './sweep-text.js';

/** Lines of one chart over a shared x: one per strategy, null where a strategy has no value. */
export interface ChartData {
  title: string;
  /** What the y axis counts. */
  unit: string;
  x: number[];
  lines: { label: string; y: (number | null)[] }[];
}

/** A part of the report with its own trials: one sweep point, or all the runs outside a sweep. */
export interface ReportSection {
  id: string;
  title: string;
  ranking: ReturnType<typeof rankGroups>;
  /** Time to a reservation by percentile, x = 1 / (1 - percentile). */
  spectra: ChartData[];
  perSecond: ChartData[];
}

/** One line of a sweep: goodput against the swept axis, per strategy, with the crossovers on it. */
export interface SweepChart {
  title: string;
  axis: string;
  /** The axis's values at each point, as the user wrote them. */
  ticks: string[];
  strategies: { label: string; median: (number | null)[]; low: (number | null)[]; high: (number | null)[] }[];
  crossovers: SweepCrossover[];
}

/** An open-loop sweep's wait at its target's percentile against the offered rate, per strategy, and each one's capacity. */
export interface CapacityChart {
  title: string;
  slo: string;
  /** The target, ms: drawn as a line across the chart. */
  targetMs: number;
  /** Offered rates, attempts per second. */
  x: number[];
  lines: { label: string; y: (number | null)[]; capacity: number | null }[];
}

export interface ReportData {
  results: StrategyResult[];
  sections: ReportSection[];
  sweep: SweepChart[];
  capacity: CapacityChart[];
  /** Every strategy of the input, in the order first met: each keeps its colour in every chart. */
  strategies: string[];
}

/** x of the spectrum: 1 / (1 - p) from p = 0 to 99.999%, ten steps a decade, so the tail gets its share of the axis. */
const spectrumX = Array.from({ length: 51 }, (_, step) => 10 ** (step / 10));
const percentileOf = (x: number) => 100 * (1 - 1 / x);

/** One histogram of every trial's, so that the spectrum is that of all the requests the trials made. */
function mergedHistogram(trials: readonly StrategyResult[], field: keyof StrategyResult['outcome']['histograms']) {
  return mergeEncoded(
    trials.flatMap(({ outcome }) => (outcome.histograms[field] ? [{ encoded: outcome.histograms[field], values: outcome.requests }] : [])),
  );
}

function spectrum(groups: readonly TrialGroup[], field: 'latency_us' | 'time_to_reservation_us', title: string): ChartData {
  return {
    title,
    unit: 'ms',
    x: spectrumX,
    lines: groups.map((group) => {
      const histogram = mergedHistogram(group.trials, field);
      const y = spectrumX.map((x) =>
        histogram.totalCount === 0 ? null : Math.min(histogram.getValueAtPercentile(percentileOf(x)), histogram.maxValue) / 1000,
      );
      return { label: group.label, y };
    }),
  };
}

const seriesNames = ['requests', 'reservations', 'conflicts', 'errors'] as const;

/**
 * Per second, the median over the trials that ran that long; a trial without samples adds nothing.
 * Where every trial kept tenths of a second (runs under 10 s), by tenth, as a rate per second.
 */
function perSecond(groups: readonly TrialGroup[]): ChartData[] {
  const trials = groups.flatMap((group) => group.trials);
  const fine = trials.length > 0 && trials.every(({ outcome }) => outcome.per_tenth_second);
  const seriesOf = (outcome: StrategyResult['outcome']) => (fine ? outcome.per_tenth_second : outcome.per_second);
  const [bucketSeconds, perSecondFactor] = fine ? [0.1, 10] : [1, 1];
  const buckets = Math.max(0, ...trials.map(({ outcome }) => seriesOf(outcome)?.requests.length ?? 0));
  const x = Array.from({ length: buckets }, (_, bucket) => Math.round((bucket + 1) * bucketSeconds * 10) / 10);
  return seriesNames.map((name) => ({
    title: `${name} per second`,
    unit: `${name}/s`,
    x,
    lines: groups.map((group) => ({
      label: group.label,
      y: x.map((_, bucket) => {
        const values = group.trials.flatMap(({ outcome }) => {
          const value = seriesOf(outcome)?.[name][bucket];
          return value === undefined ? [] : [value * perSecondFactor];
        });
        return values.length === 0 ? null : median(values);
      }),
    })),
  }));
}

function section(id: string, title: string, results: StrategyResult[]): ReportSection {
  const groups = groupTrials(results);
  return {
    id,
    title,
    ranking: rankGroups(groups),
    // The wait alone: what a user waits, retries included; decoding a second histogram a trial doubles the report's time.
    spectra: [spectrum(groups, 'time_to_reservation_us', 'wait for a reservation (retries included) by percentile')],
    perSecond: perSecond(groups),
  };
}

const finiteOrNull = (value: number) => (Number.isFinite(value) ? value : null);

function sweepCharts(results: readonly StrategyResult[], strategies: readonly string[]): SweepChart[] {
  const crossovers = sweepCrossovers(results);
  return sweepLines(pointsOf(results)).map((line) => {
    const groups = line.points.map(({ results }) => groupTrials(results));
    const groupsOf = (label: string) => groups.map((point) => point.find((group) => group.label === label));
    return {
      title: `goodput against --${line.axis}${line.fixed ? ` at ${line.fixed}` : ''}`,
      axis: line.axis,
      ticks: line.points.map(({ coordinates }) => coordinates.axes[line.axis] ?? ''),
      strategies: strategies
        .filter((label) => groupsOf(label).some(Boolean))
        .map((label) => ({
          label,
          median: groupsOf(label).map((group) => (group ? group.goodput.median : null)),
          low: groupsOf(label).map((group) => (group ? finiteOrNull(group.goodput.low) : null)),
          high: groupsOf(label).map((group) => (group ? finiteOrNull(group.goodput.high) : null)),
        })),
      crossovers: crossovers.filter((crossover) => crossover.fixed === line.fixed),
    };
  });
}

/** One chart per latency target found in an open-loop sweep's results. */
function capacityCharts(results: readonly StrategyResult[]): CapacityChart[] {
  const targets = [...new Set(results.flatMap(({ sweep, params }) => (sweep?.slo && params.rate !== undefined ? [sweep.slo] : [])))];
  return targets.flatMap((text) => {
    const level = serviceLevelOf(text);
    if (!level) return [];
    const capacity = capacities(
      results.filter(({ sweep }) => sweep?.slo === text),
      level,
    );
    const x = [...new Set(capacity.flatMap(({ points }) => points.map(({ rate }) => rate)))].sort((a, b) => a - b);
    return [
      {
        title: `wait ${level.percentile} against the offered rate, with the target ${text}`,
        slo: text,
        targetMs: level.ms,
        x,
        lines: capacity.map(({ strategy, points, rate }) => ({
          label: strategy,
          y: x.map((offered) => points.find((point) => point.rate === offered)?.waitMs ?? null),
          capacity: rate,
        })),
      },
    ];
  });
}

/** Everything the report shows, computed from the results alone. */
export function reportData(results: StrategyResult[]): ReportData {
  const points = pointsOf(results);
  const outside = results.filter((result) => !result.sweep);
  const sections = [
    ...points.map(({ coordinates, results }) => {
      const axes = Object.entries(coordinates.axes).map(([axis, text]) => pointLabel(axis, text, at(results, 0).params));
      return section(`point-${coordinates.point + 1}`, `point ${coordinates.point + 1}: ${axes.join(', ')}`, results);
    }),
    ...(outside.length > 0 ? [section('runs', points.length > 0 ? 'runs outside the sweep' : 'the runs', outside)] : []),
  ];
  // Labelled as each section's rows are: a sweep's points each pool their own trials, whatever the axes.
  const strategies = [...new Set([...points.map(({ results }) => results), outside].flatMap((trials) => groupTrials(trials).map(({ label }) => label)))];
  return { results, sections, sweep: sweepCharts(results, strategies), capacity: capacityCharts(results), strategies };
}
