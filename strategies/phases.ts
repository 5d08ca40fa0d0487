import * as hdr from 'hdr-histogram-js';
import type { Sql } from '../db/connection.js';
import { microsHistogram } from '../lib/micros-histogram.js';

/**
 * Where one reservation's time went in the app tier (docs/where-time-goes.md, "The app tier's
 * share"). The four add up to the time from the route taking the request to its reply being ready.
 */
export interface ReservationPhases {
  /** Asking for a connection of its own (`sql.reserve`; `sql.begin` up to its body, BEGIN's round trip included) until holding it. */
  poolWaitMs: number;
  /** The rest of the strategy call: its statements, their round trips (lock waits included) and its own code between them. */
  statementsMs: number;
  /** Ending its transaction: from the answer of the statement before COMMIT (or ROLLBACK) to the answer of COMMIT. */
  commitMs: number;
  /** The route's own work around the strategy call: validation, request ids, the reply. */
  handlingMs: number;
}

/** What one strategy call spent waiting for a connection and ending its transaction, added up as it goes. */
interface PhaseClock {
  poolWaitMs: number;
  commitMs: number;
}

/** Where a timed pool keeps its call's clock, for the steps that end transactions (pipelined.ts). */
const clockKey = Symbol('evento phase clock');

const clockOf = (sql: Sql) => (sql as unknown as Partial<Record<typeof clockKey, PhaseClock>>)[clockKey];

/**
 * Times `ending`, a COMMIT or ROLLBACK sent behind `after` on the same connection (now, when no
 * statement is still out), as the commit of the call whose pool `sql` is; untimed pools pass it through.
 */
export function endingTimed<T>(sql: Sql, after: Promise<unknown> | undefined, ending: Promise<T>): Promise<T> {
  const clock = clockOf(sql);
  if (!clock) return ending;
  let from = performance.now();
  // Answers come in the order sent, so this runs before `ending`'s; a failed statement leaves its time to statements.
  after?.then(
    () => (from = performance.now()),
    () => (from = Number.NaN),
  );
  return ending.then((value) => {
    if (!Number.isNaN(from)) clock.commitMs += performance.now() - from;
    return value;
  });
}

/** sql.begin with its wait for a connection and its COMMIT timed: its body's first statement runs once it has both. */
async function timedBegin(sql: Sql, clock: PhaseClock, args: unknown[]): Promise<unknown> {
  const askedAt = performance.now();
  let bodyEndedAt: number | undefined;
  const body = args.at(-1) as (tx: unknown) => unknown;
  const timedBody = async (tx: unknown) => {
    clock.poolWaitMs += performance.now() - askedAt;
    try {
      const result = body(tx);
      // As sql.begin itself takes it: a list of queries is awaited as one.
      return await (Array.isArray(result) ? Promise.all(result) : result);
    } finally {
      bodyEndedAt = performance.now();
    }
  };
  const result = await (sql.begin as (...args: unknown[]) => Promise<unknown>)(...args.slice(0, -1), timedBody);
  if (bodyEndedAt !== undefined) clock.commitMs += performance.now() - bodyEndedAt;
  return result;
}

/**
 * `sql` with the ways to take a connection of its own timed: postgres.js has no hook for the wait,
 * so it is the time to `sql.reserve()`'s answer, or to `sql.begin`'s body. A statement sent to the
 * pool itself waits for no connection: postgres.js queues it behind others on a busy one, in statements.
 */
function timedPool(sql: Sql, clock: PhaseClock): Sql {
  return new Proxy(sql, {
    get(target, key, receiver) {
      if (key === clockKey) return clock;
      if (key === 'reserve') {
        return async () => {
          const askedAt = performance.now();
          const connection = await target.reserve();
          clock.poolWaitMs += performance.now() - askedAt;
          return connection;
        };
      }
      if (key === 'begin') return (...args: unknown[]) => timedBegin(target, clock, args);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/** The app tier's phases of one server's reservations, as its process hands them to the harness: HDR histograms in µs. */
export interface EncodedPhases {
  /** Reservations timed: every strategy call, whatever it answered. */
  reservations: number;
  pool_wait_us: string;
  statements_us: string;
  commit_us: string;
  handling_us: string;
  /** Each reservation's four phases together, so that its percentiles are its own. */
  server_us: string;
}

export const phaseNames = ['pool_wait', 'statements', 'commit', 'handling', 'server'] as const;
export type PhaseName = (typeof phaseNames)[number];

/** One process's phase histograms: record() from every reservation, take() to hand them over and start again. */
export interface PhaseRecorder {
  record(phases: ReservationPhases): void;
  take(): EncodedPhases;
}

const toMicros = (ms: number) => Math.max(0, Math.round(ms * 1000));

export function createPhaseRecorder(): PhaseRecorder {
  const histograms = Object.fromEntries(phaseNames.map((name) => [name, microsHistogram()])) as Record<PhaseName, hdr.Histogram>;
  let reservations = 0;
  return {
    record({ poolWaitMs, statementsMs, commitMs, handlingMs }) {
      reservations += 1;
      histograms.pool_wait.recordValue(toMicros(poolWaitMs));
      histograms.statements.recordValue(toMicros(statementsMs));
      histograms.commit.recordValue(toMicros(commitMs));
      histograms.handling.recordValue(toMicros(handlingMs));
      histograms.server.recordValue(toMicros(poolWaitMs + statementsMs + commitMs + handlingMs));
    },
    take() {
      const encoded = Object.fromEntries(phaseNames.map((name) => [`${name}_us`, hdr.encodeIntoCompressedBase64(histograms[name])]));
      for (const histogram of Object.values(histograms)) histogram.reset();
      const taken = { reservations, ...encoded } as EncodedPhases;
      reservations = 0;
      return taken;
    },
  };
}

/** One reservation's timing: strategy() runs the strategy call on a timed pool, end() records once the reply is ready. */
export interface PhaseTimer {
  strategy<T>(sql: Sql, call: (sql: Sql) => Promise<T>): Promise<T>;
  end(): void;
}

const untimed: PhaseTimer = { strategy: (sql, call) => call(sql), end: () => undefined };

/**
 * Starts timing a reservation now, when its request is taken (by an HTTP route, or by a caller that
 * runs strategies in its own process); without a recorder it times nothing. A request that never
 * reached its strategy (an invalid one, an answer replayed from its request id) records nothing.
 */
export function startPhaseTimer(recorder: PhaseRecorder | undefined): PhaseTimer {
  if (!recorder) return untimed;
  const takenAt = performance.now();
  let called: { clock: PhaseClock; ms: number } | undefined;
  return {
    async strategy(sql, call) {
      const clock = { poolWaitMs: 0, commitMs: 0 };
      const startedAt = performance.now();
      try {
        return await call(timedPool(sql, clock));
      } finally {
        called = { clock, ms: performance.now() - startedAt };
      }
    },
    end() {
      if (!called) return;
      const { clock, ms } = called;
      const { poolWaitMs, commitMs } = clock;
      recorder.record({
        poolWaitMs,
        commitMs,
        statementsMs: Math.max(0, ms - poolWaitMs - commitMs),
        handlingMs: Math.max(0, performance.now() - takenAt - ms),
      });
    },
  };
}
