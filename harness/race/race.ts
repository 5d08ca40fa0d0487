import { runLoad, type LoadOptions, type LoadResult } from '../../client-sim/runner.js';
import type { Sql } from '../../db/connection.js';
import { notDeclared, type StrategyInfo } from '../../strategies/types.js';
import { meanOfEncoded, summarizeAppPhases } from '../analysis/app-phases.js';
import { describeUrl, openDatabase, type Database } from '../database/database.js';
import { startPgBouncer, type Pooler } from '../database/pooler.js';
import { tenantRoleUrl } from '../database/tenant-role.js';
import { analyseHistory } from '../history/history-analysis.js';
import { EnvironmentError } from '../model/errors.js';
import type { RaceHooks } from '../model/race-hooks.js';
import type { StrategyResult, SweepCoordinates, TrialInfo } from '../model/result-schema.js';
import type { PoolerInfo, RunConfig, Via } from '../model/run-config.js';
import type { WorkloadRun } from '../model/workload.js';
import type { WorkloadSettings } from '../model/workload-settings.js';
import { liveAudit } from '../workloads/live-audit.js';
import { replayLog } from '../workloads/replay.js';
import { auditRun, workloadOf } from '../workloads/workloads.js';
import { startChaos } from './chaos.js';
import { openDirectServers, type DirectFleet } from './direct.js';
import { buildResult, paramsOf } from './result.js';
import { startServers, type ServerFleet } from './servers.js';
import { openWaitSampler, type WaitSampler, type WaitSampling } from './wait-sampling.js';

/** One strategy under one workload; a race is a list of them, in any mix. */
export interface RaceRun {
  /** Which workload the clients run, with its own settings. */
  settings: WorkloadSettings;
  strategy: StrategyInfo;
  /** This run's seed instead of the race's (config.seed), e.g. for many runs of one scenario. */
  seed?: number;
  /** How its clients' requests reach the strategy; http when unset. */
  via?: Via;
}

export interface RaceOptions {
  runs: RaceRun[];
  config: RunConfig;
  /** Trials of every run, interleaved (A B C A B C …); 1 when unset. */
  trials?: number;
  /** How often onTick (and onAudit) fire; 1 s when unset. */
  tickMs?: number;
  databaseUrl?: string;
  /** An open database to use instead of opening one (a sweep's points share it); the caller closes it. */
  database?: Database;
  /** The sweep point these runs belong to, recorded in every result. */
  sweep?: SweepCoordinates;
  /** Stops the current strategy's clients; what was written is still audited and reported. */
  signal?: AbortSignal;
  hooks?: RaceHooks;
}

export interface RaceOutcome {
  results: StrategyResult[];
  stoppedBy: 'done' | 'timeout' | 'interrupted';
}

/** One run's audited result, and why its clients stopped. */
export interface Trial {
  result: StrategyResult;
  stoppedBy: LoadResult['stoppedBy'];
}

/** A race's database and servers, ready for the unmeasured warm-up and for any number of trials. */
export interface PreparedRace {
  warmUp(): Promise<void>;
  /** One run on a fresh event, audited from the tables; its seed is the trial's unless the run names one. */
  runTrial(run: RaceRun, trial: TrialInfo): Promise<Trial>;
  close(): Promise<void>;
}

/**
 * Trial k of every run has the same seed, so every strategy meets the same demand; trial 1's is
 * the race's, so `--seed` replays it.
 */
export const trialSeed = (raceSeed: number, index: number) => (raceSeed + index - 1) % 2 ** 31;

/**
 * Every run's trials, interleaved (A B C A B C …) so that a drift in the host's speed falls on
 * every strategy alike rather than on whichever ran last.
 */
export function trialOrder<T>(runs: T[], trials: number, raceSeed: number): { run: T; trial: TrialInfo }[] {
  return Array.from({ length: trials }, (_, k) => k + 1).flatMap((index) =>
    runs.map((run, at) => ({ run, trial: { index, count: trials, seed: trialSeed(raceSeed, index), position: (index - 1) * runs.length + at } })),
  );
}

