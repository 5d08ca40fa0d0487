import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../../db/connection.js';
import { expireHolds, untilLastHoldLapses } from '../../strategies/hold-lifecycle.js';
import { classifyError } from '../../strategies/sqlstate.js';
import { startLoop } from '../../lib/background-loop.js';
import { auditEvent, defaultBuckets, keepRooms, seedEvent } from './event.js';
import { projectPath } from '../model/paths.js';
import type { HoldConfig } from '../model/run-config.js';
import type { Strategy } from '../../strategies/types.js';
import type { Workload } from '../model/workload.js';

// A hold must outlive a confirmation's round trip under load, or most confirmations come too late.
export const defaultHoldConfig: HoldConfig = { confirmRatio: 0.6, cancelRatio: 0.2, holdTtlMs: 1000, sweepMs: 100 };

export const roomsWorkload: Workload = {
  name: 'rooms',
  summary: 'reserve rooms until every hotel is sold out',
  strategiesIn: (registry) => registry.strategies,
  knowledgeOf: (strategy: Strategy) => strategy,
  async start(sql, config, eventName, inventory) {
    const event = await seedEvent(sql, config.hotels, config.rooms, eventName);
    if (!inventory) return { event, config: {}, plan: {} };
    const buckets = config.buckets ?? defaultBuckets;
    await keepRooms(sql, event.event_id, inventory, buckets);
    return { event, config: inventory === 'buckets' ? { buckets } : {}, plan: {} };
  },
  async audit(sql, eventId, _counts, inventory) {
    return { rooms: await auditEvent(sql, eventId, inventory), counts: {}, problems: [] };
  },
};

export const holdsWorkload: Workload = {
  name: 'holds',
  summary: 'hold rooms, then confirm, cancel or abandon each hold; a sweeper expires lapsed ones',
  strategiesIn: (registry) => registry.holdStrategies,
  knowledgeOf: (strategy: Strategy) => strategy,
  async start(sql, config, eventName) {
    const holds = config.holds ?? defaultHoldConfig;
    const event = await seedEvent(sql, config.hotels, config.rooms, eventName);
    return {
      event,
      config: { holds },
      plan: {
        holds: {
          confirmRatio: holds.confirmRatio,
          cancelRatio: holds.cancelRatio,
          ttlMs: holds.holdTtlMs,
          releaseMs: holds.holdTtlMs + holds.sweepMs,
        },
      },
      sweeper: startSweeper(sql, event.event_id, holds.sweepMs),
    };
  },
  async audit(sql, eventId) {
    const rooms = await auditEvent(sql, eventId);
    const [holds] = await sql.file<[HoldsAudit]>(projectPath('sql/audit-holds.sql'), [eventId]);
    const problems = [
      holds.leaked > 0 ? `LEAKED HOLDS ${holds.leaked}` : '',
      holds.history_mismatches > 0 ? `HISTORY MISMATCH ${holds.history_mismatches}` : '',
    ].filter(Boolean);
    return {
      rooms,
      counts: {
        holds: holds.holds,
        confirmed_holds: holds.confirmed,
        cancelled_holds: holds.cancelled,
        expired_holds: holds.expired,
        leaked_holds: holds.leaked,
        history_mismatches: holds.history_mismatches,
      },
      problems,
    };
  },
};

interface HoldsAudit {
  holds: number;
  confirmed: number;
  cancelled: number;
  expired: number;
  leaked: number;
  history_mismatches: number;
}

/** A pass that lost a race (a deadlock with a confirmation) is simply made again. */
async function sweep(sql: Sql, eventId: string, attempts = 3): Promise<void> {
  try {
    await expireHolds(sql, eventId);
  } catch (error) {
    if (attempts <= 1 || classifyError(error).kind !== 'conflict') throw error;
    await sweep(sql, eventId, attempts - 1);
  }
}

/**
 * Expires the event's lapsed holds every `everyMs` while the clients run. finish() stops it and makes the
 * last pass once the event's last hold has lapsed (at once when `signal` says the run was
 * interrupted), so that no hold outlives the run.
 */
function startSweeper(sql: Sql, eventId: string, everyMs: number) {
  // A failed pass is reported by finish().
  const passes = startLoop(
    () => sweep(sql, eventId),
    () => everyMs,
  );
  return {
    async finish(signal?: AbortSignal) {
      await passes.stop();
      for (let wait = await untilLastHoldLapses(sql, eventId); wait > 0 && !signal?.aborted; wait = await untilLastHoldLapses(sql, eventId)) {
        await sleep(wait, undefined, { signal }).catch(() => undefined);
      }
      await sweep(sql, eventId);
    },
  };
}
