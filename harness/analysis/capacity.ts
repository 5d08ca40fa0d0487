import { mergeEncoded } from '../../client-sim/metrics.js';
import type { StrategyResult } from '../model/result-schema.js';
import { runLabel } from '../model/workload.js';
import { groupTrials, rankGroups } from './ranking.js';
import { median } from './stats.js';

/** A latency target: a percentile of the wait from each attempt's intended start, and the most it may be. */
export interface ServiceLevel {
  percentile: 'p95' | 'p99' | 'p999';
  ms: number;
  /** As the user wrote it: "p99=50ms". */
  text: string;
}

/** The most of the offered arrivals that may be dropped, and the least that must be reserved, for a point to count. */
export const capacityRule = { maxDroppedShare: 0.01, minAchievedShare: 0.95 };

/** How one strategy did at one offered rate, each figure the median over the point's trials. */
export interface RatePoint {
  rate: number;
  trials: number;
  waitMs: number;
  droppedShare: number;
  achievedShare: number;
  met: boolean;
}

/** A strategy's capacity at a target: the highest offered rate up to which every point met it; null when the lowest did not. */
export interface Capacity {
  strategy: string;
  slo: string;
  rate: number | null;
  points: RatePoint[];
}

const percentiles = { p95: 95, p99: 99, p999: 99.9 } as const;

const serviceLevelPattern = /^\s*(p95|p99|p999)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s)\s*$/;

/** "p99=50ms" or "p999=1.5s" as a target; undefined for anything else. */
export function serviceLevelOf(text: string): ServiceLevel | undefined {
  const [, percentile, amount, unit] = serviceLevelPattern.exec(text) ?? [];
  const ms = Number(amount) * (unit === 's' ? 1000 : 1);
  if (percentile === undefined || !(ms > 0)) return undefined;
  return { percentile: percentile as ServiceLevel['percentile'], ms, text: `${percentile}=${String(amount)}${String(unit)}` };
}

/** A trial's wait at the target's percentile, read from its histogram so that any percentile is exact to the bucket. */
function waitAt(result: StrategyResult, level: ServiceLevel): number {
  const { outcome } = result;
  const histogram = mergeEncoded([{ encoded: outcome.histograms.time_to_reservation_us, values: outcome.reservations }]);
  const micros = Math.min(histogram.getValueAtPercentile(percentiles[level.percentile]), histogram.maxValue);
  return micros / 1000;
}

function ratePoint(rate: number, trials: readonly StrategyResult[], level: ServiceLevel): RatePoint {
  const windowMs = ({ outcome }: StrategyResult) => (outcome.window_ms ? outcome.window_ms.to - outcome.window_ms.from : outcome.duration_ms);
  const offeredArrivals = (trial: StrategyResult) => ((trial.outcome.offered_rate ?? 0) * windowMs(trial)) / 1000;
  const waitMs = median(trials.map((trial) => waitAt(trial, level)));
  const droppedShare = median(trials.map((trial) => (trial.outcome.dropped ?? 0) / Math.max(1, offeredArrivals(trial))));
  const achievedShare = median(trials.map(({ outcome }) => (outcome.offered_rate ? (outcome.achieved_rate ?? 0) / outcome.offered_rate : 0)));
  const met = waitMs <= level.ms && droppedShare <= capacityRule.maxDroppedShare && achievedShare >= capacityRule.minAchievedShare;
  return { rate, trials: trials.length, waitMs, droppedShare, achievedShare, met };
}

/**
 * Each strategy's capacity at `level` from an open-loop sweep's trials: its points by offered
 * rate, each judged on the medians of its trials, and the highest rate before the first point
 * that missed. A strategy that broke its promise of safety in any trial is given none.
 */
export function capacities(results: readonly StrategyResult[], level: ServiceLevel): Capacity[] {
  const byStrategy = new Map<string, StrategyResult[]>();
  for (const result of results) {
    if (result.params.rate === undefined) continue;
    const label = runLabel(result.workload, result.params.strategy, result.params.via);
    byStrategy.set(label, [...(byStrategy.get(label) ?? []), result]);
  }
  return [...byStrategy].flatMap(([strategy, trials]) => {
    if (trials.some(({ verdict }) => verdict.promises_safety && !verdict.safe)) return [];
    const rates = [...new Set(trials.map(({ params }) => params.rate ?? 0))].sort((a, b) => a - b);
    const points = rates.map((rate) =>
      ratePoint(
        rate,
        trials.filter(({ params }) => params.rate === rate),
        level,
      ),
    );
    const firstMissed = points.findIndex(({ met }) => !met);
    const lastMet = firstMissed === -1 ? points.at(-1) : points[firstMissed - 1];
    return [{ strategy, slo: level.text, rate: lastMet?.rate ?? null, points }];
  });
}

/**
 * Goodput at the highest rate offered (the saturated figure a closed loop measures), ranked as a
 * race ranks it: only where the trials showed a difference. A disagreement is a strategy with the
 * higher capacity that ranked significantly behind another there; none can be claimed unranked.
 */
export function capacityOrder(capacity: readonly Capacity[], results: readonly StrategyResult[]) {
  const topRate = Math.max(...results.map(({ params }) => params.rate ?? 0));
  const judged = new Set(capacity.map(({ strategy }) => strategy));
  const ranking = rankGroups(groupTrials(results.filter(({ params }) => params.rate === topRate)).filter(({ label }) => judged.has(label)));
  const rankOf = new Map(ranking.rows.map(({ group, rank }) => [group.label, rank]));
  const rateOf = (strategy: string) => capacity.find((entry) => entry.strategy === strategy)?.rate ?? -1;
  const disagreements = capacity.flatMap((higher) =>
    capacity
      .filter((other) => {
        const [higherRank, otherRank] = [rankOf.get(higher.strategy), rankOf.get(other.strategy)];
        return rateOf(higher.strategy) > rateOf(other.strategy) && higherRank !== undefined && otherRank !== undefined && otherRank < higherRank;
      })
      .map((other) => ({ higherCapacity: higher.strategy, moreGoodput: other.strategy })),
  );
  return { topRate, ranks: ranking.rows.map(({ group, rank }) => ({ strategy: group.label, rank })), unranked: ranking.unranked, disagreements };
}
