import type { MetricsSnapshot } from '../client-sim/metrics.js';
import { runLoad, type LoadOptions, type LoadResult } from '../client-sim/runner.js';
import type { Sql } from '../server/db.js';
import type { Strategy, StrategyInfo } from '../strategies/types.js';
import { startChaos } from './chaos.js';
import { describeUrl, openDatabase } from './database.js';
import { EnvironmentError } from './errors.js';
import type { SeededEvent } from './event.js';
import { liveAudit } from './live-audit.js';
import { replayLog } from './replay.js';
import { buildResult, type HotelOutcome, type RunParams, type StrategyResult } from './result.js';
import { startServers } from './servers.js';
import { auditRun, workloads, type WorkloadName, type WorkloadRun } from './workloads.js';

/** One strategy under one workload; a race is a list of them, in any mix. */
export interface RaceRun {
  workload: WorkloadName;
  strategy: StrategyInfo;
  /** This run's seed instead of the race's (params.seed), e.g. for many runs of one scenario. */
  seed?: number;
}

export interface RaceOptions {
  /** Shorthand for runs of the rooms workload; `runs` takes precedence. */
  strategies?: Strategy[];
  runs?: RaceRun[];
  params: Omit<RunParams, 'strategy'>;
  thinkMs: { min: number; max: number };
  timeoutMs: number;
  /** Each strategy's clients stop after this long instead of at sell-out. */
  durationMs?: number;
  /** Unmeasured load before the first run, so every process has compiled its hot paths (see warmUp). */
  warmupMs?: number;
  requestTimeoutMs?: number;
  /** How often onTick (and onAudit) fire; 1 s when unset. */
  tickMs?: number;
  databaseUrl?: string;
  /** Stops the current strategy's clients; what was written is still audited and reported. */
  signal?: AbortSignal;
  hooks?: RaceHooks;
}

/** How a progress view follows a race; every argument is plain data. */
export interface RaceHooks {
  /** `host` is where the database listens, without credentials. */
  onReady?(info: { database: 'embedded' | 'url'; host: string; servers: string[] }): void;
  /** The warm-up begins; no result comes of it. */
  onWarmup?(info: { ms: number }): void;
  /** `workload` is always set by the race; views written before workloads may ignore it. */
  onStart?(info: { strategy: StrategyInfo; workload?: WorkloadName; event: SeededEvent }): void;
  onTick?(info: { strategy: StrategyInfo; snapshot: MetricsSnapshot }): void;
  /** Per-hotel audit on each tick; only when set does the race query the tables mid-run. */
  onAudit?(info: { strategy: StrategyInfo; hotels: HotelOutcome[] }): void;
  onResult?(result: StrategyResult): void | Promise<void>;
}

export interface RaceOutcome {
  results: StrategyResult[];
  stoppedBy: 'done' | 'timeout' | 'interrupted';
}

/**
 * Strategies one after another, each on a fresh event, against the same database and the same
 * server processes: seed, run the clients, audit from the tables.
 */
