import { findStrategy, strategyNames } from '../strategies/registry.js';
import type { Sql } from '../db/connection.js';
import type { Decision } from '../strategies/types.js';
import type { Idempotent, Reply } from './idempotency.js';
import { invalid, replyTo } from './replies.js';
import { isUuid, parseReserveRequest } from './validate.js';

/** The two routes the Evento client calls, as plain functions: Express and the fast path share them. */
export function roomRoutes(sql: Sql, idempotent: Idempotent) {
  return {
    async available(eventId: string): Promise<Reply> {
      if (!isUuid(eventId)) return invalid('event_id must be a uuid');
      const hotels = await sql<{ hotel_id: string; available: number }[]>`
        select ehr.hotel_id, ehr.contracted - (ehr.reserved + ehr.locked) as available
        from event_hotel_rooms ehr join hotels h on h.id = ehr.hotel_id
        where ehr.event_id = ${eventId} and ehr.contracted - (ehr.reserved + ehr.locked) > 0
        order by h.name
      `;
      if (hotels.length === 0) {
        const [event] = await sql`select 1 from events where id = ${eventId}`;
        if (!event) return { status: 404, body: { error: 'not_found', detail: 'no such event' } };
      }
      return { status: 200, body: hotels };
    },

    /** `decision`, when given, is filled in by the strategy and sent back with the reply. */
    async reserve(
      params: { eventId: string; hotelId: string; strategy: string },
      query: Record<string, unknown>,
      body: unknown,
      decision?: Decision,
    ): Promise<Reply> {
      const strategy = findStrategy(params.strategy);
      if (!strategy) return invalid(`unknown strategy "${params.strategy}"`, { strategies: strategyNames });
      const parsed = parseReserveRequest(params, query, body);
      if (!parsed.ok) return invalid(parsed.detail);
      const request = parsed.value;
      return idempotent(request.requestId, { route: 'reserve', strategy: strategy.name, ...request }, async () => ({
        ...replyTo(await strategy.reserve(sql, { ...request, decision }), 'event or hotel'),
        decision,
      }));
    },
  };
}

export type RoomRoutes = ReturnType<typeof roomRoutes>;
