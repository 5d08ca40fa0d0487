import type { OpenLoopPlan } from '../../client-sim/arrivals.js';
import type { Shard } from '../../client-sim/shard.js';
import type { ChaosConfig } from './faults.js';
import type { RetrySettings } from './workload-settings.js';

/** A pause drawn from [min, max] ms; `text` is how the user wrote it ("0-300"). */
export interface ThinkRange {
  min: number;
  max: number;
  text: string;
}

/**
 * Everything a race's runs share, as the program uses it; the result file names it in snake_case
 * (harness/race/result.ts `paramsOf`). Each run's workload settings are its own (`RaceRun.settings`).
 */
export interface RunConfig {
  clients: number;
  servers: number;
  hotels: number;
  rooms: number;
  maxRooms: number;
  thinkMs: ThinkRange;
  seed: number;
  pick: 'first' | 'random';
  inFlight: number;
  poolSize: number;
  /** Each run's clients stop after this long instead of at sell-out. */
  durationMs?: number;
  /** Unmeasured load before the race's first run; 0 or unset: none. */
  warmupMs?: number;
  /** A run whose clients have not stopped after this long is stopped and reported as timed out. */
  timeoutMs: number;
  /** A client gives up on one HTTP request after this long (30 s when unset). */
  requestTimeoutMs?: number;
  /** Lost responses and the resends they cause; unset when no response is ever lost. */
  retries?: RetrySettings;
  /** What sits between the servers and the database; none when unset. */
  pooler?: PoolerName;
  /** Faults injected while the clients run (--chaos); unset without. */
  chaos?: ChaosConfig;
  /** Record every operation (--history): each result then has its history, witnesses and check. */
  history?: boolean;
  /** Attempts start on a schedule (--rate); unset: the closed loop, each client sending again once answered. */
  openLoop?: OpenLoopPlan;
  /** Left out of the measured window at the start of a fixed-time or open-loop run (--ramp). */
  rampMs?: number;
  /** Run only this shard's clients (--shard i/N); every client when unset. */
  shard?: Shard;
  /** How long each server gathers a hotel's claims for a strategy that batches (--batch-ms); its default when unset. */
  batchMs?: number;
  /** How often the database's waits are sampled while the clients run (--sample-ms); 0 or unset: never. */
  sampleMs?: number;
  /** Node flags for the server processes alone (`--cpu-prof`, to profile them); none when unset. */
  serverNodeArgs?: string[];
}

/** How the clients' requests reach the strategies: through the server processes, or called in evento's own process. */
export const vias = ['http', 'direct'] as const;

export type Via = (typeof vias)[number];

export const poolerNames = ['none', 'pgbouncer'] as const;

export type PoolerName = (typeof poolerNames)[number];

/** What the result file says of the pooler the servers went through. */
export interface PoolerInfo {
  name: 'pgbouncer';
  version: string;
  pool_mode: 'transaction';
  /** Whether postgres.js prepared its statements behind it: never, since PgBouncer before 1.21 does not keep them. */
  prepared_statements: boolean;
}
