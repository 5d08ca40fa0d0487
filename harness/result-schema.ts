import type { LatencySummary } from '../client-sim/metrics.js';
import type { LoadResult } from '../client-sim/runner.js';
import type { AppPhases } from './app-phases.js';
import type { Via } from './direct.js';
import type { ChaosFault, ChaosOutcome } from './chaos.js';
import type { PoolerInfo } from './pooler.js';
import type { CheckResult } from './checker.js';
import type { HistoryInfo } from './history.js';
import type { KeptSafe } from './history-safety.js';
import type { DbTime } from './wait-sampling.js';
import type { Witness } from './witness.js';
import type { WorkloadName } from './workload.js';

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
  /** Bucket rows per hotel (--buckets); only in the runs of a strategy that keeps its rooms in buckets. */
  buckets?: number;
  /** The tenants workload's parameters; only in its runs. */
  tenants?: { tenants: number; lock: string };
  /** The pooler between the servers and the database (--pooler); unset without. */
  pooler?: PoolerInfo;
  /** How the clients' requests reached the strategy (--via): through the server processes, or called in evento's process; absent in older files (http). */
  via?: Via;
  /** Lost responses and the retries they cause; unset when no response is ever lost. */
  retries?: RetryParams;
  /** Faults injected while the clients ran (--chaos); unset without. */
  chaos?: ChaosParams;
  /** The one shard of `clients` this run ran (--shard i/N); unset when it ran them all. */
  shard?: { index: number; count: number };
  /** Attempts started per second (--rate), the open loop; absent for the closed loop. */
  rate?: number;
  /** How the open loop's arrivals were spaced; absent for the closed loop. */
  arrivals?: 'poisson' | 'constant';
  /** --latency-limit: arrivals not started this long after their intended time were dropped; null: none. */
  latency_limit_ms?: number | null;
  /** Left out of the measured window at the start (--ramp); absent when nothing was. */
  ramp_ms?: number;
  /** How often the database's waits were sampled (--sample-ms); 0: not sampled; absent in older files. */
  sample_ms?: number;
  /** How long each server gathered a hotel's claims before settling them (--batch-ms); only for a strategy that batches. */
  batch_ms?: number;
}

export interface ChaosParams {
  faults: ChaosFault[];
  /** Mean time between kills (kill-server, kill-backends). */
  every_ms: number;
  /** slow-db: the pause after each read, null without slow-db. */
  latency_ms: number | null;
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

/** Which of a run's repeated trials a result is (`--repeat`). */
export interface TrialInfo {
  /** 1 to count. */
  index: number;
  count: number;
  /** The clients' seed in this trial; trial k of every strategy has the same one. */
  seed: number;
  /** Where the trial came in the race's interleaved order, from 0. */
  position: number;
}

/** One strategy run, as written to bench-results/ (docs/cli.md, "Result files"). */
export interface StrategyResult {
  tool: { name: 'evento'; version: string };
  /** What the clients did (params.workload, repeated here for readers of the file). */
  workload: WorkloadName;
  started_at: string;
  params: RunParams;
  /** `none`: a run against a target (`--target`), whose database evento did not use while the clients ran. */
  environment: { node: string; postgres: string; cpus: number; database: 'embedded' | 'url' | 'none' };
  event_id: string;
  /** Absent in result files written before trials. */
  trial?: TrialInfo;
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
    /** The same 409s by SQLSTATE (40001, 40P01, 55P03, 23505, 23P01), a strategy's own reasons (version_mismatch) by name. */
    conflicts_by_sqlstate?: Record<string, number>;
    /** Reservations acknowledged by how many attempts each took (1, 2, 3-4, 5-8, 9+); adds up to `acknowledged.reservations`. */
    attempts_per_reservation?: LoadResult['attemptsPerReservation'];
    /** Milliseconds clients spent, summed, on attempts answered 409 and then sent again. */
    retried_attempts_ms?: number;
    /**
     * Where the database's time went while the clients ran (--sample-ms); null when the role could
     * not see the servers' sessions; absent when not sampled (docs/where-time-goes.md).
     */
    db_time?: DbTime | null;
    /** Where reservations' time went in evento's own servers: pool wait, statements, commit, handling; absent against a --target. */
    app_phases?: AppPhases;
    retries: number;
    insufficient: number;
    /**
     * 422s whose answer said the hotel still had the rooms asked for (its `available` covered
     * them): refused by a design's price, not by a sold-out hotel; 0 in files written before.
     */
    refused_while_available?: number;
    /** Contracted rooms neither confirmed nor held when the run ended, by the audit; absent in files written before. */
    unsold_rooms?: number;
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
    /** Requests, reservations (acknowledged), conflicts and errors in each second from the clients' start; absent in older files. */
    per_second?: LoadResult['perSecond'];
    /** The same by tenth of a second, kept for runs under 10 s, whose per-second series would be a few dots. */
    per_tenth_second?: LoadResult['perSecond'];
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
    /** With --history: how each anomaly the audit found came about; empty when nothing is wrong. */
    witnesses?: Witness[];
    /** With --history: the history checked against the tables, independently of the audit. */
    history_check?: CheckResult;
    /** With --history, for a strategy that promises safety: how it kept the promise. */
    kept_safe?: KeptSafe;
    /** With --target and --audit-sql: the user's audit query's verdict, per key (docs/external-targets.md). */
    audit_sql?: SqlAudit;
    /** Open loop (params.rate): attempts due per second over the clients' time, started or not. */
    offered_rate?: number;
    /** Open loop: reservations acknowledged per second in the measured window. */
    achieved_rate?: number;
    /** Open loop: arrivals dropped by --latency-limit, never sent. */
    dropped?: number;
    /** Open loop: how late attempts started after their intended time. */
    schedule_lag_ms?: { p50: number; p99: number; max: number };
    /** The measured window, ms from the clients' start: what goodput and latency count (--ramp to the clients' stop). */
    window_ms?: { from: number; to: number };
  };
  hotels: HotelOutcome[];
  verdict: Verdict;
  /** Which point of a sweep the trial ran at (`evento sweep`); absent outside sweeps. */
  sweep?: SweepCoordinates;
  /** With --history: the run's history file, beside this one (docs/histories.md). */
  history?: HistoryInfo;
  /** In a merge of shards (`evento merge`): the part files it was merged from. */
  merged_from?: string[];
  /** With --target: the servers evento drove instead of starting its own. */
  target?: TargetInfo;
}

/** A run against servers that already ran (`--target`). */
export interface TargetInfo {
  urls: string[];
  /** What `GET /{event}/available` listed at the start. */
  listed: { hotel_id: string; available: number }[];
  /** `sql`: judged by the user's `--audit-sql` query; `acknowledged`: unaudited, by the 201s against the rooms listed. */
  audited_by: 'sql' | 'acknowledged';
}

/** One key (a hotel, a room type: whatever the query groups by) of an audit: `overbooked = max(0, sold - capacity)`, `unsold = max(0, capacity - sold)`. */
export interface KeyAudit {
  key: string;
  capacity: number;
  sold: number;
  overbooked: number;
  unsold: number;
}

/** An audit query's rows and their totals. */
export interface SqlAudit {
  /** The query's file as given. */
  file: string;
  rows: KeyAudit[];
  capacity: number;
  sold: number;
  overbooked: number;
  unsold: number;
}

/** A sweep point: its index in the sweep's order and the value of each swept axis, as the user wrote it. */
export interface SweepCoordinates {
  point: number;
  axes: Record<string, string>;
  /** With `sweep --slo`: the latency target capacity was judged by, as given ("p99=50ms"). */
  slo?: string;
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
