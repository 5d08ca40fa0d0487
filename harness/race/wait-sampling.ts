import { connect, type Sql } from '../../db/connection.js';
import { startLoop } from '../../lib/background-loop.js';

/**
 * Where the database's time went while the clients ran, by sampling pg_stat_activity: each
 * sample of a server backend that was busy (`active`) or held a transaction open (`idle in
 * transaction`) counts once under what it waited on (docs/where-time-goes.md).
 */
export interface DbTime {
  /** Snapshots of pg_stat_activity taken. */
  samples: number;
  interval_ms: number;
  /** Busy backends seen over all snapshots: what the shares divide. */
  backend_samples: number;
  /** By `wait_event_type:wait_event`, `CPU` (active, waiting on nothing) or `IdleInTransaction`; adding to 1, largest first. */
  shares: Record<string, number>;
}

/** An active backend that waits on nothing is running (or waiting for a core, which PostgreSQL cannot tell apart). */
export const cpuKey = 'CPU';
/**
 * A transaction held open while the database waits for the app tier's next statement: PostgreSQL
 * reports it as Client:ClientRead, as it does an idle session, so it gets a name of its own.
 */
export const idleInTransactionKey = 'IdleInTransaction';

interface BackendRow {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
}

/** What one sampled backend counts under; undefined when it was idle (not in a transaction). */
export function waitKey({ state, wait_event_type, wait_event }: BackendRow): string | undefined {
  if (state === 'idle in transaction' || state === 'idle in transaction (aborted)') return idleInTransactionKey;
  if (state !== 'active') return undefined;
  return wait_event_type && wait_event ? `${wait_event_type}:${wait_event}` : cpuKey;
}

/** Counts as shares of their sum, rounded to 4 decimals, largest first. */
export function sharesOf(counts: ReadonlyMap<string, number>): Record<string, number> {
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const sorted = [...counts].sort(([, a], [, b]) => b - a);
  return Object.fromEntries(sorted.map(([key, count]) => [key, Math.round((count / total) * 10_000) / 10_000]));
}

/** One run's sampling: stop() ends it and gives the run's db_time, or `hidden` when the role could not see the servers' wait events. */
export interface WaitSampling {
  stop(): Promise<DbTime | 'hidden'>;
}

/** The connection that samples, and the sampling of each run over it. */
export interface WaitSampler {
  /** Samples the backends named `applicationName` every `intervalMs` until stop(). */
  start(applicationName: string): WaitSampling;
  close(): Promise<void>;
}

/** One connection of its own, so that a sample never waits behind the harness's other queries. */
export function openWaitSampler(url: string, intervalMs: number): WaitSampler {
  const sql = connect(url, 1, 'evento-wait-sampler');
  return {
    start: (applicationName) => sampleWaits(sql, applicationName, intervalMs),
    close: () => sql.end({ timeout: 2 }),
  };
}

function sampleWaits(sql: Sql, applicationName: string, intervalMs: number): WaitSampling {
  const counts = new Map<string, number>();
  let samples = 0;
  // pg_stat_activity shows another role's sessions to a superuser or pg_read_all_stats, else with a null state.
  let hidden = false;
  let stepStartedAt = 0;
  const loop = startLoop(
    async () => {
      stepStartedAt = performance.now();
      const rows = await sql<BackendRow[]>`
        select state, wait_event_type, wait_event from pg_stat_activity where application_name = ${applicationName}
      `;
      samples += 1;
      for (const row of rows) {
        if (row.state === null) hidden = true;
        const key = waitKey(row);
        if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    },
    // Samples start `intervalMs` apart however long each one took, unless one took longer.
    () => Math.max(0, intervalMs - (performance.now() - stepStartedAt)),
  );
  return {
    async stop() {
      await loop.stop();
      if (hidden) return 'hidden';
      const backendSamples = [...counts.values()].reduce((sum, count) => sum + count, 0);
      return { samples, interval_ms: intervalMs, backend_samples: backendSamples, shares: backendSamples > 0 ? sharesOf(counts) : {} };
    },
  };
}

/**
 * The shares of several runs (a strategy's trials) as one: each key's mean share over the runs
 * that were sampled, largest first; empty when none was.
 */
export function meanShares(dbTimes: readonly (DbTime | null | undefined)[]): [string, number][] {
  const sampled = dbTimes.filter((dbTime) => dbTime && dbTime.backend_samples > 0) as DbTime[];
  const sums = new Map<string, number>();
  for (const { shares } of sampled) for (const [key, share] of Object.entries(shares)) sums.set(key, (sums.get(key) ?? 0) + share);
  return [...sums].map(([key, sum]): [string, number] => [key, sum / sampled.length]).sort(([, a], [, b]) => b - a);
}
