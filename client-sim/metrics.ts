import * as hdr from 'hdr-histogram-js';
import { microsHistogram } from '../lib/micros-histogram.js';
import { conflictReasons } from '../strategies/types.js';

/** `strategy_error`: a 500 from a strategy module that threw or answered no outcome; `http_5xx`: any other 5xx. */
export type ErrorKind = 'network' | 'timeout' | 'http_5xx' | 'strategy_error' | 'unexpected_status';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The request_ids of writes (claims, confirms and cancels, bookings) that were answered as done,
 * and of those that got no answer or a 5xx and so may or may not have been applied: the audit
 * reconciles both with the tables.
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
  /**
   * Milliseconds from a client's first claim since its last reservation (or its start) to the
   * 201 of the next one: retries, resends and re-reads included, what a user waits.
   */
  timeToReservationMs: LatencySummary;
}

/** Counts in each second of the run from the clients' start, the last second possibly partial. */
export interface PerSecondSeries {
  requests: number[];
  reservations: number[];
  conflicts: number[];
  errors: number[];
}

/** The run's HDR histograms in microseconds, each encoded with `encodeIntoCompressedBase64`. */
export interface EncodedHistograms {
  latency_us: string;
  time_to_reservation_us: string;
}

/** How many attempts reservations took, in buckets that double: `attempts_per_reservation`'s keys. */
export const attemptBuckets = ['1', '2', '3-4', '5-8', '9+'] as const;
export type AttemptsHistogram = Record<(typeof attemptBuckets)[number], number>;

export const attemptBucket = (attempts: number): keyof AttemptsHistogram =>
  attempts <= 1 ? '1' : attempts === 2 ? '2' : attempts <= 4 ? '3-4' : attempts <= 8 ? '5-8' : '9+';

const microsToMs = (value: number) => Math.round(value / 10) / 100;
const msToMicros = (ms: number) => Math.max(1, Math.round(ms * 1000));

/**
 * The narrowest counts that hold a histogram of `values` recorded values (a run's requests bound
 * both of its histograms): decoding thousands of files is mostly allocating these arrays.
 */
const bucketBits = (values: number) => (values < 2 ** 8 ? 8 : values < 2 ** 16 ? 16 : 32);

/**
 * One histogram of every value the encoded ones recorded, as if it had recorded them itself: they
 * share their buckets, so adding them loses nothing. `values` bounds how many each one holds.
 */
export function mergeEncoded(parts: readonly { encoded: string; values: number }[]): hdr.Histogram {
  const merged = microsHistogram();
  for (const { encoded, values } of parts) merged.add(hdr.decodeFromCompressedBase64(encoded, bucketBits(values)));
  return merged;
}

/** Clamped to the max: an HDR percentile is the top of its bucket, which may lie above every value recorded in it. */
export function summarize(histogram: hdr.Histogram): LatencySummary {
  const percentile = (p: number) => microsToMs(Math.min(histogram.getValueAtPercentile(p), histogram.maxValue));
  return { p50: percentile(50), p90: percentile(90), p99: percentile(99), max: microsToMs(histogram.maxValue) };
}

/** Every series as long as the longest, so that bucket i lines up across them. */
function aligned({ requests, reservations, conflicts, errors }: PerSecondSeries): PerSecondSeries {
  const buckets = Math.max(requests.length, reservations.length, conflicts.length, errors.length);
  const padded = (counts: number[]) => [...counts, ...new Array<number>(buckets - counts.length).fill(0)];
  return { requests: padded(requests), reservations: padded(reservations), conflicts: padded(conflicts), errors: padded(errors) };
}

