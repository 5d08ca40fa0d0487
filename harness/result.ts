import { cpus } from 'node:os';
import type { LatencySummary } from '../client-sim/metrics.js';
import type { LoadResult } from '../client-sim/runner.js';
import type { StrategyInfo } from '../strategies/types.js';
import type { ChaosOutcome, ChaosParams } from './chaos.js';
import type { EventAudit } from './event.js';
import type { LogReplay } from './replay.js';
import { toolVersion } from './paths.js';
import type { WorkloadAudit, WorkloadName } from './workloads.js';

/** The parameters of a run, named as in the result file. */
export interface RunParams {
  strategy: string;
  clients: number;
  servers: number;
  hotels: number;
  rooms: number;
  max_rooms: number;
  think_ms: string;
  seed: number;
  pick: 'first' | 'random';
  in_flight: number;
  pool_size: number;
  /** Set when the clients ran for a fixed time (--duration) instead of to sell-out. */
  duration_ms?: number;
  /** Unmeasured load before the race's first run (--warmup); 0 or unset: none. */
  warmup_ms?: number;
  /** `rooms` when unset. */
  workload?: WorkloadName;
  /** The holds workload's parameters; only in its runs. */
  holds?: HoldParams;
  /** The slots workload's parameters; only in its runs. */
  slots?: SlotParams;
  /** Lost responses and the retries they cause; unset when no response is ever lost. */
  retries?: RetryParams;
  /** Faults injected while the clients ran (--chaos); unset without. */
  chaos?: ChaosParams;
}

export interface HoldParams {
  /** Shares of holds confirmed and cancelled; the rest are abandoned to the sweeper. */
  confirm_ratio: number;
  cancel_ratio: number;
  hold_ttl_ms: number;
  /** How often the sweeper expires lapsed holds while the clients run. */
  sweep_ms: number;
}

export interface SlotParams {
  resources: number;
  /** Whole hours that windows may start in; windows are 1 to 4 hours long. */
  hours: number;
  /** Bookings each client tries. */
  attempts: number;
}

export interface RetryParams {
  client_timeout_ms: number | null;
  /** Share of responses lost on the way back; the client resends the same request. */
  drop_responses: number;
  /** Whether the servers answer a resent request_id from their record (off: they run it again). */
  idempotency: boolean;
}

export interface Verdict {
  promises_safety: boolean;
  /** No overbooked room and no drift, as audited from the tables. */
  safe: boolean;
  /** SAFE, or what went wrong: "OVERBOOKED by 12", "DRIFT 30", or both. */
  label: string;
}

/** One strategy run, as written to bench-results/ (DESIGN.md's result file). */
export interface StrategyResult {
  tool: { name: 'evento'; version: string };
  /** What the clients did (params.workload, repeated here for readers of the file). */
  workload: WorkloadName;
  started_at: string;
  params: RunParams;
  environment: { node: string; postgres: string; cpus: number; database: 'embedded' | 'url' };
  event_id: string;
  outcome: {
    requests: number;
    reservations: number;
    rooms_reserved: number;
    contracted: number;
    overbooked_rooms: number;
    drift: number;
    conflicts: number;
    /** The same 409s by the reason the server gave (serialization_failure, unique_violation, …). */
    conflicts_by_reason: Record<string, number>;
    retries: number;
    insufficient: number;
    errors: number;
    errors_by_kind: Record<string, number>;
    duration_ms: number;
    /** All requests per second; kept for readers of the file, never ranked on. */
    throughput_rps: number;
    /** Goodput: reservations the audit found, per second of the clients phase; the ranking metric. */
    reservations_per_s: number;
    rooms_per_s: number;
    /** One reserve request. */
    latency_ms: LatencySummary;
    /** From a client's first attempt at a claim to its 201, retries included: what a user waits. */
    time_to_reservation_ms: LatencySummary;
    /** Work spent per reservation: each count divided by reservations; each null when nothing was reserved. */
    per_reservation: { requests: number | null; conflicts: number | null; insufficient: number | null };
    /** HDR histograms in microseconds, compressed base64 (hdr-histogram-js), for merging runs. */
    histograms: LoadResult['histograms'];
    /** What the clients were told (201 responses), beside what the tables hold. */
    acknowledged: { reservations: number; rooms: number };
    stopped_by: LoadResult['stoppedBy'];
    /** Rooms by which the tables differ from a replay of the event log; null when the strategy does not write one. */
    log_mismatch: number | null;
    /**
     * Per kind, from the clients and the workload's audit: holds confirmed, expired_holds,
     * leaked_holds, duplicates, duplicates_prevented, slots_taken, overlapping_pairs, …
     */
    counts: Record<string, number>;
    /** What the injected faults did and how the writes they left in doubt turned out; null without --chaos. */
    chaos: ChaosOutcome | null;
  };
  hotels: HotelOutcome[];
  verdict: Verdict;
}

