import { cpus } from 'node:os';
import type { LoadResult } from '../../client-sim/runner.js';
import { defaultBatchMs } from '../../strategies/batch.js';
import { countsBySqlstate } from '../../strategies/sqlstate.js';
import type { StrategyInfo } from '../../strategies/types.js';
import type { AppPhases } from '../analysis/app-phases.js';
import { verdictOf } from '../analysis/verdict.js';
import { historyFileOf } from '../history/history.js';
import type { HistoryAnalysis } from '../history/history-analysis.js';
import type { ChaosOutcome } from '../model/faults.js';
import { toolVersion } from '../model/paths.js';
import { perReservation, perSecond, resultFormat, type RunParams, type StrategyResult, type TrialInfo } from '../model/result-schema.js';
import type { PoolerInfo, RunConfig, Via } from '../model/run-config.js';
import { hotelOutcomes } from '../model/seeded-event.js';
import type { WorkloadAudit } from '../model/workload.js';
import type { WorkloadSettings } from '../model/workload-settings.js';
import { resultFileName } from '../results/results-file.js';
import type { LogReplay } from '../workloads/replay.js';
import type { DbTime } from './wait-sampling.js';

/**
 * The run's configuration as the result file names it: the one place camelCase becomes snake_case.
 * The workload's settings (as used) already bear the file's names and go in as they are.
 */
export function paramsOf(
  config: RunConfig,
  run: { strategy: string; settings: WorkloadSettings; seed: number; pooler?: PoolerInfo; via?: Via; batches?: boolean },
): RunParams {
  const { retries, chaos } = config;
  return {
    strategy: run.strategy,
    clients: config.clients,
    servers: config.servers,
    hotels: config.hotels,
    rooms: config.rooms,
    max_rooms: config.maxRooms,
    think_ms: config.thinkMs.text,
    seed: run.seed,
    pick: config.pick,
    in_flight: config.inFlight,
    pool_size: config.poolSize,
    duration_ms: config.durationMs,
    warmup_ms: config.warmupMs,
    ...run.settings,
    pooler: run.pooler,
    via: run.via ?? 'http',
    retries,
    chaos: chaos && { faults: chaos.faults, every_ms: chaos.everyMs, latency_ms: chaos.latencyMs ?? null },
    shard: config.shard && { index: config.shard.index, count: config.shard.count },
    // Only where they apply, so that a closed-loop run's parameters read as they always have (compare pairs by them).
    ...(config.openLoop && {
      rate: config.openLoop.rate,
      arrivals: config.openLoop.arrivals,
      latency_limit_ms: config.openLoop.latencyLimitMs ?? null,
    }),
    ...(config.rampMs !== undefined && config.rampMs > 0 && { ramp_ms: config.rampMs }),
    ...(config.sampleMs !== undefined && { sample_ms: config.sampleMs }),
    ...(run.batches && { batch_ms: config.batchMs ?? defaultBatchMs }),
  };
}

/** A run shorter than this keeps its counts by tenth of a second too. */
const fineSeriesUnderMs = 10_000;