/**
 * Opens the database, checks that it can run every strategy (before any server starts, so a
 * missing extension is an environment error, not a crashed run) and starts the servers.
 */
export async function prepareRace(options: RaceOptions): Promise<PreparedRace> {
  const { config, runs, hooks = {} } = options;
  const database = options.database ?? (await openDatabase(options.databaseUrl));
  const closeDatabase = () => (options.database ? Promise.resolve() : database.close());
  const vias = new Set(runs.map(({ via = 'http' }) => via));
  let fleet: ServerFleet | undefined;
  let direct: DirectFleet | undefined;
  let pooler: Pooler | undefined;
  try {
    for (const { strategy } of runs) {
      const missing = await strategy.unavailable?.(database.sql);
      if (missing) throw new EnvironmentError(missing);
    }
    const tenantUrl = runs.some(({ settings }) => settings.workload === 'tenants') ? await tenantRoleUrl(database.sql, database.url) : undefined;
    const urls = [database.url, ...(tenantUrl ? [tenantUrl] : [])];
    pooler = config.pooler === 'pgbouncer' ? await startPgBouncer(urls, config.servers * config.poolSize, config.servers * config.poolSize) : undefined;
    const [serverUrl = database.url, serverTenantUrl] = pooler?.urls ?? urls;
    const { chaos } = config;
    const serverOptions = {
      idempotency: config.retries?.idempotency ?? (historyIdsOnly(config) ? false : undefined),
      readPauseMs: chaos?.faults.includes('slow-db') ? chaos.latencyMs : undefined,
      batchMs: config.batchMs,
      prepare: !pooler,
      chaos: chaos !== undefined,
      output: hooks.onServerOutput,
      strategyModules: [...new Set(runs.flatMap(({ strategy }) => (strategy.module ? [strategy.module] : [])))],
    };
    if (vias.has('direct')) direct = await openDirectServers(config.servers, serverUrl, config.poolSize, serverOptions);
    if (vias.has('http')) {
      fleet = await startServers(config.servers, serverUrl, config.poolSize, {
        ...serverOptions,
        tenantDatabaseUrl: serverTenantUrl,
        nodeArgs: config.serverNodeArgs,
      });
    }
  } catch (error) {
    await direct?.close();
    await pooler?.stop();
    await closeDatabase();
    throw error;
  }
  hooks.onReady?.({
    database: database.kind,
    host: describeUrl(database.url),
    servers: fleet?.urls ?? [],
    serverPids: fleet?.pids ?? [],
    ...(pooler && { pooler: { info: pooler.info, port: pooler.port } }),
    ...(direct && { directPools: config.servers }),
  });
  const sampler = config.sampleMs ? openWaitSampler(database.url, config.sampleMs) : undefined;
  const paths = { http: fleet, direct };
  const shared: SharedLoad = {
    clients: config.clients,
    shard: config.shard,
    inFlight: config.inFlight,
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
    signal: options.signal,
  };
  return {
    async warmUp() {
      if (!config.warmupMs) return;
      hooks.onWarmup?.({ ms: config.warmupMs });
      await warmUp(database.sql, runs, options, shared, paths, config.warmupMs);
    },
    runTrial: (run, trial) => runTrial({ database, paths, shared, options, pooler: pooler?.info, sampler }, run, trial),
    async close() {
      try {
        await Promise.all([fleet?.stop(), direct?.close()]);
      } finally {
        await sampler?.close();
        await pooler?.stop();
        await closeDatabase();
      }
    },
  };
}

/**
 * Strategies one after another, each on a fresh event, against the same database and the same
 * server processes: seed, run the clients, audit from the tables.
 */
export async function runRace(options: RaceOptions): Promise<RaceOutcome> {
  const race = await prepareRace(options);
  try {
    await race.warmUp();
    const results: StrategyResult[] = [];
    for (const { run, trial } of trialOrder(options.runs, options.trials ?? 1, options.config.seed)) {
      if (options.signal?.aborted) return { results, stoppedBy: 'interrupted' };
      const { result, stoppedBy } = await race.runTrial(run, trial);
      results.push(result);
      if (stoppedBy === 'timeout' || stoppedBy === 'interrupted') return { results, stoppedBy };
    }
    return { results, stoppedBy: 'done' };
  } finally {
    await race.close();
  }
}

