import type { StrategyResult } from '../model/result-schema.js';

export interface AssertionFlags {
  assertNoOverbooking?: boolean;
  expectOverbooking?: boolean;
}

/** Why one run fails `--assert-no-overbooking` or `--expect-overbooking`; null when it holds. */
export function assertionFailure({ params, verdict }: Pick<StrategyResult, 'params' | 'verdict'>, flags: AssertionFlags): string | null {
  if (flags.assertNoOverbooking && verdict.promises_safety && !verdict.safe) {
    return `${params.strategy} promises safety but was ${verdict.label}`;
  }
  if (flags.expectOverbooking && !verdict.promises_safety && verdict.safe) {
    return `${params.strategy} showed no overbooking or drift: the run was not contended enough to prove anything`;
  }
  return null;
}

/** What `--assert-no-overbooking` and `--expect-overbooking` find wrong; empty when all holds. */
export function failedAssertions(results: StrategyResult[], flags: AssertionFlags): string[] {
  return results.flatMap((result) => assertionFailure(result, flags) ?? []);
}
