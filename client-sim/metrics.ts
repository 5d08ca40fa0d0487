import * as hdr from 'hdr-histogram-js';
import { conflictReasons } from '../strategies/types.js';

export type ErrorKind = 'network' | 'timeout' | 'http_5xx' | 'unexpected_status';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The request_ids of claims that were answered 201, and of those that got no answer or a 5xx
 * and so may or may not have been applied: the audit reconciles both with the tables.
 */
export interface WriteLog {
  acknowledged: string[];
  indeterminate: string[];
}

/** A plain, cumulative picture of a run so far: what the progress line and the UI render. */
export interface MetricsSnapshot {
  elapsedMs: number;
  requests: number;
  reservations: number;
  roomsReserved: number;
  conflicts: number;
  retries: number;
  insufficient: number;
  errors: Record<ErrorKind, number>;
  errorsTotal: number;
  clientsActive: number;
  /** Reserve-request latency in milliseconds. */
  latencyMs: LatencySummary;
  /** From a client's first attempt at a claim to its 201, retries and re-reads included: what a user waits. */
  timeToReservationMs: LatencySummary;
}

const microsToMs = (value: number) => Math.round(value / 10) / 100;

const microsHistogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

// A percentile is the top of its bucket, which can lie above the largest value recorded.
function summaryMs(micros: hdr.Histogram): LatencySummary {
  const at = (percentile: number) => microsToMs(Math.min(micros.getValueAtPercentile(percentile), micros.maxValue));
  return { p50: at(50), p90: at(90), p99: at(99), max: microsToMs(micros.maxValue) };
}

const sinceMicros = (startedAtMs: number) => Math.max(1, Math.round((performance.now() - startedAtMs) * 1000));

/** Counters and latency histograms; cheap to update from every request. */
export function createMetrics() {
  let startedAt = performance.now();
  const latencyMicros = microsHistogram();
  const timeToReservationMicros = microsHistogram();
  const errors: Record<ErrorKind, number> = { network: 0, timeout: 0, http_5xx: 0, unexpected_status: 0 };
  const counts = { requests: 0, reservations: 0, roomsReserved: 0, conflicts: 0, retries: 0, insufficient: 0, clientsActive: 0 };
  // Every known reason starts at 0, so a result file always names them all.
  const conflictsByReason: Record<string, number> = Object.fromEntries(conflictReasons.map((reason) => [reason, 0]));
  // What a workload's clients count beyond reservations: holds confirmed, responses lost, …
  const kinds: Record<string, number> = {};
  const writes: WriteLog = { acknowledged: [], indeterminate: [] };

  return {
    counts,
    /** Elapsed time counts from here: when the clients start. */
    startClock() {
      startedAt = performance.now();
    },
    recordRequest(startedAtMs: number, isReserve: boolean) {
      counts.requests += 1;
      if (isReserve) latencyMicros.recordValue(sinceMicros(startedAtMs));
    },
    /** A claim answered 201, timed from its first attempt. */
    recordTimeToReservation(firstAttemptAtMs: number) {
      timeToReservationMicros.recordValue(sinceMicros(firstAttemptAtMs));
    },
    histograms: () => ({
      latency_us: hdr.encodeIntoCompressedBase64(latencyMicros),
      time_to_reservation_us: hdr.encodeIntoCompressedBase64(timeToReservationMicros),
    }),
    recordError(kind: ErrorKind) {
      errors[kind] += 1;
    },
    /** A 409: one more conflict, filed under the reason the server gave. */
    recordConflict(reason: string) {
      counts.conflicts += 1;
      conflictsByReason[reason] = (conflictsByReason[reason] ?? 0) + 1;
    },
    conflictsByReason: () => ({ ...conflictsByReason }),
    /** One more of a workload's own events (`holds_confirmed`, `responses_dropped`, …). */
    count(kind: string, by = 1) {
      kinds[kind] = (kinds[kind] ?? 0) + by;
    },
    kinds: () => ({ ...kinds }),
    recordWrite(outcome: keyof WriteLog, requestId: string) {
      writes[outcome].push(requestId);
    },
    writes: (): WriteLog => ({ acknowledged: [...writes.acknowledged], indeterminate: [...writes.indeterminate] }),
    snapshot(): MetricsSnapshot {
      return {
        elapsedMs: Math.round(performance.now() - startedAt),
        ...counts,
        errors: { ...errors },
        errorsTotal: Object.values(errors).reduce((sum, n) => sum + n, 0),
        latencyMs: summaryMs(latencyMicros),
        timeToReservationMs: summaryMs(timeToReservationMicros),
      };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
