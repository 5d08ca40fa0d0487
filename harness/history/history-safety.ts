import type { HistoryOp } from '../../client-sim/history.js';
import { notDeclared, type Safeguard, type StrategyKnowledge } from '../../strategies/types.js';
import type { KeptSafe } from '../model/history-findings.js';

const spentMs = (operations: HistoryOp[]) => Math.round(operations.reduce((sum, op) => sum + (op.complete_ns - op.invoke_ns), 0) / 1e4) / 100;

/**
 * A request held behind a lock read a row version that committed after its transaction began:
 * a plain snapshot could not have seen it, so the read waited for that commit.
 */
function lockWaits(operations: HistoryOp[]): Pick<KeptSafe, 'count' | 'ms' | 'uncounted'> {
  const read = operations.filter((op) => op.began_us !== undefined && op.read_xmin !== undefined);
  if (read.length === 0) return { count: null, ms: null, uncounted: 'no-row-read' };
  if (read.some((op) => op.read_committed_us === undefined)) return { count: null, ms: null, uncounted: 'no-commit-times' };
  const waited = read.filter((op) => (op.read_committed_us ?? 0) > Number(op.began_us));
  const waitedUs = waited.reduce((sum, op) => sum + ((op.read_committed_us ?? 0) - Number(op.began_us)), 0);
  return { count: waited.length, ms: Math.round(waitedUs / 10) / 100 };
}

/**
 * The line for a strategy that promises safety, from the safeguard it declares; undefined for one
 * that promises nothing; "not declared" for a strategy module that does not say.
 */
export function keptSafe(safeguard: StrategyKnowledge['safeguard'], operations: HistoryOp[]): KeptSafe | undefined {
  if (safeguard === null) return undefined;
  const conflicts = operations.filter((op) => op.status === 409 && op.reason !== undefined);
  const other: KeptSafe['other'] = {};
  for (const reason of new Set(conflicts.flatMap((op) => (op.reason === undefined ? [] : [op.reason])))) {
    if (safeguard !== notDeclared && safeguard.by !== 'lock' && safeguard.reason === reason) continue;
    const these = conflicts.filter((op) => op.reason === reason);
    other[reason] = { count: these.length, ms: spentMs(these) };
  }
  if (safeguard === notDeclared) return { mechanism: notDeclared, count: null, ms: null, uncounted: 'not-declared', other };
  if (safeguard.by === 'lock') return { mechanism: safeguard.mechanism, ...lockWaits(operations), other };
  const acted = actedOn(safeguard, operations);
  return { mechanism: safeguard.mechanism, count: acted.length, ms: spentMs(acted), other };
}

/** The operations a safeguard that turns claims back turned back. */
function actedOn(safeguard: Exclude<Safeguard, { by: 'lock' }>, operations: HistoryOp[]) {
  return safeguard.by === 'conflict'
    ? operations.filter((op) => op.status === 409 && op.reason === safeguard.reason)
    : operations.filter((op) => op.status === safeguard.status && (safeguard.reason === undefined || op.reason === safeguard.reason));
}
