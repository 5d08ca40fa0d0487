import type { StrategyResult } from '../model/result-schema.js';

export interface AssertionFlags {
  assertNoOverbooking?: boolean;
  expectOverbooking?: boolean;
}

/**
 * A run that fails `--assert-no-overbooking`, by breaking the promise of safety its strategy
 * makes, or `--expect-overbooking`, by a strategy that makes none showing nothing wrong.
 */
export interface AssertionFailure {
  kind: 'promise-broken' | 'nothing-proved';
  strategy: string;
  /** The run's verdict label: what broke the promise, or SAFE. */
  verdict: string;
}

/** How one run fails `--assert-no-overbooking` or `--expect-overbooking`; null when it holds. */
export function assertionFailure({ params, verdict }: Pick<StrategyResult, 'params' | 'verdict'>, flags: AssertionFlags): AssertionFailure | null {
  if (flags.assertNoOverbooking && verdict.promises_safety && !verdict.safe)
    return { kind: 'promise-broken', strategy: params.strategy, verdict: verdict.label };
  if (flags.expectOverbooking && !verdict.promises_safety && verdict.safe)
    return { kind: 'nothing-proved', strategy: params.strategy, verdict: verdict.label };
  return null;
}

/** What `--assert-no-overbooking` and `--expect-overbooking` find wrong; empty when all holds. */
export function failedAssertions(results: StrategyResult[], flags: AssertionFlags): AssertionFailure[] {
  return results.flatMap((result) => assertionFailure(result, flags) ?? []);
}
