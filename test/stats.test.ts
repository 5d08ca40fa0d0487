import fc from 'fast-check';
import t from 'tap';
import { alpha, compareSamples, median, ratioSummary, smallestP, summarize } from '../harness/analysis/stats.js';

// Ten goodputs with some spread, and the same run 30% faster and 30% slower.
const base = [412, 398, 455, 430, 371, 441, 402, 425, 389, 460];
const scaled = (factor: number) => base.map((value) => Math.round(value * factor));

t.test('median', async (t) => {
  t.equal(median([3, 1, 2]), 2, 'odd count: the middle value');
  t.equal(median([4, 1, 3, 2]), 2.5, 'even count: the mean of the two middle values');
  t.throws(() => median([]), RangeError, 'no samples has no median');
});

t.test('the median interval comes from order statistics', async (t) => {
  t.same(
    summarize([7, 1, 10, 4, 2, 9, 3, 8, 6, 5]),
    { n: 10, median: 5.5, low: 2, high: 9, confidence: 1 - (2 * 11) / 1024 },
    'n = 10: x(2) to x(9), as the tables for a 95% interval give',
  );
  t.same(
    summarize([1, 2, 3, 4, 5, 6]),
    { n: 6, median: 3.5, low: 1, high: 6, confidence: 1 - 2 / 64 },
    'n = 6: the smallest sample with a finite interval',
  );
  t.same(summarize([1, 2, 3, 4, 5]), { n: 5, median: 3, low: -Infinity, high: Infinity, confidence: 1 }, 'n = 5: no finite 95% interval');
  t.same(summarize([42]), { n: 1, median: 42, low: -Infinity, high: Infinity, confidence: 1 }, 'one run: its value, no interval');
});

t.test('identical distributions are not significant', async (t) => {
  const same = compareSamples(base, [...base].reverse());
  t.equal(same.p, 1, 'the same values: p = 1');
  t.equal(same.significant, false, 'not significant');
  t.equal(same.enough, true, 'ten a side is enough to tell');
  const interleaved = compareSamples([10, 12, 14, 16, 18, 20], [11, 13, 15, 17, 19, 21]);
  t.ok(interleaved.p > 0.5, `interleaved values: p = ${interleaved.p.toFixed(3)}`);
  t.equal(interleaved.significant, false, 'interleaved values: not significant');
});

t.test('a 30% shift with ten a side is significant, with the right sign', async (t) => {
  const faster = compareSamples(base, scaled(1.3));
  t.ok(faster.significant, `30% higher: significant (p = ${faster.p.toFixed(5)})`);
  t.ok(faster.p < alpha, 'p below alpha');
  t.ok(faster.u < (10 * 10) / 2, `U of the base (${faster.u}) below its mean: the new side is higher`);
  t.ok(median(scaled(1.3)) > median(base), 'and so is its median');
  const slower = compareSamples(base, scaled(0.7));
  t.ok(slower.significant, `30% lower: significant (p = ${slower.p.toFixed(5)})`);
  t.ok(slower.u > (10 * 10) / 2, `U of the base (${slower.u}) above its mean: the new side is lower`);
});

t.test('three a side cannot reach alpha: not enough samples', async (t) => {
  const apart = compareSamples([1, 2, 3], [10, 11, 12]);
  t.equal(smallestP(3, 3), 0.1, 'the smallest two-sided p at 3 vs 3 is 2 / C(6, 3)');
  t.equal(apart.p, 0.1, 'fully separated samples reach only that');
  t.equal(apart.enough, false, 'not enough samples');
  t.equal(apart.significant, false, 'so never significant');
  const four = compareSamples([1, 2, 3, 4], [10, 11, 12, 13]);
  t.equal(four.enough, true, 'four a side can reach alpha');
  t.ok(four.significant, `four a side fully separated: significant (p = ${four.p.toFixed(4)})`);
  t.equal(compareSamples([], [1, 2, 3, 4, 5]).enough, false, 'an empty side: not enough');
});

