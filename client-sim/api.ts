import pLimit from 'p-limit';
import { Pool, errors as undiciErrors } from 'undici';
import type { ErrorKind, Metrics } from './metrics.js';

export interface ListedHotel {
  hotel_id: string;
  available: number;
}

/** What a client learns from one reserve call; failures are counted in the metrics, not thrown. */
export type ReserveReply = 'reserved' | 'conflict' | 'insufficient' | 'failed';

export interface ApiOptions {
  /** Requests in flight at once over all servers. */
  inFlight: number;
  requestTimeoutMs: number;
  metrics: Metrics;
  signal: AbortSignal;
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
  const { metrics, signal } = options;
  const connections = Math.max(1, Math.ceil(options.inFlight / serverUrls.length));
  const pools = serverUrls.map(
    (url) =>
      new Pool(url, {
        connections,
        keepAliveTimeout: 60_000,
        headersTimeout: options.requestTimeoutMs,
        bodyTimeout: options.requestTimeoutMs,
      }),
  );
  const limit = pLimit(options.inFlight);

  /** One HTTP call; undefined when it failed (counted) or the run was stopped. */
  const call = (server: number, method: 'GET' | 'POST', path: string, isReserve: boolean) =>
    limit(async () => {
      if (signal.aborted) return undefined;
      const startedAt = performance.now();
      try {
        const response = await pools[server % pools.length]!.request({ method, path, signal });
        const body: unknown = await response.body.json();
        metrics.recordRequest(startedAt, isReserve);
        if (response.statusCode >= 500) metrics.recordError('http_5xx');
        return { status: response.statusCode, body };
      } catch (error) {
        if (signal.aborted) return undefined;
        metrics.recordRequest(startedAt, false);
        metrics.recordError(errorKind(error));
        return undefined;
      }
    });

  return {
    /** Hotels with rooms left, in the server's order; undefined when the call failed. */
    async available(server: number, eventId: string): Promise<ListedHotel[] | undefined> {
      const reply = await call(server, 'GET', `/${eventId}/available`, false);
      if (reply?.status === 200 && Array.isArray(reply.body)) return reply.body as ListedHotel[];
      if (reply && reply.status < 500) metrics.recordError('unexpected_status');
      return undefined;
    },

    /** Reserve as the Evento client does: rooms and email as query parameters. */
    async reserve(server: number, eventId: string, hotelId: string, strategy: string, rooms: number, email: string): Promise<ReserveReply> {
      const query = new URLSearchParams({ rooms: String(rooms), email });
      const reply = await call(server, 'POST', `/${eventId}/${hotelId}/reserve/${strategy}?${query}`, true);
      if (!reply) return 'failed';
      switch (reply.status) {
        case 201:
          return 'reserved';
        case 409:
          metrics.recordConflict(conflictReasonOf(reply.body));
          return 'conflict';
        case 422:
          return 'insufficient';
        default:
          if (reply.status < 500) metrics.recordError('unexpected_status');
          return 'failed';
      }
    },

    async close() {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}

export type Api = ReturnType<typeof createApi>;
