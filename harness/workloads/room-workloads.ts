import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../../db/connection.js';
import { startLoop } from '../../lib/background-loop.js';
import { expireHolds, untilLastHoldLapses } from '../../strategies/hold-lifecycle.js';
import { classifyError } from '../../strategies/sqlstate.js';
import type { Strategy } from '../../strategies/types.js';
import { projectPath } from '../model/paths.js';
import type { Workload } from '../model/workload.js';
import type { SettingsOf } from '../model/workload-settings.js';
import { auditEvent, defaultBuckets, keepRooms, seedEvent } from './event.js';

/** The rooms settings a run used: buckets (the default when unset) only for a strategy that keeps its rooms in them. */
export const roomSettingsUsed = (settings: SettingsOf<'rooms'>, keepsBuckets: boolean): SettingsOf<'rooms'> =>
  keepsBuckets ? { workload: 'rooms', buckets: settings.buckets ?? defaultBuckets } : { workload: 'rooms' };

export const roomsWorkload: Workload<'rooms'> = {
  name: 'rooms',
  summary: 'reserve rooms until every hotel is sold out',
  strategiesIn: (registry) => registry.strategies,
  knowledgeOf: (strategy: Strategy) => strategy,
  async start(sql, config, settings, eventName, inventory) {
    const event = await seedEvent(sql, config.hotels, config.rooms, eventName);
    const used = roomSettingsUsed(settings, inventory === 'buckets');
    if (inventory) await keepRooms(sql, event.event_id, inventory, used.buckets);
    return { event, settings: used, plan: {} };
  },
  async audit(sql, eventId, _counts, inventory) {
    return { rooms: await auditEvent(sql, eventId, inventory), counts: {}, problems: [] };
  },
};

export const holdsWorkload: Workload<'holds'> = {
  name: 'holds',
  summary: 'hold rooms, then confirm, cancel or abandon each hold; a sweeper expires lapsed ones',
  strategiesIn: (registry) => registry.holdStrategies,
  knowledgeOf: (strategy: Strategy) => strategy,
  async start(sql, config, settings, eventName) {
    const { holds } = settings;
    const event = await seedEvent(sql, config.hotels, config.rooms, eventName);
    return {
      event,
      settings,
      plan: {
        holds: {
          confirmRatio: holds.confirm_ratio,
          cancelRatio: holds.cancel_ratio,
          ttlMs: holds.hold_ttl_ms,
          releaseMs: holds.hold_ttl_ms + holds.sweep_ms,
        },
      },
      sweeper: startSweeper(sql, event.event_id, holds.sweep_ms),
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
