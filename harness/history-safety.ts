import type { HistoryOp } from '../client-sim/history.js';
import type { WorkloadName } from './workload.js';

/** How a safe strategy kept its promise, counted from the history (docs/histories.md). */
export interface KeptSafe {
  /** What the strategy relies on: "lock waits", "version conflicts retried", … */
  mechanism: string;
  /** How often it acted; null when the history cannot tell (`note` says why). */
  count: number | null;
  /** What it cost in ms: time held behind locks (at least), or spent on attempts turned back. */
  ms: number | null;
  note?: string;
  /** Every other way requests were turned back, by the 409's reason. */
  other: Record<string, { count: number; ms: number }>;
}

type Mechanism = { mechanism: string } & ({ by: 'lock' } | { by: 'conflict'; reason: string } | { by: 'refusal'; status: number; reason?: string });

const lock: Mechanism = { mechanism: 'lock waits', by: 'lock' };

/** What each safe strategy relies on, by workload and name. */
function mechanismOf(workload: WorkloadName, strategy: string): Mechanism | undefined {
  if (workload === 'slots') {
    if (strategy === 'exclusion' || strategy === 'exclusion-on-conflict')
      return { mechanism: 'refusals by the exclusion constraint', by: 'refusal', status: 409, reason: 'exclusion_violation' };
    return strategy === 'pessimistic' ? lock : undefined;
  }
  const mechanisms: Record<string, Mechanism> = {
    pessimistic: lock,
    advisory: lock,
    optimistic: { mechanism: 'version conflicts retried', by: 'conflict', reason: 'version_mismatch' },
    'event-log': { mechanism: 'version conflicts retried (taken stream versions)', by: 'conflict', reason: 'unique_violation' },
    serializable: { mechanism: 'serialization failures retried', by: 'conflict', reason: 'serialization_failure' },
    atomic: { mechanism: "claims the update's condition refused", by: 'refusal', status: 422 },
    buckets: { mechanism: "claims the buckets' conditions refused", by: 'refusal', status: 422 },
    'buckets-single': { mechanism: "claims the buckets' conditions refused", by: 'refusal', status: 422 },
    'skip-locked': { mechanism: 'claims that found fewer free rooms than asked, skipping those held', by: 'refusal', status: 422 },
  };
  return mechanisms[strategy];
}

const spentMs = (operations: HistoryOp[]) => Math.round(operations.reduce((sum, op) => sum + (op.complete_ns - op.invoke_ns), 0) / 1e4) / 100;

/**
 * A request held behind a lock read a row version that committed after its transaction began:
 * a plain snapshot could not have seen it, so the read waited for that commit.
 */
function lockWaits(operations: HistoryOp[]): Pick<KeptSafe, 'count' | 'ms' | 'note'> {
  const read = operations.filter((op) => op.began_us !== undefined && op.read_xmin !== undefined);
  if (read.length === 0) return { count: null, ms: null, note: 'the strategy sent back no row it read' };
  if (read.some((op) => op.read_committed_us === undefined)) return { count: null, ms: null, note: 'no commit times on this database' };
  const waited = read.filter((op) => (op.read_committed_us ?? 0) > Number(op.began_us));
  const waitedUs = waited.reduce((sum, op) => sum + ((op.read_committed_us ?? 0) - Number(op.began_us)), 0);
  return { count: waited.length, ms: Math.round(waitedUs / 10) / 100 };
}

/** The line for a strategy that promises safety; undefined for one that does not, or is not known here. */
export function keptSafe(workload: WorkloadName, strategy: string, operations: HistoryOp[]): KeptSafe | undefined {
  const mechanism = mechanismOf(workload, strategy);
  if (!mechanism) return undefined;
  const conflicts = operations.filter((op) => op.status === 409 && op.reason !== undefined);
  const other: KeptSafe['other'] = {};
  for (const reason of new Set(conflicts.flatMap((op) => (op.reason === undefined ? [] : [op.reason])))) {
    if (mechanism.by !== 'lock' && mechanism.reason === reason) continue;
    const these = conflicts.filter((op) => op.reason === reason);
    other[reason] = { count: these.length, ms: spentMs(these) };
  }
  if (mechanism.by === 'lock') return { mechanism: mechanism.mechanism, ...lockWaits(operations), other };
  const acted =
    mechanism.by === 'conflict'
      ? conflicts.filter((op) => op.reason === mechanism.reason)
      : operations.filter((op) => op.status === mechanism.status && (mechanism.reason === undefined || op.reason === mechanism.reason));
  return { mechanism: mechanism.mechanism, count: acted.length, ms: spentMs(acted), other };
}