/** The servers of each path a race's runs take; unset for a path none of them takes. */
interface Paths {
  http: ServerFleet | undefined;
  direct: DirectFleet | undefined;
}

/**
 * Where a run's clients send their requests, whom faults kill, and whose connections are the
 * servers': the server processes, or the pools in this process, which have no process to kill.
 */
function pathOf(paths: Paths, via: Via = 'http') {
  const { http, direct } = paths;
  if (via === 'direct' && direct) {
    const servers = {
      urls: [],
      applicationName: direct.applicationName,
      leaseMs: direct.leaseMs,
      crashes: () => 0,
      replace: () => Promise.reject(new Error('--via direct has no server process to kill')),
      takePhases: () => direct.takePhases(),
    };
    return { load: { serverUrls: [], direct: direct.servers }, servers, replaceable: undefined };
  }
  if (via === 'http' && http) return { load: { serverUrls: http.urls }, servers: http, replaceable: http };
  throw new Error(`the race did not open its ${via} path`);
}

/** What every trial of a race runs on. */
interface RaceSetting {
  database: Database;
  paths: Paths;
  shared: SharedLoad;
  options: RaceOptions;
  pooler: PoolerInfo | undefined;
  /** Unset with --sample-ms 0. */
  sampler: WaitSampler | undefined;
}

async function runTrial({ database, paths, shared, options, pooler, sampler }: RaceSetting, raceRun: RaceRun, trial: TrialInfo): Promise<Trial> {
  const { config, hooks = {} } = options;
  const { settings, strategy, seed = trial.seed, via = 'http' } = raceRun;
  const { workload: name } = settings;
  const { load: route, servers: fleet, replaceable } = pathOf(paths, via);
  const { chaos } = config;
  const workload = workloadOf(settings);
  const startedAt = new Date();
  const run = await workload.start(database.sql, config, settings, undefined, strategy.inventory);
  const { event } = run;
  await hooks.onStart?.({ strategy, workload: name, via, event });
  const live = hooks.onAudit && liveAudit(database.sql, event.event_id, strategy.inventory, (hotels) => hooks.onAudit?.({ strategy, hotels }));
  // Started with the clients, once their connections are open: faults are injected while they run.
  let faults: ReturnType<typeof startChaos> | undefined;
  let waits: WaitSampling | undefined;
  let sampled: Awaited<ReturnType<WaitSampling['stop']>> | undefined;
  let load: LoadResult;
  // What the servers timed before (the warm-up, earlier trials) is not this run's.
  await fleet.takePhases();
  try {
    load = await runLoad({
      ...shared,
      ...route,
      plan: {
        ...basePlan(config, strategy, run),
        thinkMs: config.thinkMs,
        seed,
        // Under faults every claim carries a request_id, so the audit can reconcile those left in doubt.
        requestIds: chaos !== undefined,
        history: config.history,
        resend: config.retries && { dropResponses: config.retries.drop_responses, clientTimeoutMs: config.retries.client_timeout_ms ?? undefined },
      },
      timeoutMs: config.timeoutMs,
      durationMs: config.durationMs,
      openLoop: config.openLoop,
      rampMs: config.rampMs,
      history: config.history,
      tickMs: options.tickMs,
      replaceableServers: chaos && replaceable,
      onClientsStart: () => {
        faults = chaos && startChaos(chaos, fleet, database.sql, seed);
        waits = sampler?.start(fleet.applicationName);
      },
      onTick: (snapshot) => {
        hooks.onTick?.({ strategy, snapshot });
        live?.tick();
      },
    });
  } finally {
    sampled = await waits?.stop();
    await faults?.stop();
    // The sweeper's last pass, so that the audit finds no hold left behind.
    await run.sweeper?.finish(options.signal);
  }
  const phases = await fleet.takePhases();
  await live?.settle();
  const chaosOutcome = await faults?.finish(event.event_id, load.writes);
  const audit = await auditRun(database.sql, workload, event.event_id, load.counts, strategy.inventory);
  const knowledge = workload.knowledgeOf(strategy, settings) ?? { safeguard: notDeclared, anomaly: notDeclared };
  // Only a strategy that writes the log is expected to agree with its replay.
  const logReplay = knowledge.eventSourced ? await replayLog(database.sql, event.event_id) : undefined;
  const history =
    load.history &&
    (await analyseHistory(database.sql, {
      workload: name,
      promisesSafety: strategy.promisesSafety,
      knowledge,
      eventId: event.event_id,
      audit: audit.rooms,
      operations: load.history,
    }));
  const result = buildResult({
    strategy,
    params: paramsOf(config, { strategy: strategy.name, settings: run.settings, seed, pooler, via, batches: strategy.batches }),
    startedAt,
    database: { kind: database.kind, postgresVersion: database.postgresVersion },
    eventId: event.event_id,
    load,
    audit,
    logReplay,
    chaos: chaosOutcome,
    trial: { ...trial, seed },
    history,
    dbTime: sampled === 'hidden' ? null : sampled,
    appPhases: summarizeAppPhases(phases, meanOfEncoded(load.histograms.latency_us, load.snapshot.requests)),
  });
  if (options.sweep) result.sweep = options.sweep;
  await hooks.onResult?.(result, load.history);
  return { result, stoppedBy: load.stoppedBy };
}

