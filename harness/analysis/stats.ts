/**
 * Medians, their confidence intervals and the Mann-Whitney U test, as benchstat reports them:
 * nothing here assumes that run times are normally distributed, because they are not.
 */

import { at } from '../../lib/at.js';

/** Significance level of every comparison. */
export const alpha = 0.05;

/** Confidence level asked of every interval. */
export const confidence = 0.95;

/** Up to this many samples in all the U test counts exactly, which stays quick; beyond, the normal approximation is close. */
const exactLimit = 50;

/** A sample's median and a distribution-free confidence interval around it. */
export interface Summary {
  n: number;
  median: number;
  /** Bounds of the interval; -Infinity and Infinity when the sample is too small for one (n < 6 at 95%). */
  low: number;
  high: number;
  /** What the interval reaches (at least `confidence`), since order statistics only give a few levels. */
  confidence: number;
}

/** Whether two samples differ, by a two-sided Mann-Whitney U test at `alpha`. */
export interface SampleComparison {
  n1: number;
  n2: number;
  /** Pairs (a, b) with a > b, a tie counting one half: 0 when every b is above every a, n1·n2 when below. */
  u: number;
  p: number;
  /** `exact` counts every way to split the pooled ranks (ties included); `normal` approximates it. */
  method: 'exact' | 'normal';
  /** Whether these sample sizes could reach `alpha` at all; when false, `significant` is always false. */
  enough: boolean;
  significant: boolean;
}

const ascending = (samples: readonly number[]) => [...samples].sort((a, b) => a - b);

function middleOf(sorted: readonly number[]): number {
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? at(sorted, half) : (at(sorted, half - 1) + at(sorted, half)) / 2;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('the median of no samples');
  return middleOf(ascending(samples));
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), by log terms so that large n does not underflow. */
function halfBinomialCdf(n: number, k: number): number {
  let logChoose = 0;
  let total = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    total += Math.exp(logChoose - n * Math.LN2);
  }
  return Math.min(1, total);
}

/**
 * The median with the classic order-statistic interval [x(k), x(n+1-k)]: the number of samples
 * below the true median is Binomial(n, 1/2) whatever the distribution, so the widest k whose two
 * tails stay within 1 - confidence gives an exact level (Conover; benchstat does the same).
 */
export function summarize(samples: readonly number[]): Summary {
  const sorted = ascending(samples);
  const n = sorted.length;
  if (n === 0) throw new RangeError('a summary of no samples');
  let k = 0;
  while (k + 1 <= n / 2 && 1 - 2 * halfBinomialCdf(n, k) >= confidence) k++;
  if (k === 0) return { n, median: middleOf(sorted), low: -Infinity, high: Infinity, confidence: 1 };
  return { n, median: middleOf(sorted), low: at(sorted, k - 1), high: at(sorted, n - k), confidence: 1 - 2 * halfBinomialCdf(n, k - 1) };
}

/** The smallest two-sided p any data could give at these sizes: the two most extreme splits of C(n1+n2, n1). */
export function smallestP(n1: number, n2: number): number {
  let splits = 1;
  for (let i = 1; i <= Math.min(n1, n2); i++) splits = (splits * (n1 + n2 - i + 1)) / i;
  return Math.min(1, 2 / splits);
}

/** Twice each pooled value's midrank (so that tied ranks stay integers), in the order a then b. */
function doubledRanks(a: readonly number[], b: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const pooled = [...a, ...b].map((value, index) => ({ value, index })).sort((x, y) => x.value - y.value);
  const ranks = new Array<number>(pooled.length);
  const tieGroups: number[] = [];
  for (let start = 0; start < pooled.length;) {
    let end = start;
    while (end + 1 < pooled.length && at(pooled, end + 1).value === at(pooled, start).value) end++;
    // Positions start..end (0-based) share the midrank (start + end) / 2 + 1.
    for (let i = start; i <= end; i++) ranks[at(pooled, i).index] = start + end + 2;
    tieGroups.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, tieGroups };
}

/**
 * Two-sided exact p: the share of all ways to draw `size` of the pooled doubled ranks whose sum
 * lies at least as far from its mean as the observed one. Counting over the actual midranks makes
 * it exact with ties too, without a correction.
 */
