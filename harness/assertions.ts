import type { StrategyResult } from './result-schema.js';

export interface AssertionFlags {
  assertNoOverbooking?: boolean;
  expectOverbooking?: boolean;
}

/** What `--assert-no-overbooking` and `--expect-overbooking` find wrong; empty when all holds. */
export function failedAssertions(results: StrategyResult[], flags: AssertionFlags): string[] {
  const failures: string[] = [];
  for (const { params, verdict } of results) {
    if (flags.assertNoOverbooking && verdict.promises_safety && !verdict.safe) {
      failures.push(`${params.strategy} promises safety but was ${verdict.label}`);
    }
    if (flags.expectOverbooking && !verdict.promises_safety && verdict.safe) {
      failures.push(`${params.strategy} showed no overbooking or drift: the run was not contended enough to prove anything`);
    }
  }
  return failures;
}