export async function runRace(options: RaceOptions): Promise<RaceOutcome> {
  const { params, hooks = {} } = options;
  const runs: RaceRun[] = options.runs ?? (options.strategies ?? []).map((strategy) => ({ workload: 'rooms', strategy }));
  // Each result names only its own workload's parameters.
  const { holds: _holds, slots: _slots, ...common } = params;
  const database = await openDatabase(options.databaseUrl);
  try {
    // Before any server starts: a strategy this database cannot run is an environment error.
    for (const { strategy } of runs) {
      const missing = await strategy.unavailable?.(database.sql);
      if (missing) throw new EnvironmentError(missing);
    }
    const { chaos } = params;
    const fleet = await startServers(params.servers, database.url, params.pool_size, {
      idempotency: params.retries?.idempotency,
      readPauseMs: chaos?.faults.includes('slow-db') ? chaos.latency_ms ?? undefined : undefined,
    });
    try {
      hooks.onReady?.({ database: database.kind, host: describeUrl(database.url), servers: fleet.urls });
      const shared: SharedLoad = {
        serverUrls: fleet.urls,
        clients: params.clients,
        inFlight: params.in_flight,
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        signal: options.signal,
      };
      if (options.warmupMs) {
        hooks.onWarmup?.({ ms: options.warmupMs });
        await warmUp(database.sql, runs, options, shared, options.warmupMs);
      }
      const results: StrategyResult[] = [];
      for (const { workload: name, strategy, seed = params.seed } of runs) {
        if (options.signal?.aborted) return { results, stoppedBy: 'interrupted' };
        const workload = workloads[name];
        const startedAt = new Date();
        const run = await workload.start(database.sql, params);
        const { event } = run;
        hooks.onStart?.({ strategy, workload: name, event });
        const live = hooks.onAudit && liveAudit(database.sql, event.event_id, (hotels) => hooks.onAudit?.({ strategy, hotels }));
        // Started with the clients, once their connections are open: faults are injected while they run.
        let faults: ReturnType<typeof startChaos> | undefined;
        let load: LoadResult;
        try {
          load = await runLoad({
            ...shared,
            plan: {
              ...basePlan(params, strategy, run),
              thinkMs: options.thinkMs,
              seed,
              // Under faults every claim carries a request_id, so the audit can reconcile those left in doubt.
              requestIds: chaos !== undefined,
              resend: params.retries && {
                dropResponses: params.retries.drop_responses,
                clientTimeoutMs: params.retries.client_timeout_ms ?? undefined,
              },
            },
            timeoutMs: options.timeoutMs,
            durationMs: options.durationMs,
            tickMs: options.tickMs,
            replaceableServers: chaos && fleet,
            onClientsStart: () => {
              faults = chaos && startChaos(chaos, fleet, database.sql, seed);
            },
            onTick: (snapshot) => {
              hooks.onTick?.({ strategy, snapshot });
              live?.tick();
            },
          });
        } finally {
          await faults?.stop();
          // The sweeper's last pass, so that the audit finds no hold left behind.
          await run.beside?.finish(options.signal);
        }
        await live?.settle();
        const chaosOutcome = await faults?.finish(event.event_id, load.writes);
        const audit = await auditRun(database.sql, workload, event.event_id);
        // Only a strategy that writes the log is expected to agree with its replay.
        const logReplay = 'eventSourced' in strategy && strategy.eventSourced ? await replayLog(database.sql, event.event_id) : undefined;
        const result = buildResult({
          strategy,
          params: { strategy: strategy.name, ...common, seed, workload: name, ...run.params },
          startedAt,
          database: { kind: database.kind, postgresVersion: database.postgresVersion },
          eventId: event.event_id,
          load,
          audit,
          logReplay,
          chaos: chaosOutcome,
        });
        results.push(result);
        await hooks.onResult?.(result);
        if (load.stoppedBy === 'timeout' || load.stoppedBy === 'interrupted') return { results, stoppedBy: load.stoppedBy };
      }
      return { results, stoppedBy: 'done' };
    } finally {
      await fleet.stop();
    }
  } finally {
    await database.close();
  }
}

/** What every load of a race shares, warm-up or measured. */
type SharedLoad = Pick<LoadOptions, 'serverUrls' | 'clients' | 'inFlight' | 'requestTimeoutMs' | 'signal'>;

/** What every client plan of a run holds, measured or not. */
function basePlan(params: RaceOptions['params'], strategy: StrategyInfo, run: WorkloadRun) {
  return { eventId: run.event.event_id, strategy: strategy.name, maxRooms: params.max_rooms, pick: params.pick, ...run.plan };
}

/** Per hotel in the warm-up's event: more than its clients can book, so they never stop early. */
const warmupRooms = 1_000_000;

/**
 * Unmeasured load before the first run: each run's strategy in turn, for an equal share of
 * `warmupMs`, on a throwaway event whose rooms never sell out, at think 0 and over random hotels
 * so that locks do not slow it. Node compiles hot code only after it has run it many times, in
 * each process: cold, the first run paid for that (naive at 500 clients, 2,000 rooms, 4 servers:
 * 2.1 s cold, 1.46 s after 2 s of warm-up) and the race's later runs did not.
 */
async function warmUp(sql: Sql, runs: RaceRun[], options: RaceOptions, shared: SharedLoad, warmupMs: number) {
  const { params } = options;
  const share = Math.max(1, Math.round(warmupMs / runs.length));
  for (const { workload: name, strategy } of runs) {
    if (options.signal?.aborted) return;
    const run = await workloads[name].start(sql, { ...params, rooms: warmupRooms }, `evento warm-up ${new Date().toISOString()} (not measured)`);
    try {
      await runLoad({
        ...shared,
        plan: { ...basePlan(params, strategy, run), thinkMs: { min: 0, max: 0 }, pick: 'random', seed: params.seed },
        timeoutMs: share + options.timeoutMs,
        durationMs: share,
      });
    } finally {
      await run.beside?.finish(options.signal);
    }
  }
}