t.test('textbook values', async (t) => {
  // Hollander & Wolfe (1973), p. 69: the example of R's wilcox.test, W = 35, p = 0.1272 one-sided.
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];
  const textbook = compareSamples(x, y);
  t.equal(textbook.u, 35, 'U = 35');
  t.equal(textbook.method, 'exact', '15 samples: exact');
  t.ok(Math.abs(textbook.p - 0.2544) < 5e-5, `two-sided exact p = 0.2544 (got ${textbook.p})`);
  t.equal(compareSamples(y, x).p, textbook.p, 'the same p with the sides swapped');
  t.equal(compareSamples(y, x).u, 5 * 10 - 35, 'and U of the other side');

  // 60 a side with many ties: the normal approximation, tie-corrected, with continuity correction.
  const a = Array.from({ length: 60 }, (_, i) => i % 17);
  const b = Array.from({ length: 60 }, (_, i) => ((i * 7) % 19) + 2);
  const large = compareSamples(a, b);
  t.equal(large.method, 'normal', '120 samples: normal approximation');
  t.equal(large.u, 1160, 'U = 1160');
  t.ok(Math.abs(large.p / 0.00077647428 - 1) < 1e-6, `p = 0.000776474 as SciPy's asymptotic mannwhitneyu gives (got ${large.p})`);
});

/** The two-sided p by listing every way to split the pooled values, for checking the exact count. */
function bruteForceP(a: number[], b: number[]): number {
  const pooled = [...a, ...b];
  const sorted = [...pooled].sort((x, y) => x - y);
  const midrank = (value: number) => (sorted.indexOf(value) + sorted.lastIndexOf(value)) / 2 + 1;
  const ranks = pooled.map(midrank);
  const mean = (a.length * (pooled.length + 1)) / 2;
  const observed = Math.abs(ranks.slice(0, a.length).reduce((sum, rank) => sum + rank, 0) - mean);
  let extreme = 0;
  let all = 0;
  for (let mask = 0; mask < 2 ** pooled.length; mask++) {
    const picked = ranks.filter((_, i) => (mask >> i) & 1);
    if (picked.length !== a.length) continue;
    all++;
    if (Math.abs(picked.reduce((sum, rank) => sum + rank, 0) - mean) >= observed - 1e-9) extreme++;
  }
  return extreme / all;
}

t.test('the exact p equals a count of every split, ties included', async (t) => {
  const sample = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(sample, sample, (a, b) => Math.abs(compareSamples(a, b).p - bruteForceP(a, b)) < 1e-12),
    { seed: 20240611, numRuns: 300 },
  );
  t.pass('300 random small samples with ties agree');
});

t.test('a ratio keeps to its budget only when its whole interval does, and breaks it only when its whole interval does', async (t) => {
  const atMost2Percent = (ratio: number) => ratio <= 1.02;
  const cheap = ratioSummary([1.004, 1.012, 0.998, 1.009, 1.001, 1.015], atMost2Percent);
  t.equal(cheap.budget, 'within', `every round under 2 %: ${JSON.stringify(cheap)}`);
  t.equal(cheap.ratio, 1.007, 'the median of the rounds, to three decimals');
  t.same([cheap.low, cheap.high], [0.998, 1.015], 'six rounds: the interval from the lowest to the highest');
  const costly = ratioSummary([1.05, 1.04, 1.08, 1.03, 1.06, 1.05], atMost2Percent);
  t.equal(costly.budget, 'over', `a 5 % cost in every round is caught: ${JSON.stringify(costly)}`);
  t.equal(ratioSummary([1.0, 1.01, 1.03, 1.0, 1.04, 1.01], atMost2Percent).budget, 'unresolved', 'an interval across the limit shows neither');
  const few = ratioSummary([1.0, 1.0, 1.0], atMost2Percent);
  t.same([few.low, few.high, few.budget], [-Infinity, Infinity, 'unresolved'], 'under 6 rounds there is no interval, and no verdict');
  const unmeasured = ratioSummary([NaN, NaN], atMost2Percent);
  t.ok(Number.isNaN(unmeasured.ratio) && unmeasured.budget === 'unresolved', 'a part never measured has no ratio');
  const goodput = ratioSummary([0.97, 0.96, 0.95, 0.97, 0.94, 0.96], (ratio) => ratio >= 0.98);
  t.equal(goodput.budget, 'over', 'a lower bound works the same way: goodput 4 % lower in every round breaks a 2 % budget');
});
