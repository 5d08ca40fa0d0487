import pLimit from 'p-limit';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { Pool, errors as undiciErrors } from 'undici';
import type { ErrorKind, Metrics } from './metrics.js';

export interface ListedHotel {
  hotel_id: string;
  available: number;
}

/** What a client learns from one reserve call; failures are counted in the metrics, not thrown. */
export type ReserveReply = 'reserved' | 'conflict' | 'insufficient' | 'failed';

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

/** A confirm or cancel: `moved`, or `refused` (409: the reservation is no longer HELD). */
export type TransitionReply = 'moved' | 'refused' | 'conflict' | 'failed';

export interface SlotBody {
  resource_id: string;
  user_id: string;
  start: string;
  end: string;
  request_id?: string;
}

/** A booking: `taken` when an active booking overlaps the window (409 slot_taken). */
export type BookReply = 'booked' | 'taken' | 'conflict' | 'failed';

/** Responses that never reach the client, which sends the same request again. */
export interface ResendPlan {
  /** Share of responses lost after the server sent them, 0 to 1. */
  dropResponses: number;
  /** The client gives up waiting for a response after this long. */
  clientTimeoutMs?: number;
}

/** A request whose responses keep getting lost is given up, as a real client would. */
const maxResends = 10;

/** Servers that may be replaced mid-run (fault injection): a killed one comes back on a new port. */
export interface ReplaceableServers {
  /** The servers' URLs, changed in place when one is replaced. */
  readonly urls: readonly string[];
  /** Pending while server `index` is being replaced. */
  restarting(index: number): Promise<void> | undefined;
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

interface Delivered {
  status: number;
  body: unknown;
  /** The server answered from its idempotency record: a duplicate prevented. */
  replayed: boolean;
}

function errorKind(error: unknown): ErrorKind {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return 'timeout';
  }
  return 'network';
}

/** A refused connection never carried the request; any other failure may have come after it arrived. */
const neverSent = (error: unknown) => (error as { code?: unknown } | undefined)?.code === 'ECONNREFUSED';

/** The `reason` of a 409 body; the original Evento server sends none. */
function conflictReasonOf(body: unknown): string {
  const reason = typeof body === 'object' && body !== null && 'reason' in body ? body.reason : undefined;
  return typeof reason === 'string' ? reason : 'unknown';
}

/**
 * The Evento HTTP API as the simulated clients use it: keep-alive pools, one per server, and one
 * bound on requests in flight across all of them.
 */
