import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

export const arrivalModels = ['poisson', 'constant'] as const;
export type ArrivalModel = (typeof arrivalModels)[number];

/** Open-loop load: attempts start on a schedule, whatever the answers to earlier ones. */
export interface OpenLoopPlan {
  /** Attempts started per second, over all clients together. */
  rate: number;
  arrivals: ArrivalModel;
  /** An arrival not started this long after its intended time is dropped, never sent; none when unset. */
  latencyLimitMs?: number;
}

const uniformSteps = 2 ** 31;

/**
 * The intended start of each attempt, in ms from the run's start, in order: evenly spaced at
 * `rate` per second, or with exponential gaps of mean 1/rate (a Poisson process), drawn from
 * `seed` so that one seed gives one schedule.
 */
export function arrivalSchedule(rate: number, model: ArrivalModel, seed: number): () => number {
  const meanGapMs = 1000 / rate;
  if (model === 'constant') {
    let index = 0;
    return () => meanGapMs * index++;
  }
  const rng = xoroshiro128plus(seed ^ 0x5bd1e995);
  let at = 0;
  return () => {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const u = unsafeUniformIntDistribution(0, uniformSteps - 1, rng) / uniformSteps;
    at += -Math.log(1 - u) * meanGapMs;
    return at;
  };
}

/** How many arrivals of the schedule were due in the first `elapsedMs`: what the run offered, started or not. */
export function arrivalsDue(plan: OpenLoopPlan, seed: number, elapsedMs: number): number {
  const next = arrivalSchedule(plan.rate, plan.arrivals, seed);
  let due = 0;
  while (next() <= elapsedMs) due += 1;
  return due;
}
