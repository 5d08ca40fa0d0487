import type { StrategyInfo } from '../../strategies/types.js';
import type { StrategyResult, Verdict } from '../model/result-schema.js';
import type { EventAudit } from '../model/seeded-event.js';
import { nothingMeasuredLabel } from './run-outcome.js';

/** A run's verdict from its audit: the problems found, or SAFE when a run that sold something found none. */
export function verdictOf(
  strategy: StrategyInfo,
  audit: Pick<EventAudit, 'overbooked' | 'drift'> & Partial<Pick<EventAudit, 'reservations'>> & { log_mismatch?: number | null; problems?: string[] },
): Verdict {
  const logMismatch = audit.log_mismatch ?? 0;
  const problems = [
    audit.overbooked > 0 ? `OVERBOOKED by ${audit.overbooked}` : '',
    audit.drift > 0 ? `DRIFT ${audit.drift}` : '',
    logMismatch > 0 ? `LOG MISMATCH ${logMismatch}` : '',
    ...(audit.problems ?? []),
  ].filter(Boolean);
  // Nothing sold breaks no promise, and keeps none either: it is not called SAFE.
  const unbroken = audit.reservations === 0 ? nothingMeasuredLabel : 'SAFE';
  return { promises_safety: strategy.promisesSafety, safe: problems.length === 0, label: problems.join(', ') || unbroken };
}

/** The verdict of a target run judged by its 201s alone: it can say overbooked, never safe for certain. */
export const acknowledgedVerdict = (overbooked: number): StrategyResult['verdict'] => ({
  promises_safety: true,
  safe: overbooked === 0,
  label: overbooked > 0 ? `OVERBOOKED by ${overbooked} (acknowledged; unaudited)` : 'UNAUDITED',
});
