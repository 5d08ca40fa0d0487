import type { MetricsSnapshot } from '../client-sim/metrics.js';
import { runLoad } from '../client-sim/runner.js';
import type { Strategy } from '../strategies/types.js';
import { describeUrl, openDatabase } from './database.js';
import { auditEvent, seedEvent, type SeededEvent } from './event.js';
import { liveAudit } from './live-audit.js';
import { replayLog } from './replay.js';
import { buildResult, type HotelOutcome, type RunParams, type StrategyResult } from './result.js';
import { startServers } from './servers.js';

export interface RaceOptions {
  strategies: Strategy[];
  params: Omit<RunParams, 'strategy'>;
  thinkMs: { min: number; max: number };
  timeoutMs: number;
  /** Each strategy's clients stop after this long instead of at sell-out. */
  durationMs?: number;
  requestTimeoutMs?: number;
  /** How often onTick (and onAudit) fire; 1 s when unset. */
  tickMs?: number;
  databaseUrl?: string;
  /** Stops the current strategy's clients; what was written is still audited and reported. */
  signal?: AbortSignal;
  hooks?: RaceHooks;
}

/** How a progress view follows a race; every argument is plain data. */
export interface RaceHooks {
  /** `host` is where the database listens, without credentials. */
  onReady?(info: { database: 'embedded' | 'url'; host: string; servers: string[] }): void;
  onStart?(info: { strategy: Strategy; event: SeededEvent }): void;
  onTick?(info: { strategy: Strategy; snapshot: MetricsSnapshot }): void;
  /** Per-hotel audit on each tick; only when set does the race query the tables mid-run. */
  onAudit?(info: { strategy: Strategy; hotels: HotelOutcome[] }): void;
  onResult?(result: StrategyResult): void | Promise<void>;
}

export interface RaceOutcome {
  results: StrategyResult[];
  stoppedBy: 'done' | 'timeout' | 'interrupted';
}

/**
 * Strategies one after another, each on a fresh event, against the same database and the same
 * server processes: seed, run the clients, audit from the tables.
 */
export async function runRace(options: RaceOptions): Promise<RaceOutcome> {
  const { params, hooks = {} } = options;
  const database = await openDatabase(options.databaseUrl);
  try {
    const fleet = await startServers(params.servers, database.url, params.pool_size);
    try {
      hooks.onReady?.({ database: database.kind, host: describeUrl(database.url), servers: fleet.urls });
      const results: StrategyResult[] = [];
      for (const strategy of options.strategies) {
        if (options.signal?.aborted) return { results, stoppedBy: 'interrupted' };
        const startedAt = new Date();
        const event = await seedEvent(database.sql, params.hotels, params.rooms);
        hooks.onStart?.({ strategy, event });
        const live = hooks.onAudit && liveAudit(database.sql, event.event_id, (hotels) => hooks.onAudit?.({ strategy, hotels }));
        const load = await runLoad({
          serverUrls: fleet.urls,
          clients: params.clients,
          inFlight: params.in_flight,
          plan: {
            eventId: event.event_id,
            strategy: strategy.name,
            maxRooms: params.max_rooms,
            thinkMs: options.thinkMs,
            pick: params.pick,
            seed: params.seed,
          },
          timeoutMs: options.timeoutMs,
          durationMs: options.durationMs,
          requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
          tickMs: options.tickMs,
          signal: options.signal,
          onTick: (snapshot) => {
            hooks.onTick?.({ strategy, snapshot });
            live?.tick();
          },
        });
        await live?.settle();
        const audit = await auditEvent(database.sql, event.event_id);
        // Only a strategy that writes the log is expected to agree with its replay.
        const logReplay = strategy.eventSourced ? await replayLog(database.sql, event.event_id) : undefined;
        const result = buildResult({
          strategy,
          params: { strategy: strategy.name, ...params },
          startedAt,
          database: { kind: database.kind, postgresVersion: database.postgresVersion },
          eventId: event.event_id,
          load,
          audit,
          logReplay,
        });
        results.push(result);
        await hooks.onResult?.(result);
        if (load.stoppedBy === 'timeout' || load.stoppedBy === 'interrupted') return { results, stoppedBy: load.stoppedBy };
      }
      return { results, stoppedBy: 'done' };
    } finally {
      await fleet.stop();
    }
  } finally {
    await database.close();
  }
}
