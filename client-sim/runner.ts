import { createApi } from './api.js';
import { arrivalsDue, type OpenLoopPlan } from './arrivals.js';
import { runClient, type ClientPlan } from './client.js';
import { createHistory, type HistoryOp } from './history.js';
import {
  createMetrics,
  type AttemptsHistogram,
  type EncodedHistograms,
  type LatencySummary,
  type MetricsSnapshot,
  type PerSecondSeries,
  type WriteLog,
} from './metrics.js';
import { runOpenLoop } from './open-loop.js';
import type { ReplaceableServers } from './server-pools.js';
import type { DirectServers } from './transport.js';
import { shardClients, type Shard } from './shard.js';
import { runSlotClient } from './slot-client.js';
import { runTenantClient } from './tenant-client.js';

export interface LoadOptions {
  serverUrls: string[];
  /** The servers' routes in this process, called instead of `serverUrls` (--via direct). */
  direct?: DirectServers;
  clients: number;
  inFlight: number;
  plan: ClientPlan;
  /** The run is stopped (and reported as timed out) after this long. */
  timeoutMs: number;
  /** When set, the clients stop after this long instead of at sell-out; not a failure. */
  durationMs?: number;
  requestTimeoutMs: number;
  /** Stops the run early, e.g. on Ctrl-C. */
  signal?: AbortSignal;
  tickMs?: number;
  onTick?: (snapshot: MetricsSnapshot) => void;
  /** Set when servers may be replaced mid-run (fault injection). */
  replaceableServers?: ReplaceableServers;
  /** Called as the clients start, their connections open: the run's clock starts here. */
  onClientsStart?: () => void;
  /** Record every operation, with what the servers' strategies decided on (`LoadResult.history`). */
  history?: boolean;
  /** Run only this shard's clients of `clients` (`--shard i/N`); all of them when unset. */
  shard?: Shard;
  /** Sent with every request, e.g. a target's `authorization`. */
  headers?: Record<string, string>;
  /** Attempts start on this schedule instead of each client sending again when answered (rooms workload only). */
  openLoop?: OpenLoopPlan;
  /** Left out of the latency and goodput figures at the start. */
  rampMs?: number;
}

export interface LoadResult {
  snapshot: MetricsSnapshot;
  /** 409s by the reason the server gave; their sum is `snapshot.conflicts`. */
  conflictsByReason: Record<string, number>;
  /** Reservations acknowledged, by how many attempts of their claim each took. */
  attemptsPerReservation: AttemptsHistogram;
  /** Time spent on attempts that were answered 409 and sent again, summed over the clients. */
  retriedAttemptsMs: number;
  /** The workload's own counts, by kind (holds confirmed, responses dropped, slots taken, …). */
  counts: Record<string, number>;
  /** Why the clients stopped: all done (sold out), the duration, the timeout, or the caller's signal. */
  stoppedBy: 'done' | 'duration' | 'timeout' | 'interrupted';
  /** Claims with a request_id: those answered 201 and those that may or may not have been applied. */
  writes: WriteLog;
  /** Reserve-request latency and time to a reservation, whole, so that runs can be merged. */
  histograms: EncodedHistograms;
  /** Requests, reservations, conflicts and errors in each second, for the report's time series. */
  perSecond: PerSecondSeries;
  /** The same in each tenth of a second. */
  perTenthSecond?: PerSecondSeries;
  /** Every operation, in the order they completed; only when asked for. */
  history?: HistoryOp[];
  /** With an open loop: arrivals due in the measured window, those dropped, and how late the others started. */
  openLoop?: { offered: number; dropped: number; scheduleLagMs: LatencySummary };
  /** What the figures count: ms from the clients' start, to when they were told to stop; reservations acknowledged in it. */
  window?: { fromMs: number; toMs: number; reservations: number };
}

/** The arrivals due within the measured window: what goodput there is set against. */
const offeredIn = (openLoop: OpenLoopPlan, seed: number, window: { fromMs: number; toMs: number }) =>
  arrivalsDue(openLoop, seed, window.toMs) - arrivalsDue(openLoop, seed, window.fromMs);

/** Runs the clients until every one has stopped, or the duration, the timeout or the signal stops them. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const metrics = createMetrics();
  const history = options.history ? createHistory() : undefined;
  const stop = new AbortController();
  const onExternalStop = () => stop.abort('interrupted');
  options.signal?.addEventListener('abort', onExternalStop, { once: true });
  if (options.signal?.aborted) onExternalStop();

  const api = createApi(options.serverUrls, {
    inFlight: options.inFlight,
    requestTimeoutMs: options.requestTimeoutMs,
    metrics,
    signal: stop.signal,
    resend: options.plan.resend && { ...options.plan.resend, seed: options.plan.seed },
    replaceableServers: options.replaceableServers,
    history,
    headers: options.headers,
    direct: options.direct,
  });
  const serverCount = options.direct?.count ?? options.serverUrls.length;
  // Each client keeps its index in the whole run, so its random choices and request ids are those it has unsharded.
  const indices = shardClients(options.clients, options.shard);
  await api.openConnections(indices.length);
  metrics.startClock();
  metrics.measureFrom(options.rampMs ?? 0);
  stop.signal.addEventListener('abort', () => metrics.closeWindow(), { once: true });
  history?.start();
  options.onClientsStart?.();
  const timer = setTimeout(() => stop.abort('timeout'), options.timeoutMs);
  const deadline = options.durationMs !== undefined ? setTimeout(() => stop.abort('duration'), options.durationMs) : undefined;
  const { onTick } = options;
  const ticker = onTick && setInterval(() => onTick(metrics.snapshot()), options.tickMs ?? 1000);
  const runOne = options.plan.slots ? runSlotClient : options.plan.tenants ? runTenantClient : runClient;
  const { openLoop } = options;
  // Spread by position, not index: a shard's indices share a residue that would send them all to a few servers.
  const clients = openLoop
    ? [runOpenLoop({ workers: indices, serverCount, api, plan: options.plan, openLoop, metrics, signal: stop.signal })]
    : indices.map((index, position) => {
        metrics.clientStarted();
        return runOne(index, position % serverCount, api, options.plan, metrics, stop.signal).finally(() => metrics.clientStopped());
      });
  try {
    await Promise.all(clients);
    metrics.closeWindow();
  } finally {
    clearTimeout(timer);
    clearTimeout(deadline);
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener('abort', onExternalStop);
    await api.close();
  }
  const stoppedBy = stop.signal.aborted ? (stop.signal.reason as LoadResult['stoppedBy']) : 'done';
  const snapshot = metrics.snapshot();
  return {
    snapshot,
    conflictsByReason: metrics.conflictsByReason(),
    attemptsPerReservation: metrics.attemptsPerReservation(),
    retriedAttemptsMs: metrics.retriedAttemptsMs(),
    counts: metrics.kinds(),
    stoppedBy,
    writes: metrics.writes(),
    histograms: metrics.histograms(),
    perSecond: metrics.perSecond(),
    perTenthSecond: metrics.perTenthSecond(),
    history: history?.operations(),
    openLoop: openLoop && { offered: offeredIn(openLoop, options.plan.seed, metrics.window()), ...metrics.openLoop() },
    window: metrics.window(),
  };
}
