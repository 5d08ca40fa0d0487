import type { ClientPlan } from '../../client-sim/client.js';
import type { Sql } from '../../db/connection.js';
import type { StrategyRegistry } from '../../strategies/registry.js';
import type { Inventory, StrategyInfo, StrategyKnowledge } from '../../strategies/types.js';
import type { RunConfig } from './run-config.js';
import type { EventAudit, SeededEvent } from './seeded-event.js';
import type { SettingsOf, WorkloadName, WorkloadSettings } from './workload-settings.js';

export { workloadNames, type WorkloadName } from './workload-settings.js';

/** One run's event, seeded, with what the clients and the audit need of it. */
export interface WorkloadRun {
  event: SeededEvent;
  /** The workload's own settings as used, for the result file. */
  settings: WorkloadSettings;
  plan: Pick<ClientPlan, 'holds' | 'slots' | 'tenants'>;
  /** The holds sweeper, expiring lapsed holds beside the clients; finish() after they stop makes its last pass. */
  sweeper?: { finish(signal?: AbortSignal): Promise<void> };
}

/** The audit of one run: rooms (overbooking, drift; empty for slots), counts by kind, and what went wrong. */
export interface WorkloadAudit {
  rooms: EventAudit;
  counts: Record<string, number>;
  /** Verdict labels such as "LEAKED HOLDS 3" or "OVERLAPS 12"; empty when all held. */
  problems: string[];
}

/** A workload, driven by its own settings (`W`'s). */
export interface Workload<W extends WorkloadName = WorkloadName> {
  name: W;
  summary: string;
  /** The strategies of `registry` that can run it. */
  strategiesIn(registry: StrategyRegistry): readonly StrategyInfo[];
  /**
   * What the analysis of a run's history knows of the strategy that decided its claims: the run's
   * strategy's own declarations (it is one of `strategiesIn`), or (tenants) those of the lock its
   * reservations go through.
   */
  knowledgeOf(strategy: StrategyInfo, settings: SettingsOf<W>): StrategyKnowledge | undefined;
  /**
   * Seeds a new event, named `eventName` when given (the warm-up's says so), its rooms kept in
   * `inventory` (the run's strategy's).
   */
  start(sql: Sql, config: RunConfig, settings: SettingsOf<W>, eventName?: string, inventory?: StrategyInfo['inventory']): Promise<WorkloadRun>;
  /**
   * `clientCounts`: what the clients counted, for an audit that needs their side (rows they were
   * given); `inventory`: the rows the run's strategy kept the rooms in.
   */
  audit(sql: Sql, eventId: string, clientCounts?: Record<string, number>, inventory?: Inventory): Promise<WorkloadAudit>;
}

/**
 * How a run is named in tables and progress lines: `atomic`, `holds:atomic`, `slots:exclusion`,
 * and `atomic (direct)` when its strategy was called in evento's process (--via direct).
 */
export const runLabel = (workload: WorkloadName, strategy: string, via?: string) =>
  `${workload === 'rooms' ? strategy : `${workload}:${strategy}`}${via === 'direct' ? ' (direct)' : ''}`;