function exactP(ranks: readonly number[], size: number, observed: number): number {
  const total = ranks.reduce((sum, rank) => sum + rank, 0);
  const maxSum = ranks.length * 2 * size;
  // ways[j][s]: subsets of j ranks seen so far whose doubled sum is s.
  const ways = Array.from({ length: size + 1 }, () => new Float64Array(maxSum + 1));
  at(ways, 0)[0] = 1;
  let reached = 0;
  for (const rank of ranks) {
    reached = Math.min(maxSum, reached + rank);
    for (let j = size; j >= 1; j--) {
      const into = at(ways, j);
      const from = at(ways, j - 1);
      // s and s - rank stay within both arrays, so `?? 0` is never taken; at() would slow the innermost loop severalfold.
      for (let s = reached; s >= rank; s--) into[s] = (into[s] ?? 0) + (from[s - rank] ?? 0);
    }
  }
  // Twice the mean, so that every quantity stays an integer.
  const mean2 = (2 * total * size) / ranks.length;
  const distance2 = Math.abs(2 * observed - mean2);
  let extreme = 0;
  let all = 0;
  at(ways, size).forEach((count, sum) => {
    all += count;
    if (Math.abs(2 * sum - mean2) >= distance2) extreme += count;
  });
  return Math.min(1, extreme / all);
}

/** The complementary error function (Numerical Recipes' erfcc, fractional error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(-z * z + poly);
  return x >= 0 ? value : 2 - value;
}

/** Two-sided p from the normal approximation, with the variance corrected for ties and a continuity correction. */
function normalP(n1: number, n2: number, u: number, tieGroups: readonly number[]): number {
  const n = n1 + n2;
  const ties = tieGroups.reduce((sum, t) => sum + (t * t * t - t), 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (variance <= 0) return 1;
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return Math.min(1, erfc(z / Math.SQRT2));
}

/**
 * Two-sided Mann-Whitney U test of whether `a` and `b` come from the same distribution: exact up
 * to `exactLimit` samples in all, the normal approximation beyond.
 */
export function compareSamples(a: readonly number[], b: readonly number[]): SampleComparison {
  const n1 = a.length;
  const n2 = b.length;
  const enough = n1 > 0 && n2 > 0 && smallestP(n1, n2) <= alpha;
  if (n1 === 0 || n2 === 0) return { n1, n2, u: 0, p: 1, method: 'exact', enough, significant: false };
  const { ranks, tieGroups } = doubledRanks(a, b);
  const rankSumA = ranks.slice(0, n1).reduce((sum, rank) => sum + rank, 0);
  const u = rankSumA / 2 - (n1 * (n1 + 1)) / 2;
  const method = n1 + n2 <= exactLimit ? 'exact' : 'normal';
  // The smaller side's draws are the cheaper count and give the same two-sided p.
  const p =
    method === 'normal'
      ? normalP(n1, n2, u, tieGroups)
      : n1 <= n2
        ? exactP(ranks, n1, rankSumA)
        : exactP(
            ranks,
            n2,
            ranks.slice(n1).reduce((sum, rank) => sum + rank, 0),
          );
  return { n1, n2, u, p, method, enough, significant: enough && p <= alpha };
}

/** A median ratio of paired runs (with ÷ without, one per round), its interval, and whether it keeps to a budget. */
export interface RatioSummary {
  /** Median over the rounds of with ÷ without, to three decimals. */
  ratio: number;
  /** The median's confidence interval, as `summarize` gives it (unbounded below 6 rounds). */
  low: number;
  high: number;
  /**
   * Against the budget: `within` when the whole interval keeps to it, `over` when none of it
   * does, `unresolved` when the rounds cannot tell.
   */
  budget: 'within' | 'over' | 'unresolved';
}

/**
 * The median of the rounds' ratios with its order-statistic interval, judged by `keeps`. Rounds
 * without a figure (a part not measured) are left out; none at all gives NaN, unresolved.
 */
export function ratioSummary(ratios: readonly number[], keeps: (ratio: number) => boolean): RatioSummary {
  const finite = ratios.filter(Number.isFinite);
  if (finite.length === 0) return { ratio: NaN, low: NaN, high: NaN, budget: 'unresolved' };
  const { median, low, high } = summarize(finite);
  // Three decimals: a budget of 2 % is judged, and shown, closer than two would allow.
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  return { ratio: round3(median), low: round3(low), high: round3(high), budget: budgetOf(low, high, keeps) };
}

/** An interval against a budget: `within` when all of it keeps to it, `over` when none of it does, else `unresolved`. */
export function budgetOf(low: number, high: number, keeps: (value: number) => boolean): RatioSummary['budget'] {
  return keeps(low) && keeps(high) ? 'within' : !keeps(low) && !keeps(high) ? 'over' : 'unresolved';
}
