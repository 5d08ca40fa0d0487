import type { MetricsSnapshot } from '../../../client-sim/metrics.js';
import type { LoadResult } from '../../../client-sim/runner.js';
import type { RaceHooks } from '../../../harness/model/race-hooks.js';
import type { HotelOutcome, StrategyResult, Verdict } from '../../../harness/model/result-schema.js';
import { runLabel } from '../../../harness/model/workload.js';

/** What the race was asked to do: fixed for the whole race. */
export interface RacePlan {
  command: 'run' | 'race';
  strategies: string[];
  clients: number;
  servers: number;
  hotels: number;
  rooms: number;
  thinkMs: string;
  seed: number;
}

export const rateNames = ['requests', 'reservations', 'conflicts', 'retries'] as const;
export type RateName = (typeof rateNames)[number];

/** Per-second rates, oldest first, one sample per tick. */
export type RateHistory = Record<RateName, number[]>;

/** Twice the plain lines' rate: smooth enough to watch, far from a frame per request. */
export const dashboardTickMs = 500;
/** The last ~30 s of ticks. */
export const rateHistoryLength = 30_000 / dashboardTickMs;

export interface LiveStrategy {
  name: string;
  hotels: HotelOutcome[];
  snapshot: MetricsSnapshot;
  rates: RateHistory;
}

/** What the dashboard keeps of a finished strategy run. */
export interface StrategySummary {
  eventId: string;
  /** As the table names the run: `atomic`, `holds:atomic`. */
  strategy: string;
  verdict: Verdict;
  hotels: HotelOutcome[];
  roomsReserved: number;
  contracted: number;
  /** Goodput: reservations per second. */
  reservationsPerS: number;
  /** Time to a reservation, retries included, at p99. */
  /** Null for a result file written before time to reservation was measured. */
  waitP99Ms: number | null;
  durationMs: number;
  stoppedBy: LoadResult['stoppedBy'];
  /** `trial 2/5` under --repeat; empty for a single trial. */
  trial: string;
}

export function summaryOf({ event_id, workload, params, verdict, hotels, outcome, trial }: StrategyResult): StrategySummary {
  return {
    eventId: event_id,
    strategy: runLabel(workload, params.strategy, params.via),
    verdict,
    hotels,
    roomsReserved: outcome.rooms_reserved,
    contracted: outcome.contracted,
    reservationsPerS: outcome.reservations_per_s,
    waitP99Ms: outcome.time_to_reservation_ms?.p99 ?? null,
    durationMs: outcome.duration_ms,
    stoppedBy: outcome.stopped_by,
    trial: trial && trial.count > 1 ? `trial ${trial.index}/${trial.count}` : '',
  };
}

/** Everything the dashboard draws; only race events change it, so frames follow ticks. */
export interface DashboardState {
  plan: RacePlan;
  database?: { kind: 'embedded' | 'url'; host: string };
  /** Milliseconds of warm-up under way; unset once the first run starts. */
  warmupMs?: number;
  current?: LiveStrategy;
  finished: StrategySummary[];
  /** `stopping`: q or Ctrl-C was pressed, what was written is being audited; `over`: the race returned. */
  phase: 'running' | 'stopping' | 'over';
}

/** The race hooks as values, so a reducer can replay them. */
export type RaceEvent =
  | { type: 'ready'; info: Parameters<NonNullable<RaceHooks['onReady']>>[0] }
  | { type: 'warmup'; info: Parameters<NonNullable<RaceHooks['onWarmup']>>[0] }
  | { type: 'start'; info: Parameters<NonNullable<RaceHooks['onStart']>>[0] }
  | { type: 'tick'; info: Parameters<NonNullable<RaceHooks['onTick']>>[0] }
  | { type: 'audit'; info: Parameters<NonNullable<RaceHooks['onAudit']>>[0] }
  | { type: 'result'; result: StrategyResult }
  | { type: 'stopping' }
  | { type: 'over' };

export const zeroSnapshot: MetricsSnapshot = {
  elapsedMs: 0,
  requests: 0,
  reservations: 0,
  roomsReserved: 0,
  conflicts: 0,
  retries: 0,
  insufficient: 0,
  errors: { network: 0, timeout: 0, http_5xx: 0, strategy_error: 0, unexpected_status: 0 },
  errorsTotal: 0,
  clientsActive: 0,
  latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
  timeToReservationMs: { p50: 0, p90: 0, p99: 0, max: 0 },
};

const emptyRates = (): RateHistory => ({ requests: [], reservations: [], conflicts: [], retries: [] });

export function initialState(plan: RacePlan): DashboardState {
  return { plan, finished: [], phase: 'running' };
}

/** Snapshots are cumulative; a rate is the difference between two ticks over their interval. */
function nextRates(history: RateHistory, previous: MetricsSnapshot, snapshot: MetricsSnapshot): RateHistory {
  const seconds = (snapshot.elapsedMs - previous.elapsedMs) / 1000;
  if (seconds <= 0) return history;
  const next = emptyRates();
  for (const name of rateNames) {
    const rate = Math.round((snapshot[name] - previous[name]) / seconds);
    next[name] = [...history[name], rate].slice(-rateHistoryLength);
  }
  return next;
}

export function reduce(state: DashboardState, event: RaceEvent): DashboardState {
  switch (event.type) {
    case 'ready':
      return { ...state, database: { kind: event.info.database, host: event.info.host } };
    case 'warmup':
      return { ...state, warmupMs: event.info.ms };
    case 'start': {
      const { strategy, event: seeded } = event.info;
      const hotels = seeded.hotels.map(({ hotel_id, name, contracted }) => ({ hotel_id, name, contracted, booked: 0, overbooked: 0, drift: 0 }));
      return { ...state, warmupMs: undefined, current: { name: strategy.name, hotels, snapshot: zeroSnapshot, rates: emptyRates() } };
    }
    case 'tick': {
      const { current } = state;
      if (current?.name !== event.info.strategy.name) return state;
      const { snapshot } = event.info;
      return { ...state, current: { ...current, snapshot, rates: nextRates(current.rates, current.snapshot, snapshot) } };
    }
    case 'audit': {
      const { current } = state;
      if (current?.name !== event.info.strategy.name) return state;
      return { ...state, current: { ...current, hotels: event.info.hotels } };
    }
    case 'result':
      return { ...state, current: undefined, finished: [...state.finished, summaryOf(event.result)] };
    case 'stopping':
      return { ...state, phase: 'stopping' };
    case 'over':
      return { ...state, current: undefined, phase: 'over' };
  }
}