/** What every load of a race shares, warm-up or measured. */
type SharedLoad = Pick<LoadOptions, 'clients' | 'shard' | 'inFlight' | 'requestTimeoutMs' | 'signal'>;

/**
 * A history gives every claim a request_id to name it by; when nothing is ever resent, the
 * servers only record it rather than pay for remembering its answer.
 */
const historyIdsOnly = (config: RunConfig) => config.history === true && !config.retries && !config.chaos;

/** What every client plan of a run holds, measured or not. */
function basePlan(config: RunConfig, strategy: StrategyInfo, run: WorkloadRun) {
  return { eventId: run.event.event_id, strategy: strategy.name, maxRooms: config.maxRooms, pick: config.pick, ...run.plan };
}

/** Per hotel in the warm-up's event: more than its clients can book, so they never stop early. */
const warmupRooms = 1_000_000;

/** The same where every room is a row of its own: a warm-up's share sells far fewer, and a million rows would take seconds to seed. */
const warmupRoomUnits = 20_000;

/**
 * Unmeasured load before the first run: each run's strategy in turn, for an equal share of
 * `warmupMs`, on a throwaway event whose rooms never sell out, at think 0 and over random hotels
 * so that locks do not slow it. Node compiles hot code only after it has run it many times, in
 * each process: cold, the first run paid for that and the race's later runs did not
 * (figures in docs/performance.md).
 */
async function warmUp(sql: Sql, runs: RaceRun[], options: RaceOptions, shared: SharedLoad, paths: Paths, warmupMs: number) {
  const { config } = options;
  const share = Math.max(1, Math.round(warmupMs / runs.length));
  for (const { settings, strategy, via } of runs) {
    if (options.signal?.aborted) return;
    const rooms = strategy.inventory === 'room_units' ? warmupRoomUnits : warmupRooms;
    const run = await workloadOf(settings).start(
      sql,
      { ...config, rooms },
      settings,
      `evento warm-up ${new Date().toISOString()} (not measured)`,
      strategy.inventory,
    );
    try {
      await runLoad({
        ...shared,
        ...pathOf(paths, via).load,
        // A run that records a history warms the code that records it too; the warm-up's own is dropped.
        plan: { ...basePlan(config, strategy, run), thinkMs: { min: 0, max: 0 }, pick: 'random', seed: config.seed, history: config.history },
        timeoutMs: share + config.timeoutMs,
        durationMs: share,
        history: config.history,
      });
    } finally {
      await run.sweeper?.finish(options.signal);
    }
  }
}
