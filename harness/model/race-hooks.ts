import type { HistoryOp } from '../../client-sim/history.js';
import type { MetricsSnapshot } from '../../client-sim/metrics.js';
import type { StrategyInfo } from '../../strategies/types.js';
import type { HotelOutcome, StrategyResult } from './result-schema.js';
import type { PoolerInfo, Via } from './run-config.js';
import type { SeededEvent } from './seeded-event.js';
import type { WorkloadName } from './workload.js';

/** How a progress view follows a race; every argument is plain data. */
export interface RaceHooks {
  /**
   * `host` is where the database listens, without credentials. `servers` and `serverPids` are the
   * fleet's own lists, kept current as servers are replaced (--chaos kill-server); `pooler` says
   * what sits between the servers and the database, when something does.
   */
  onReady?(info: {
    database: 'embedded' | 'url';
    host: string;
    servers: string[];
    serverPids: readonly number[];
    pooler?: { info: PoolerInfo; port: number };
    directPools?: number;
  }): void;
  /** The warm-up begins; no result comes of it. */
  onWarmup?(info: { ms: number }): void;
  /**
   * A run's event is seeded and its clients are about to start: the race waits for what this
   * returns, so that a caller can act on the event first. `workload` is always set by the race;
   * views written before workloads may ignore it.
   */
  onStart?(info: { strategy: StrategyInfo; workload?: WorkloadName; via?: Via; event: SeededEvent }): void | Promise<void>;
  onTick?(info: { strategy: StrategyInfo; snapshot: MetricsSnapshot }): void;
  /** Per-hotel audit on each tick; only when set does the race query the tables mid-run. */
  onAudit?(info: { strategy: StrategyInfo; hotels: HotelOutcome[] }): void;
  /** Each line a server prints; without it, servers print to evento's own stdout and stderr. */
  onServerOutput?: (line: string) => void;
  /** `history`: every operation of the run, when it was recorded (--history). */
  onResult?(result: StrategyResult, history?: HistoryOp[]): void | Promise<void>;
}