/** Counters and latency histograms; cheap to update from every request. */
export function createMetrics() {
  let startedAt = performance.now();
  const latencyMicros = microsHistogram();
  const timeToReservationMicros = microsHistogram();
  // Open loop only: how late attempts started after their intended time, and how many never did.
  const scheduleLagMicros = microsHistogram();
  let dropped = 0;
  // The measured window, ms from the start: latency and goodput count only what happened inside it.
  let windowFromMs = 0;
  let windowToMs = Infinity;
  let windowReservations = 0;
  const inWindow = (at: number) => {
    const ms = at - startedAt;
    return (windowFromMs === 0 || ms >= windowFromMs) && ms <= windowToMs;
  };
  const errors: Record<ErrorKind, number> = { network: 0, timeout: 0, http_5xx: 0, strategy_error: 0, unexpected_status: 0 };
  const counts = { requests: 0, reservations: 0, roomsReserved: 0, conflicts: 0, retries: 0, insufficient: 0, clientsActive: 0 };
  // Every known reason starts at 0, so a result file always names them all.
  const conflictsByReason: Record<string, number> = Object.fromEntries(conflictReasons.map((reason) => [reason, 0]));
  // What a workload's clients count beyond reservations: holds confirmed, responses lost, …
  const kinds: Record<string, number> = {};
  const writes: WriteLog = { acknowledged: [], indeterminate: [] };
  const attempts: AttemptsHistogram = { '1': 0, '2': 0, '3-4': 0, '5-8': 0, '9+': 0 };
  let retriedMs = 0;
  const series: PerSecondSeries = { requests: [], reservations: [], conflicts: [], errors: [] };
  // The same counts by tenth of a second, so that a run of a few seconds draws as more than a few dots.
  const tenths: PerSecondSeries = { requests: [], reservations: [], conflicts: [], errors: [] };
  const countIn = (counts: number[], bucket: number) => {
    while (counts.length <= bucket) counts.push(0);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  };
  /** Counted by the second (and tenth) the event happened in, so a late timer moves nothing from one to the next. */
  const countThisSecond = (name: keyof PerSecondSeries) => {
    const elapsed = Math.max(0, performance.now() - startedAt);
    countIn(series[name], Math.floor(elapsed / 1000));
    countIn(tenths[name], Math.floor(elapsed / 100));
  };

  function count(kind: string, by = 1) {
    kinds[kind] = (kinds[kind] ?? 0) + by;
  }

  /**
   * A reservation acknowledged to a client: `rooms` more sold, waited for from
   * `firstAttemptAtMs` to the 201 at `reservedAtMs` (a hold's, for a confirmed hold), in
   * `tries` attempts of its claim (the first and each resend after a 409).
   */
  function recordReservation(rooms: number, firstAttemptAtMs: number, reservedAtMs = performance.now(), tries = 1) {
    counts.reservations += 1;
    attempts[attemptBucket(tries)] += 1;
    counts.roomsReserved += rooms;
    countThisSecond('reservations');
    if (!inWindow(reservedAtMs)) return;
    windowReservations += 1;
    timeToReservationMicros.recordValue(msToMicros(reservedAtMs - firstAttemptAtMs));
  }

  return {
    /** Elapsed time counts from here: when the clients start. */
    startClock() {
      startedAt = performance.now();
    },
    clientStarted() {
      counts.clientsActive += 1;
    },
    clientStopped() {
      counts.clientsActive -= 1;
    },
    recordRequest(startedAtMs: number, isReserve: boolean) {
      counts.requests += 1;
      countThisSecond('requests');
      const now = performance.now();
      if (isReserve && inWindow(now)) latencyMicros.recordValue(msToMicros(now - startedAtMs));
    },
    /** What happens in the first `rampMs` is left out of the latency and goodput figures. */
    measureFrom(rampMs: number) {
      windowFromMs = rampMs;
    },
    /** The clients were told to stop: what is answered after is left out too. Only the first call counts. */
    closeWindow() {
      windowToMs = Math.min(windowToMs, performance.now() - startedAt);
    },
    /** The measured window and the reservations acknowledged in it. */
    window: () => ({ fromMs: windowFromMs, toMs: windowToMs, reservations: windowReservations }),
    /** A retryable 409 answered by sending the request again; `attemptMs`: how long the attempt that got it took. */
    recordRetry(attemptMs: number) {
      counts.retries += 1;
      retriedMs += attemptMs;
    },
    /**
     * A 422: fewer rooms left than asked for. When the answer says `available` rooms remain and
     * they cover the `asked`, the hotel still had them: a refusal that a design's price (rooms
     * spread over buckets, rows held by other claims) explains, counted as refused_while_available.
     */
    recordInsufficient(asked?: number, available?: number) {
      counts.insufficient += 1;
      if (asked !== undefined && available !== undefined && available >= asked) count('refused_while_available');
    },
    recordReservation,
    /** A slot booking acknowledged: a reservation of a window, not of rooms. */
    recordBooking(firstAttemptAtMs: number, tries: number) {
      recordReservation(0, firstAttemptAtMs, performance.now(), tries);
    },
    /** An open-loop attempt started `lagMs` after its intended time. */
    recordScheduleLag(lagMs: number) {
      scheduleLagMicros.recordValue(msToMicros(lagMs));
    },
    /** An open-loop arrival not started within --latency-limit: counted, never sent. */
    recordDropped() {
      dropped += 1;
    },
    openLoop: () => ({ dropped, scheduleLagMs: summarize(scheduleLagMicros) }),
    recordError(kind: ErrorKind) {
      errors[kind] += 1;
      countThisSecond('errors');
    },
    /** A 409: one more conflict, filed under the reason the server gave. */
    recordConflict(reason: string) {
      counts.conflicts += 1;
      countThisSecond('conflicts');
      conflictsByReason[reason] = (conflictsByReason[reason] ?? 0) + 1;
    },
    conflictsByReason: () => ({ ...conflictsByReason }),
    attemptsPerReservation: (): AttemptsHistogram => ({ ...attempts }),
    /** Milliseconds, to one decimal. */
    retriedAttemptsMs: () => Math.round(retriedMs * 10) / 10,
    /** One more of a workload's own events (`holds_confirmed`, `responses_dropped`, …). */
    count,
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
        latencyMs: summarize(latencyMicros),
        timeToReservationMs: summarize(timeToReservationMicros),
      };
    },
    /** Every series as long as the longest, so that second i lines up across them. */
    perSecond: (): PerSecondSeries => aligned(series),
    /** The same by tenth of a second. */
    perTenthSecond: (): PerSecondSeries => aligned(tenths),
    histograms: (): EncodedHistograms => ({
      latency_us: hdr.encodeIntoCompressedBase64(latencyMicros),
      time_to_reservation_us: hdr.encodeIntoCompressedBase64(timeToReservationMicros),
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
