import { compareSamples, median } from './stats.js';

/** One point along a swept axis, as the crossover finder sees it. */
export interface CrossoverPoint {
  /** Goodput of each trial, per strategy that promises safety and kept it at this point. */
  samples: Record<string, number[]>;
}

/** Two strategies whose order flips, each significantly ahead on one side. */
export interface Crossover {
  /** Ahead up to the point `until`. */
  leader: string;
  /** Ahead from the point `from`. */
  overtaker: string;
  /** Index of the last point where `leader` was significantly ahead. */
  until: number;
  /** Index of the first point after it where `overtaker` was; points between them showed no difference. */
  from: number;
}

/** Which of two strategies is significantly ahead at a point, if either is (two-sided Mann-Whitney U). */
function leaderAt(point: CrossoverPoint, a: string, b: string): string | undefined {
  const first = point.samples[a];
  const second = point.samples[b];
  if (!first?.length || !second?.length || !compareSamples(first, second).significant) return undefined;
  return median(first) > median(second) ? a : b;
}

/**
 * For each pair of strategies, the places along the axis where one that was significantly ahead
 * is significantly behind at a later point. A flip of the medians that the trials cannot tell
 * from noise is not one: a point without a significant difference neither starts nor ends a lead.
 */
export function findCrossovers(points: readonly CrossoverPoint[]): Crossover[] {
  const names = [...new Set(points.flatMap((point) => Object.keys(point.samples)))];
  const pairs = names.flatMap((a, index) => names.slice(index + 1).map((b) => [a, b] as const));
  return pairs.flatMap(([a, b]) => {
    const found: Crossover[] = [];
    let last: { leader: string; index: number } | undefined;
    points.forEach((point, index) => {
      const leader = leaderAt(point, a, b);
      if (leader === undefined) return;
      if (last && last.leader !== leader) found.push({ leader: last.leader, overtaker: leader, until: last.index, from: index });
      last = { leader, index };
    });
    return found;
  });
}
