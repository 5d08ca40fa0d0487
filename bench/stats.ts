import { median as medianOfSamples } from '../harness/analysis/stats.js';

/** The middle finite value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? NaN : medianOfSamples(finite);
}

/** To two decimals, as the bench's figures and ratios are shown and saved. */
export const round2 = (value: number) => Math.round(value * 100) / 100;

/** Groups samples by key, keeping the order in which keys were first seen. */
export function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    groups.set(name, [...(groups.get(name) ?? []), item]);
  }
  return [...groups.values()];
}
