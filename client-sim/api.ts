import type { History, HistoryOp, Received, RequestFields } from './history.js';
import { createHttpCall } from './http-call.js';
import type { Metrics } from './metrics.js';
import { createReplies, type BookReply, type Claim, type ListedHotel, type TenantRow, type TransitionReply } from './replies.js';
import { createResendingPost } from './resend.js';
import { createResponseLoss, type ResendPlan } from './response-loss.js';
import { directTransport } from './direct.js';
import { createServerPools, type ReplaceableServers } from './server-pools.js';
import type { DirectServers } from './transport.js';

/** A reserve or a hold; as a JSON body (resent when its answer is lost) or as Evento sends it, in the query. */
export interface ClaimRequest {
  form: 'json' | 'query';
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
  /** When set, every operation is recorded in it, with what the server's strategy decided on. */
  history?: History;
  /** Sent with every request, e.g. a target's `authorization`. */
  headers?: Record<string, string>;
  /** The servers' routes in this process, called instead of the servers at their URLs (--via direct). */
  direct?: DirectServers;
}

/** A read's request fields: it has no request_id. */
const aRead: RequestFields = { request_id: null };

/** Evento's query form of a claim; not built by spreading, which V8 runs slowly on the clients' path. */
function queryOf(rooms: number, email: string, requestId: string | undefined) {
  const query = new URLSearchParams({ rooms: String(rooms), email });
  if (requestId) query.set('request_id', requestId);
  return query.toString();
}

/** Who sends a request: the simulated client, and the server it talks to. */
export interface Caller {
  client: number;
  server: number;
}

const tenantHeader = (caller: TenantCaller) => ({ 'x-tenant-id': caller.tenantId });

/**
 * The Evento HTTP API as the simulated clients use it: keep-alive pools, one per server (or the
 * servers' routes in this process), and one bound on requests in flight across all of them.
 */
export function createApi(serverUrls: string[], options: ApiOptions) {
  const { history } = options;
  const pools = options.direct ? directTransport(options.direct) : createServerPools(serverUrls, options);
  const loss = createResponseLoss(options.resend);
  const { call, plain } = createHttpCall(pools, loss, { ...options, history: history !== undefined });
  const post = createResendingPost(call, loss, options.metrics);
  const replies = createReplies(options.metrics);

  /**
   * Sends a request and, with a history, records it as one operation from the first send to
   * the last answer (resends included), with `request`, the request's fields.
   */
  async function operation<R extends Received>(caller: Caller, op: HistoryOp['op'], send: () => Promise<R>, request: RequestFields): Promise<R> {
    if (!history) return send();
    const invoke = history.now();
    const reply = await send();
    history.record(caller, op, invoke, request, reply);
    return reply;
  }

  return {
    /** Hotels with rooms left, in the server's order; undefined when the call failed. */
    async available(caller: Caller, eventId: string): Promise<ListedHotel[] | undefined> {
      const reply = await operation(caller, 'available', () => plain(caller.server, 'GET', `/${eventId}/available`, false), aRead);
      return replies.listed(reply);
    },

    /**
     * Reserve or hold. In the query form, as the Evento client does: rooms and email (and a
     * history's request_id) as query parameters. `id` is the new reservation's.
     */
    async claim(request: ClaimRequest, caller: Caller): Promise<Claim> {
      const { eventId, hotelId, strategy, rooms, email, requestId, holdMs } = request;
      const kind = holdMs === undefined ? 'reserve' : 'hold';
      const path = `/${eventId}/${hotelId}/${kind}/${strategy}`;
      const { server } = caller;
      const reply = await operation(
        caller,
        kind,
        async (): Promise<Received> =>
          request.form === 'query'
            ? await plain(server, 'POST', `${path}?${queryOf(rooms, email, requestId)}`, true)
            : await post(server, path, true, { rooms, email, request_id: requestId, ttl_ms: holdMs }),
        { request_id: requestId ?? null, hotel_id: hotelId, rooms },
      );
      return replies.claimed(reply, requestId);
    },

    /** Confirm or cancel a hold. */
    async transition(caller: Caller, id: string, action: 'confirm' | 'cancel', requestId?: string): Promise<TransitionReply> {
      const reply = await operation(caller, action, () => post(caller.server, `/reservations/${id}/${action}`, false, { request_id: requestId }), {
        request_id: requestId ?? null,
        reservation_id: id,
      });
      return replies.transitioned(reply, requestId);
    },

    /** Book a time window on a resource. */
    async book(caller: Caller, strategy: string, body: SlotBody): Promise<BookReply> {
      const reply = await operation(caller, 'slot', () => post(caller.server, `/slots/${strategy}`, true, body), {
        request_id: body.request_id ?? null,
        resource_id: body.resource_id,
        start: body.start,
        end: body.end,
      });
      return replies.booked(reply, body.request_id);
    },

    /** A tenant's hotels with rooms left; 'hidden' when its own event was not found (404). */
    async tenantAvailable(caller: TenantCaller, eventId: string): Promise<ListedHotel[] | 'hidden' | undefined> {
      const reply = await plain(caller.server, 'GET', `/tenants/${caller.context}/${eventId}/available`, false, tenantHeader(caller));
      return reply?.status === 404 ? 'hidden' : replies.listed(reply);
    },

    /** A tenant's reservation through the locking strategy `lock`; 'hidden' when its own event or hotel was not found (404). */
    async tenantClaim(caller: TenantCaller, lock: string, request: Omit<ClaimRequest, 'strategy' | 'form'>): Promise<Claim | { reply: 'hidden' }> {
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
