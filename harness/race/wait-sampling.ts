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

/**
 * The run's busy sessions in one snapshot, counted by the key each counts under: grouped by
 * PostgreSQL, so that a few rows cross per sample however many sessions the servers hold. A
 * session this role may not see has a null state, and so a null key.
 */
function busySessions(sql: Sql, applicationName: string) {
  // IdleInTransaction: a transaction held open while the database waits for the app tier's next
  // statement, which PostgreSQL reports as Client:ClientRead, as it does an idle session. CPU: an
  // active session waiting on nothing runs, or waits for a core, which PostgreSQL cannot tell apart.
  return sql<{ key: string | null; sessions: number }[]>`
    select case
        when state is null then null
        when state <> 'active' then 'IdleInTransaction'
        when wait_event is null then 'CPU'
        else wait_event_type || ':' || wait_event
      end as key,
      count(*)::int as sessions
    from pg_stat_activity
    where application_name = ${applicationName}
      and (state is null or state in ('active', 'idle in transaction', 'idle in transaction (aborted)'))
    group by 1
  `;
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
      const keys = await busySessions(sql, applicationName);
      samples += 1;
      for (const { key, sessions } of keys) {
        if (key === null) hidden = true;
        else counts.set(key, (counts.get(key) ?? 0) + sessions);
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
