import t from 'tap';
import { arrivalSchedule, arrivalsDue } from '../client-sim/arrivals.js';

const take = (next: () => number, count: number) => Array.from({ length: count }, next);

t.test('one seed gives one schedule; another seed another', async (t) => {
  t.same(take(arrivalSchedule(500, 'poisson', 7), 1000), take(arrivalSchedule(500, 'poisson', 7), 1000), 'the same seed, the same arrivals');
  t.not(take(arrivalSchedule(500, 'poisson', 8), 10).join(), take(arrivalSchedule(500, 'poisson', 7), 10).join(), 'another seed, other arrivals');
});

t.test('a Poisson schedule keeps its mean rate within 3% over 10,000 arrivals, with gaps that vary', async (t) => {
  for (const [rate, seed] of [
    [500, 1],
    [37, 2],
    [20_000, 3],
  ] as const) {
    const times = take(arrivalSchedule(rate, 'poisson', seed), 10_000);
    const measured = (times.length / (times.at(-1) ?? 1)) * 1000;
    t.ok(Math.abs(measured / rate - 1) <= 0.03, `rate ${rate}: ${measured.toFixed(1)} arrivals/s`);
    const gaps = times.slice(1).map((at, index) => at - (times[index] ?? 0));
    t.ok(
      gaps.every((gap) => gap >= 0),
      'in order',
    );
    // An exponential gap's standard deviation equals its mean.
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length);
    t.ok(Math.abs(sd / mean - 1) <= 0.05, `exponential gaps: sd/mean ${(sd / mean).toFixed(3)}`);
  }
});

t.test('a constant schedule is evenly spaced', async (t) => {
  const times = take(arrivalSchedule(400, 'constant', 9), 1000);
  t.same(
    times.map((at, index) => Math.round((at - index * 2.5) * 1e6)),
    times.map(() => 0),
    'every 2.5 ms, from 0',
  );
});

t.test('arrivals due by a time: what the schedule offered, started or not', async (t) => {
  t.equal(arrivalsDue({ rate: 100, arrivals: 'constant' }, 1, 1000), 101, 'at 0, 10, …, 1000 ms');
  const due = arrivalsDue({ rate: 1000, arrivals: 'poisson' }, 4, 10_000);
  t.ok(Math.abs(due / 10_000 - 1) <= 0.03, `Poisson: ${due} in 10 s at 1000/s`);
});
