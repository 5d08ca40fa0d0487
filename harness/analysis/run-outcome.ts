import type { StrategyResult } from '../model/result-schema.js';
import { runLabel } from '../model/workload.js';
import { failedAssertions, type AssertionFailure, type AssertionFlags } from './assertions.js';

/**
 * How a command that ran strategies ended, decided once (`decideOutcome`): the exit code, the
 * table's footer, JUnit, the Markdown summary and `--progress json`'s last object all read it.
 */
export type RunStatus = 'passed' | 'promise-broken' | 'assertion-failed' | 'environment-error' | 'timed-out' | 'nothing-measured' | 'interrupted';

/** Exit codes (docs/cli.md): 0 done, 1 an assertion failed, 3 the run could not prove anything, 130 interrupted. */
export const exitCodeOfStatus: Record<RunStatus, number> = {
  passed: 0,
  'promise-broken': 1,
  'assertion-failed': 1,
  'environment-error': 3,
  'timed-out': 3,
  'nothing-measured': 3,
  interrupted: 130,
};

export interface RunOutcome {
  /** The one that decides the exit code when several apply, in the order of `RunStatus`'s precedence. */
  status: RunStatus;
  exitCode: number;
  /** Promises broken and expectations missed, one per run. */
  failures: AssertionFailure[];
  /** How many of `failures` are broken promises (the rest are `--expect-overbooking` misses). */
  brokenPromises: number;
  /** The runs (as `workload:strategy`) in which no reservation succeeded. */
  unmeasured: string[];
  /** Set when the clients were stopped by `--timeout` (its seconds). */
  timeoutSeconds?: number;
  /** Set when the machine or the database failed the run: the cause, one line. */
  environmentError?: string;
}

/** The verdict's label of a run in which no reservation succeeded. */
export const nothingMeasuredLabel = 'NOTHING MEASURED';

/** A run that sold nothing proves nothing about a promise: all its requests failed, or there was nothing to book. */
export const measuredNothing = ({ outcome }: Pick<StrategyResult, 'outcome'>) => outcome.reservations === 0;

export interface OutcomeInput {
  results: readonly StrategyResult[];
  stoppedBy: 'done' | 'timeout' | 'interrupted';
  timeoutSeconds: number;
  /** What the results are held to: every strategy's promise, and `--expect-overbooking` when given. */
  assertions: AssertionFlags;
  environmentError?: string;
  /** A load shard's part is judged with the others by `evento merge`: one that sold nothing is not a failure. */
  partOfShards?: boolean;
}

/** The one decision: interrupted, then a broken promise, a missed expectation, an environment error, a timeout, nothing measured, else passed. */
export function decideOutcome({ results, stoppedBy, timeoutSeconds, assertions, environmentError, partOfShards = false }: OutcomeInput): RunOutcome {
  const broken = failedAssertions([...results], { assertNoOverbooking: assertions.assertNoOverbooking });
  const missed = failedAssertions([...results], { expectOverbooking: assertions.expectOverbooking });
  const unmeasured = partOfShards ? [] : results.filter(measuredNothing).map(({ workload, params }) => runLabel(workload, params.strategy, params.via));
  const timedOut = stoppedBy === 'timeout';
  const applying: [RunStatus, boolean][] = [
    ['interrupted', stoppedBy === 'interrupted'],
    ['promise-broken', broken.length > 0],
    ['assertion-failed', missed.length > 0],
    ['environment-error', environmentError !== undefined],
    ['timed-out', timedOut],
    ['nothing-measured', unmeasured.length > 0 || (results.length === 0 && !partOfShards)],
  ];
  const status = applying.find(([, applies]) => applies)?.[0] ?? 'passed';
  return {
    status,
    exitCode: exitCodeOfStatus[status],
    failures: [...broken, ...missed],
    brokenPromises: broken.length,
    unmeasured,
    ...(timedOut && { timeoutSeconds }),
    ...(environmentError !== undefined && { environmentError }),
  };
}
