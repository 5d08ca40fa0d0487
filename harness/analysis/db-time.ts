import type { StrategyResult } from '../model/result-schema.js';

/** A run's sampled database time, as its result holds it. */
type DbTime = NonNullable<StrategyResult['outcome']['db_time']>;

/**
 * The shares of several runs (a strategy's trials) as one: each key's mean share over the runs
 * that were sampled, largest first; empty when none was.
 */
export function meanShares(dbTimes: readonly (DbTime | null | undefined)[]): [string, number][] {
  const sampled = dbTimes.filter((dbTime) => dbTime && dbTime.backend_samples > 0) as DbTime[];
  const sums = new Map<string, number>();
  for (const { shares } of sampled) for (const [key, share] of Object.entries(shares)) sums.set(key, (sums.get(key) ?? 0) + share);
  return [...sums].map(([key, sum]): [string, number] => [key, sum / sampled.length]).sort(([, a], [, b]) => b - a);
}