/** One hotel of an event as audited from the tables; `booked` counts confirmed and held rooms. */
export interface HotelOutcome {
  hotel_id: string;
  name: string;
  contracted: number;
  booked: number;
  overbooked: number;
  drift: number;
}

export function hotelOutcomes(audit: EventAudit): HotelOutcome[] {
  return audit.hotels.map((hotel) => ({
    hotel_id: hotel.hotel_id,
    name: hotel.hotel_name,
    contracted: hotel.contracted,
    booked: hotel.confirmed + hotel.held,
    overbooked: hotel.overbooked,
    drift: hotel.drift,
  }));
}

export function verdictOf(
  strategy: StrategyInfo,
  audit: Pick<EventAudit, 'overbooked' | 'drift'> & { log_mismatch?: number | null; problems?: string[] },
): Verdict {
  const problems = [
    audit.overbooked > 0 ? `OVERBOOKED by ${audit.overbooked}` : '',
    audit.drift > 0 ? `DRIFT ${audit.drift}` : '',
    (audit.log_mismatch ?? 0) > 0 ? `LOG MISMATCH ${audit.log_mismatch}` : '',
    ...(audit.problems ?? []),
  ].filter(Boolean);
  return { promises_safety: strategy.promisesSafety, safe: problems.length === 0, label: problems.join(', ') || 'SAFE' };
}

const perSecond = (count: number, ms: number) => (ms > 0 ? Math.round((count * 10_000) / ms) / 10 : 0);

function perReservation(reservations: number, spent: { requests: number; conflicts: number; insufficient: number }): StrategyResult['outcome']['per_reservation'] {
  const each = (count: number) => (reservations > 0 ? Math.round((count * 100) / reservations) / 100 : null);
  return { requests: each(spent.requests), conflicts: each(spent.conflicts), insufficient: each(spent.insufficient) };
}

export function buildResult(input: {
  strategy: StrategyInfo;
  params: RunParams;
  startedAt: Date;
  database: { kind: 'embedded' | 'url'; postgresVersion: string };
  eventId: string;
  load: LoadResult;
  audit: WorkloadAudit;
  /** For a strategy that writes the event log. */
  logReplay?: LogReplay;
  chaos?: ChaosOutcome;
}): StrategyResult {
  const { snapshot } = input.load;
  const { rooms: audit, counts } = input.audit;
  const logMismatch = input.logReplay?.log_mismatch ?? null;
  const chaos = input.chaos ?? null;
  // A reservation no client was told of, or a 201 the tables lost, is wrong whatever the strategy.
  const problems = [
    ...input.audit.problems,
    ...(chaos && chaos.unaccounted > 0 ? [`UNACCOUNTED ${chaos.unaccounted}`] : []),
    ...(chaos && chaos.lost > 0 ? [`LOST ${chaos.lost}`] : []),
  ];
  return {
    tool: { name: 'evento', version: toolVersion },
    workload: input.params.workload ?? 'rooms',
    started_at: input.startedAt.toISOString(),
    params: input.params,
    environment: {
      node: process.versions.node,
      postgres: input.database.postgresVersion,
      cpus: cpus().length,
      database: input.database.kind,
    },
    event_id: input.eventId,
    outcome: {
      requests: snapshot.requests,
      reservations: audit.reservations,
      rooms_reserved: audit.confirmed + audit.held,
      contracted: audit.contracted,
      overbooked_rooms: audit.overbooked,
      drift: audit.drift,
      conflicts: snapshot.conflicts,
      conflicts_by_reason: input.load.conflictsByReason,
      retries: snapshot.retries,
      insufficient: snapshot.insufficient,
      errors: snapshot.errorsTotal,
      errors_by_kind: snapshot.errors,
      duration_ms: snapshot.elapsedMs,
      throughput_rps: perSecond(snapshot.requests, snapshot.elapsedMs),
      reservations_per_s: perSecond(audit.reservations, snapshot.elapsedMs),
      rooms_per_s: perSecond(audit.confirmed + audit.held, snapshot.elapsedMs),
      latency_ms: snapshot.latencyMs,
      time_to_reservation_ms: snapshot.timeToReservationMs,
      per_reservation: perReservation(audit.reservations, snapshot),
      histograms: input.load.histograms,
      acknowledged: { reservations: snapshot.reservations, rooms: snapshot.roomsReserved },
      stopped_by: input.load.stoppedBy,
      log_mismatch: logMismatch,
      counts: { ...input.load.counts, ...counts },
      chaos,
    },
    hotels: hotelOutcomes(audit),
    verdict: verdictOf(input.strategy, { ...audit, log_mismatch: logMismatch, problems }),
  };
}
