import { createHttpCall } from './http-call.js';
import type { Metrics } from './metrics.js';
import { createReplies, type BookReply, type Claim, type ListedHotel, type TenantRow, type TransitionReply } from './replies.js';
import { createResendingPost } from './resend.js';
import { createResponseLoss, type ResendPlan } from './response-loss.js';
import { createServerPools, type ReplaceableServers } from './server-pools.js';

/** A reserve or a hold; with a request_id or a hold it goes as a JSON body, else as Evento sends it. */
export interface ClaimRequest {
  eventId: string;
  hotelId: string;
  strategy: string;
  rooms: number;
  email: string;
  requestId?: string;
  holdMs?: number;
}

export interface SlotBody {
  resource_id: string;
  user_id: string;
  start: string;
  end: string;
  request_id?: string;
}

/** Who asks, in the tenants workload: the server, the tenant context in the path, and the tenant's id for X-Tenant-ID. */
export interface TenantCaller {
  server: number;
  context: string;
  tenantId: string;
}

export interface ApiOptions {
  /** Requests in flight at once over all servers. */
  inFlight: number;
  requestTimeoutMs: number;
  metrics: Metrics;
  signal: AbortSignal;
  resend?: ResendPlan & { seed: number };
  /** When servers may be replaced: requests to one wait for its replacement and go to its new URL. */
  replaceableServers?: ReplaceableServers;
}

const tenantHeader = (caller: TenantCaller) => ({ 'x-tenant-id': caller.tenantId });

/**
 * The Evento HTTP API as the simulated clients use it: keep-alive pools, one per server, and one
 * bound on requests in flight across all of them.
 */
export function createApi(serverUrls: string[], options: ApiOptions) {
  const pools = createServerPools(serverUrls, options);
  const loss = createResponseLoss(options.resend);
  const { call, plain } = createHttpCall(pools, loss, options);
  const post = createResendingPost(call, loss, options.metrics);
  const replies = createReplies(options.metrics);

  return {
    /** Hotels with rooms left, in the server's order; undefined when the call failed. */
    async available(server: number, eventId: string): Promise<ListedHotel[] | undefined> {
      return replies.listed(await plain(server, 'GET', `/${eventId}/available`, false));
    },

    /**
     * Reserve or hold. Without a request_id or a hold, as the Evento client does: rooms and email
     * as query parameters. `id` is the new reservation's.
     */
    async claim(request: ClaimRequest, server: number): Promise<Claim> {
      const { eventId, hotelId, strategy, rooms, email, requestId, holdMs } = request;
      const path = `/${eventId}/${hotelId}/${holdMs === undefined ? 'reserve' : 'hold'}/${strategy}`;
      const reply =
        requestId === undefined && holdMs === undefined
          ? await plain(server, 'POST', `${path}?${new URLSearchParams({ rooms: String(rooms), email }).toString()}`, true)
          : await post(server, path, true, { rooms, email, request_id: requestId, ttl_ms: holdMs });
      return replies.claimed(reply, requestId);
    },

    /** Confirm or cancel a hold. */
    async transition(server: number, id: string, action: 'confirm' | 'cancel', requestId?: string): Promise<TransitionReply> {
      return replies.transitioned(await post(server, `/reservations/${id}/${action}`, false, { request_id: requestId }), requestId);
    },

    /** Book a time window on a resource. */
    async book(server: number, strategy: string, body: SlotBody): Promise<BookReply> {
      return replies.booked(await post(server, `/slots/${strategy}`, true, body), body.request_id);
    },

    /** A tenant's hotels with rooms left; 'hidden' when its own event was not found (404). */
    async tenantAvailable(caller: TenantCaller, eventId: string): Promise<ListedHotel[] | 'hidden' | undefined> {
      const reply = await plain(caller.server, 'GET', `/tenants/${caller.context}/${eventId}/available`, false, tenantHeader(caller));
      return reply?.status === 404 ? 'hidden' : replies.listed(reply);
    },

    /** A tenant's reservation through the locking strategy `lock`; 'hidden' when its own event or hotel was not found (404). */
    async tenantClaim(caller: TenantCaller, lock: string, request: Omit<ClaimRequest, 'strategy'>): Promise<Claim | { reply: 'hidden' }> {
      const { eventId, hotelId, rooms, email } = request;
      const path = `/tenants/${caller.context}/${eventId}/${hotelId}/reserve/${lock}`;
      const reply = await call(caller.server, 'POST', path, true, { rooms, email }, tenantHeader(caller));
      if (typeof reply === 'object' && reply.status === 404) return { reply: 'hidden' };
      return replies.claimed(reply === 'lost' ? 'unanswered' : reply, undefined);
    },

    /** Reservations as the tenant reads them: one by id (none: 404), or its latest `limit`. */
    async tenantReservations(caller: TenantCaller, query: { id: string } | { limit: number }): Promise<TenantRow[] | undefined> {
      const path = `/tenants/${caller.context}/reservations${'id' in query ? `/${query.id}` : `?limit=${query.limit}`}`;
      return replies.tenantRows(await plain(caller.server, 'GET', path, false, tenantHeader(caller)));
    },

    openConnections: (clients: number) => pools.openConnections(clients),
    close: () => pools.close(),
  };
}

export type Api = ReturnType<typeof createApi>;