export function createApi(serverUrls: string[], options: ApiOptions) {
  const { metrics, signal, replaceableServers } = options;
  const connections = Math.max(1, Math.ceil(options.inFlight / serverUrls.length));
  const openPool = (url: string) =>
    new Pool(url, {
      connections,
      keepAliveTimeout: 60_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
  const urls = [...serverUrls];
  const pools = urls.map(openPool);
  const limit = pLimit(options.inFlight);
  // Stopping ends the requests in flight all at once; a signal per request would cost each an
  // abort listener on one signal, O(requests in flight) to add (see pause in client.ts).
  signal.addEventListener('abort', () => pools.forEach((pool) => void pool.destroy()), { once: true });
  const { resend } = options;
  const dropRng = xoroshiro128plus(resend?.seed ?? 0);
  const dropped = () => !!resend && resend.dropResponses > 0 && unsafeUniformIntDistribution(0, 999_999, dropRng) < resend.dropResponses * 1_000_000;

  /** Waits while server `index` is being replaced, then sends to it at its new URL. */
  async function follow(servers: ReplaceableServers, index: number) {
    await servers.restarting(index);
    const url = servers.urls[index]!;
    if (url === urls[index] || signal.aborted) return;
    void pools[index]!.destroy();
    pools[index] = openPool(url);
    urls[index] = url;
  }

  /**
   * One HTTP call; 'lost' when the client gave up waiting (--client-timeout-ms); 'unanswered'
   * when a request with a body failed after it may have reached the server (it may have been
   * applied); undefined when it failed otherwise (counted) or the run was stopped.
   */
  const call = (server: number, method: 'GET' | 'POST', path: string, isReserve: boolean, json?: object) =>
    limit(async (): Promise<Delivered | 'lost' | 'unanswered' | undefined> => {
      if (replaceableServers) await follow(replaceableServers, server % pools.length);
      if (signal.aborted) return undefined;
      const startedAt = performance.now();
      const attempt = json && resend?.clientTimeoutMs ? AbortSignal.timeout(resend.clientTimeoutMs) : undefined;
      try {
        const response = await pools[server % pools.length]!.request({
          method,
          path,
          signal: attempt,
          ...(json && { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
        });
        const body: unknown = await response.body.json();
        metrics.recordRequest(startedAt, isReserve);
        if (response.statusCode >= 500) metrics.recordError('http_5xx');
        return { status: response.statusCode, body, replayed: response.headers['idempotent-replayed'] === 'true' };
      } catch (error) {
        const unanswered = json && !neverSent(error) ? 'unanswered' : undefined;
        if (signal.aborted) return unanswered;
        metrics.recordRequest(startedAt, false);
        if (attempt?.aborted) return 'lost';
        metrics.recordError(errorKind(error));
        return unanswered;
      }
    });

  /** A call without a body: never timed out by the client, so never lost. */
  const plain = async (server: number, method: 'GET' | 'POST', path: string, isReserve: boolean) => {
    const reply = await call(server, method, path, isReserve);
    return typeof reply === 'string' ? undefined : reply;
  };

  /**
   * A request that carries a request_id: when its response is lost (a timeout, or dropped on
   * purpose), the same request goes again, as a client that cannot tell whether it was applied.
   * 'unanswered' when it may have been applied but no answer came (given up on included).
   */
  async function post(server: number, path: string, isReserve: boolean, json: object) {
    for (let resent = 0; ; resent += 1) {
      const reply = await call(server, 'POST', path, isReserve, json);
      if (reply === 'lost') metrics.count('client_timeouts');
      else if (typeof reply === 'object' && dropped()) metrics.count('responses_dropped');
      else {
        if (typeof reply === 'object' && reply.replayed) metrics.count('duplicates_prevented');
        return reply;
      }
      if (resent === maxResends) {
        metrics.count('requests_given_up');
        return 'unanswered';
      }
      metrics.count('requests_resent');
    }
  }

  /** A 409 that says "try again" is a conflict, counted by reason; any other 409 is the answer. */
  const isRetryable = (reply: Delivered) => {
    const retryable = typeof reply.body === 'object' && reply.body !== null && 'retryable' in reply.body && reply.body.retryable === true;
    if (retryable) metrics.recordConflict(conflictReasonOf(reply.body));
    return retryable;
  };

  const unexpected = (reply: Delivered | undefined) => {
    if (reply && reply.status < 500) metrics.recordError('unexpected_status');
    return 'failed' as const;
  };

  return {
    /** Hotels with rooms left, in the server's order; undefined when the call failed. */
    async available(server: number, eventId: string): Promise<ListedHotel[] | undefined> {
      const reply = await plain(server, 'GET', `/${eventId}/available`, false);
      if (reply?.status === 200 && Array.isArray(reply.body)) return reply.body as ListedHotel[];
      if (reply && reply.status < 500) metrics.recordError('unexpected_status');
      return undefined;
    },

    /**
     * Reserve or hold. Without a request_id or a hold, as the Evento client does: rooms and email
     * as query parameters. `id` is the new reservation's.
     */
    async claim(request: ClaimRequest, server: number): Promise<{ reply: ReserveReply; id?: string }> {
      const { eventId, hotelId, strategy, rooms, email, requestId, holdMs } = request;
      const path = `/${eventId}/${hotelId}/${holdMs === undefined ? 'reserve' : 'hold'}/${strategy}`;
      const reply =
        requestId === undefined && holdMs === undefined
          ? await plain(server, 'POST', `${path}?${new URLSearchParams({ rooms: String(rooms), email })}`, true)
          : await post(server, path, true, { rooms, email, request_id: requestId, ttl_ms: holdMs });
      // No answer, or a server that could not tell (5xx): the claim may have been applied.
      if (reply === 'unanswered' || (reply && reply.status >= 500)) {
        if (requestId !== undefined) metrics.recordWrite('indeterminate', requestId);
        return { reply: 'failed' };
      }
      if (!reply) return { reply: 'failed' };
      if (reply.status === 201) {
        if (requestId !== undefined) metrics.recordWrite('acknowledged', requestId);
        return { reply: 'reserved', id: (reply.body as { reservation: { id: string } }).reservation.id };
      }
      if (reply.status === 409 && isRetryable(reply)) return { reply: 'conflict' };
      if (reply.status === 422) return { reply: 'insufficient' };
      return { reply: unexpected(reply) };
    },

    /** Confirm or cancel a hold. */
    async transition(server: number, id: string, action: 'confirm' | 'cancel', requestId?: string): Promise<TransitionReply> {
      const reply = await post(server, `/reservations/${id}/${action}`, false, { request_id: requestId });
      if (!reply || reply === 'unanswered') return 'failed';
      if (reply.status === 200) return 'moved';
      if (reply.status === 409) return isRetryable(reply) ? 'conflict' : 'refused';
      return unexpected(reply);
    },

    /** Book a time window on a resource. */
    async book(server: number, strategy: string, body: SlotBody): Promise<BookReply> {
      const reply = await post(server, `/slots/${strategy}`, true, body);
      if (!reply || reply === 'unanswered') return 'failed';
      if (reply.status === 201) return 'booked';
      if (reply.status !== 409) return unexpected(reply);
      if (isRetryable(reply)) return 'conflict';
      if (conflictReasonOf(reply.body) === 'exclusion_violation') metrics.count('exclusion_violations');
      return 'taken';
    },

    /**
     * Opens the keep-alive connections the clients will use before they start, as a load
     * generator does, so their phase measures requests rather than handshakes (the naive
     * clients phase at 500 clients on 4 servers took 6% less, median of 3). A failure is left
     * for the clients' own requests to meet and count.
     */
    async openConnections(clients: number) {
      const perServer = Math.min(connections, Math.ceil(clients / pools.length));
      const health = (pool: Pool) => pool.request({ method: 'GET', path: '/health' }).then((response) => response.body.dump(), () => undefined);
      await Promise.all(pools.flatMap((pool) => Array.from({ length: perServer }, () => health(pool))));
    },

    async close() {
      await Promise.all(pools.map((pool) => (pool.destroyed ? undefined : pool.close())));
    },
  };
}

export type Api = ReturnType<typeof createApi>;
