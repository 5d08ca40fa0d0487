import { resultFormat, type StrategyResult } from '../harness/model/result-schema.js';

/** What a fixture varies; the rest is a small race's, as `evento run` writes it. */
export interface SampleOptions {
  strategy?: string;
  promisesSafety?: boolean;
  /** Rooms over contract: the verdict is OVERBOOKED by them; 0, SAFE. */
  overbooked?: number;
  goodput?: number;
  waitP99?: number;
  /** 0-based; the trial's index is one more. */
  trial?: number;
  trials?: number;
  /** Over the defaults; fields the schema does not name pass through, as they do in a file. */
  params?: Partial<StrategyResult['params']> & Record<string, unknown>;
}

/** A result written today: time to reservation measured. */
export type SampleResult = StrategyResult & { outcome: Required<Pick<StrategyResult['outcome'], 'time_to_reservation_ms'>> };

/** A complete result of the current format: every field the schema requires, with plausible values. */
export function sampleResult(options: SampleOptions = {}): SampleResult {
  const { strategy = 'atomic', promisesSafety = strategy !== 'naive', overbooked = 0, goodput = 400, waitP99 = 40, trial = 0, trials = 1 } = options;
  const rooms = 600 + overbooked;
  return {
    format: resultFormat,
    tool: { name: 'evento', version: '0.1.0' },
    workload: 'rooms',
    started_at: `2026-01-01T00:00:${String(trial).padStart(2, '0')}.000Z`,
    params: {
      strategy,
      clients: 200,
      servers: 2,
      hotels: 3,
      rooms: 200,
      max_rooms: 5,
      think_ms: '0',
      seed: 7000 + trial,
      pick: 'first',
      in_flight: 256,
      pool_size: 1,
      workload: 'rooms',
      ...options.params,
    },
    environment: { node: '20.19.0', postgres: '17', cpus: 2, database: 'embedded' },
    event_id: `00000000-0000-4000-8000-${String(goodput * 100 + trial).padStart(12, '0')}`,
    trial: { index: trial + 1, count: trials, seed: 7000 + trial, position: trial },
    outcome: {
      requests: 900,
      reservations: 300,
      rooms_reserved: rooms,
      contracted: 600,
      overbooked_rooms: overbooked,
      drift: 0,
      conflicts: 500,
      conflicts_by_reason: { serialization_failure: 500 },
      retries: 0,
      insufficient: 100,
      errors: 0,
      errors_by_kind: {},
      duration_ms: 750,
      throughput_rps: 1200,
      reservations_per_s: goodput,
      rooms_per_s: 800,
      latency_ms: { p50: 4, p90: 9, p99: 20, max: 31 },
      time_to_reservation_ms: { p50: waitP99 / 4, p90: waitP99 / 2, p99: waitP99, max: waitP99 * 1.5 },
      per_reservation: { requests: 3, conflicts: 1.67, insufficient: 0.33 },
      histograms: { latency_us: '', time_to_reservation_us: '' },
      acknowledged: { reservations: 300, rooms },
      stopped_by: 'done',
      log_mismatch: null,
      counts: {},
      chaos: null,
    },
    hotels: [{ hotel_id: 'h1', name: 'Hotel 001', contracted: 600, booked: rooms, overbooked, drift: 0 }],
    verdict: { promises_safety: promisesSafety, safe: overbooked === 0, label: overbooked === 0 ? 'SAFE' : `OVERBOOKED by ${overbooked}` },
  };
}
