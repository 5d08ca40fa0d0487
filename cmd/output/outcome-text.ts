import type { AssertionFailure } from '../../harness/analysis/assertions.js';
import type { RunOutcome, RunStatus } from '../../harness/analysis/run-outcome.js';

/** The status as one word or two, for headings: what a CI page shows first. */
export const statusWords: Record<RunStatus, string> = {
  passed: 'passed',
  'promise-broken': 'failed',
  'assertion-failed': 'failed',
  'environment-error': 'error',
  'timed-out': 'timed out',
  'nothing-measured': 'nothing measured',
  interrupted: 'interrupted',
};

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export const timedOutDetail = (seconds: number | undefined) => `the clients had not finished after --timeout ${String(seconds)}s`;

export const unmeasuredDetail = (runs: readonly string[]) => `no reservation succeeded in ${runs.join(', ')}: a run that sold nothing proves nothing`;

/** One run's failed assertion as one sentence. */
export function assertionText({ kind, strategy, verdict }: AssertionFailure): string {
  return kind === 'promise-broken'
    ? `${strategy} promises safety but was ${verdict}`
    : `${strategy} showed no overbooking or drift: the run was not contended enough to prove anything`;
}

/** What the status means for this run, in one sentence without its word. */
export function outcomeDetail(outcome: RunOutcome): string {
  switch (outcome.status) {
    case 'passed':
      return 'every promise and expectation held';
    case 'promise-broken':
      return `${plural(outcome.brokenPromises, 'promise', 'promises')} of safety broken`;
    case 'assertion-failed':
      return `${plural(outcome.failures.length, 'expectation', 'expectations')} missed`;
    case 'environment-error':
      return outcome.environmentError ?? 'the run could not be completed';
    case 'timed-out':
      return timedOutDetail(outcome.timeoutSeconds);
    case 'nothing-measured':
      return outcome.unmeasured.length > 0 ? unmeasuredDetail(outcome.unmeasured) : 'no run finished';
    case 'interrupted':
      return 'stopped before the run ended';
  }
}

/** `timed out: the clients had not finished after --timeout 1s` */
export const outcomeSentence = (outcome: RunOutcome) => `${statusWords[outcome.status]}: ${outcomeDetail(outcome)}`;

/** The line under a run's table, on stdout: the same decision as the exit code. */
export const outcomeFooter = (outcome: RunOutcome) => `outcome: ${outcomeSentence(outcome)} (exit ${outcome.exitCode})`;
