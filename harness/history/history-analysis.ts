import type { HistoryOp } from '../../client-sim/history.js';
import type { Sql } from '../../db/connection.js';
import type { StrategyKnowledge } from '../../strategies/types.js';
import type { CheckResult, KeptSafe, ReadsSkipped, Witness } from '../model/history-findings.js';
import type { EventAudit } from '../model/seeded-event.js';
import type { WorkloadName } from '../model/workload.js';
import { checkHistory } from './checker.js';
import { addCommitTimes, type HistoryInfo } from './history.js';
import { keptSafe } from './history-safety.js';
import { readHistoryTables } from './history-tables.js';
import { findWitnesses } from './witness.js';

/** What a run's history says, for its result. */
export interface HistoryAnalysis {
  info: Omit<HistoryInfo, 'file'>;
  witnesses: Witness[];
  check: CheckResult;
  keptSafe?: KeptSafe;
}

const readsSkipped: Partial<Record<WorkloadName, ReadsSkipped>> = { holds: 'rooms-come-back', slots: 'no-reads' };

/**
 * After the audit: commit times into the history, then the witnesses of what the audit found,
 * the history checker, and how a safe strategy stayed safe.
 */
export async function analyseHistory(
  sql: Sql,
  run: {
    workload: WorkloadName;
    promisesSafety: boolean;
    knowledge: StrategyKnowledge;
    eventId: string;
    audit: EventAudit;
    operations: HistoryOp[];
  },
): Promise<HistoryAnalysis> {
  const { commit_order, missing } = await addCommitTimes(sql, run.operations);
  const tables = await readHistoryTables(sql, run.eventId);
  const contracted = new Map(run.audit.hotels.map((hotel) => [hotel.hotel_id, hotel.contracted]));
  return {
    info: { operations: run.operations.length, commit_order, missing },
    witnesses: findWitnesses({
      workload: run.workload,
      anomaly: run.knowledge.anomaly,
      operations: run.operations,
      tables,
      hotels: run.audit.hotels,
    }),
    check: checkHistory({ operations: run.operations, tables, contracted, skipReads: readsSkipped[run.workload] }),
    keptSafe: run.promisesSafety ? keptSafe(run.knowledge.safeguard, run.operations) : undefined,
  };
}
