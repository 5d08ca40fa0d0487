import type { Sql } from '../../db/connection.js';
import type { Inventory } from '../../strategies/types.js';
import { projectPath } from '../model/paths.js';
import type { Workload, WorkloadAudit, WorkloadName } from '../model/workload.js';
import type { WorkloadSettings } from '../model/workload-settings.js';
import { holdsWorkload, roomsWorkload } from './room-workloads.js';
import { slotsWorkload } from './slots-workload.js';
import { tenantsWorkload } from './tenants-workload.js';

export const workloads: { [W in WorkloadName]: Workload<W> } = {
  rooms: roomsWorkload,
  holds: holdsWorkload,
  slots: slotsWorkload,
  tenants: tenantsWorkload,
};

/**
 * The workload that `settings` are for, taking them: each workload takes only its own settings,
 * which TypeScript cannot tie to an index by their `workload`.
 */
export const workloadOf = (settings: WorkloadSettings) => workloads[settings.workload] as Workload;

/**
 * The workload's audit, plus what any workload can suffer once clients resend lost requests:
 * a request applied twice (sql/audit-duplicates.sql).
 */
export async function auditRun(
  sql: Sql,
  workload: Pick<Workload, 'audit'>,
  eventId: string,
  clientCounts: Record<string, number> = {},
  inventory?: Inventory,
): Promise<WorkloadAudit> {
  const audit = await workload.audit(sql, eventId, clientCounts, inventory);
  const [{ duplicates }] = await sql.file<[{ duplicates: number }]>(projectPath('sql/audit-duplicates.sql'), [eventId]);
  return {
    rooms: audit.rooms,
    counts: { ...audit.counts, duplicates },
    problems: [...audit.problems, ...(duplicates > 0 ? [`DUPLICATES ${duplicates}`] : [])],
  };
}