export function buildResult(input: {
  strategy: StrategyInfo;
  params: RunParams;
  startedAt: Date;
  database: { kind: StrategyResult['environment']['database']; postgresVersion: string };
  eventId: string;
  load: LoadResult;
  audit: WorkloadAudit;
  /** For a strategy that writes the event log. */
  logReplay?: LogReplay;
  chaos?: ChaosOutcome;
  trial: TrialInfo;
  /** With --history. */
  history?: HistoryAnalysis;
  /** With wait sampling: null when the role could not see the servers' sessions. */
  dbTime?: DbTime | null;
  /** From evento's own servers, when they timed any reservation. */
  appPhases?: AppPhases;
}): StrategyResult {
  const { snapshot } = input.load;
  const { rooms: audit, counts } = input.audit;
  const logMismatch = input.logReplay?.log_mismatch ?? null;
  const chaos = input.chaos ?? null;
  const { history } = input;
  const startedAt = input.startedAt.toISOString();
  // A fixed-time or open-loop run is measured over its steady window; a run to sell-out over all of it.
  const { window } = input.load;
  const windowed = window && (input.params.duration_ms !== undefined || input.params.rate !== undefined) ? window : undefined;
  const goodput = windowed ? perSecond(windowed.reservations, windowed.toMs - windowed.fromMs) : perSecond(audit.reservations, snapshot.elapsedMs);
  const { openLoop } = input.load;
  // A write no client was told of, an answer the tables lost or a request id held for good is wrong whatever the strategy.
  const problems = [
    ...input.audit.problems,
    ...(chaos && chaos.unaccounted > 0 ? [`UNACCOUNTED ${chaos.unaccounted}`] : []),
    ...(chaos && chaos.lost > 0 ? [`LOST ${chaos.lost}`] : []),
    ...(chaos && chaos.stuck > 0 ? [`STUCK ${chaos.stuck}`] : []),
  ];
  return {
    format: resultFormat,
    tool: { name: 'evento', version: toolVersion },
    workload: input.params.workload ?? 'rooms',
    started_at: startedAt,
    params: input.params,
    environment: {
      node: process.versions.node,
      postgres: input.database.postgresVersion,
      cpus: cpus().length,
      database: input.database.kind,
    },
    event_id: input.eventId,
    trial: input.trial,
    outcome: {
      requests: snapshot.requests,
      reservations: audit.reservations,
      rooms_reserved: audit.confirmed + audit.held,
      contracted: audit.contracted,
      overbooked_rooms: audit.overbooked,
      drift: audit.drift,
      conflicts: snapshot.conflicts,
      conflicts_by_reason: input.load.conflictsByReason,
      conflicts_by_sqlstate: countsBySqlstate(input.load.conflictsByReason),
      attempts_per_reservation: input.load.attemptsPerReservation,
      retried_attempts_ms: input.load.retriedAttemptsMs,
      ...(input.dbTime !== undefined && { db_time: input.dbTime }),
      ...(input.appPhases && { app_phases: input.appPhases }),
      retries: snapshot.retries,
      insufficient: snapshot.insufficient,
      refused_while_available: input.load.counts.refused_while_available ?? 0,
      unsold_rooms: Math.max(0, audit.contracted - (audit.confirmed + audit.held)),
      errors: snapshot.errorsTotal,
      errors_by_kind: snapshot.errors,
      duration_ms: snapshot.elapsedMs,
      throughput_rps: perSecond(snapshot.requests, snapshot.elapsedMs),
      reservations_per_s: goodput,
      rooms_per_s: perSecond(audit.confirmed + audit.held, snapshot.elapsedMs),
      latency_ms: snapshot.latencyMs,
      time_to_reservation_ms: snapshot.timeToReservationMs,
      per_reservation: perReservation(audit.reservations, snapshot),
      histograms: input.load.histograms,
      per_second: input.load.perSecond,
      ...(input.load.perTenthSecond && snapshot.elapsedMs < fineSeriesUnderMs && { per_tenth_second: input.load.perTenthSecond }),
      acknowledged: { reservations: snapshot.reservations, rooms: snapshot.roomsReserved },
      stopped_by: input.load.stoppedBy,
      log_mismatch: logMismatch,
      counts: { ...input.load.counts, ...counts },
      chaos,
      ...(history && { witnesses: history.witnesses, history_check: history.check, ...(history.keptSafe && { kept_safe: history.keptSafe }) }),
      ...(openLoop && {
        offered_rate: perSecond(openLoop.offered, windowed ? windowed.toMs - windowed.fromMs : snapshot.elapsedMs),
        achieved_rate: goodput,
        dropped: openLoop.dropped,
        schedule_lag_ms: { p50: openLoop.scheduleLagMs.p50, p99: openLoop.scheduleLagMs.p99, max: openLoop.scheduleLagMs.max },
      }),
      ...(windowed && { window_ms: { from: Math.round(windowed.fromMs), to: Math.round(windowed.toMs) } }),
    },
    hotels: hotelOutcomes(audit),
    verdict: verdictOf(input.strategy, { ...audit, log_mismatch: logMismatch, problems }),
    ...(history && { history: { file: historyFileOf(resultFileName({ started_at: startedAt, params: input.params })), ...history.info } }),
  };
}
