import { listAvailable, reservationWrittenBy, reserved } from '../strategies/rooms.js';
import type { Sql } from '../db/connection.js';
import { startPhaseTimer } from '../strategies/phases.js';
import type { Decision } from '../strategies/types.js';
import type { Idempotent, Reply } from './idempotency.js';
import { availableReply, invalid, replyTo } from './replies.js';
import type { ServedStrategies } from './served-strategies.js';
import { isUuid, parseReserveRequest } from './validate.js';

/**
 * The two routes the Evento client calls, as plain functions: Express and the fast path share them.
 * With `phases`, each reservation's time in the app tier is recorded there.
 */
export function roomRoutes(sql: Sql, idempotent: Idempotent, { registry, readPauseMs, batchMs, phases }: ServedStrategies) {
  return {
    async available(eventId: string): Promise<Reply> {
      if (!isUuid(eventId)) return invalid('event_id must be a uuid');
      return availableReply(await listAvailable(sql, eventId));
    },

    /** `decision`, when given, is filled in by the strategy and sent back with the reply. */
    async reserve(
      params: { eventId: string; hotelId: string; strategy: string },
      query: Record<string, unknown>,
      body: unknown,
      decision?: Decision,
    ): Promise<Reply> {
      const strategy = registry.find(params.strategy);
      if (!strategy) return invalid(`unknown strategy "${params.strategy}"`, { strategies: registry.strategyNames });
      const parsed = parseReserveRequest(params, query, body);
      if (!parsed.ok) return invalid(parsed.detail);
      const request = parsed.value;
      const timer = startPhaseTimer(phases);
      return idempotent(
        request.requestId,
        { route: 'reserve', strategy: strategy.name, ...request },
        async () => ({
          ...replyTo(await timer.strategy(sql, (db) => strategy.reserve(db, { ...request, decision, readPauseMs, batchMs })), 'event or hotel'),
          decision,
        }),
        async (requestId) => {
          const id = await reservationWrittenBy(sql, requestId);
          return id === undefined ? undefined : replyTo(reserved(id, request), 'event or hotel');
        },
      ).finally(() => timer.end());
    },
  };
}

export type RoomRoutes = ReturnType<typeof roomRoutes>;
