import { Pool, type Dispatcher } from 'undici';
import { at } from '../lib/at.js';
import type { Delivered, Transport } from './transport.js';

/** Servers that may be replaced mid-run (fault injection): a killed one comes back on a new port. */
export interface ReplaceableServers {
  /** The servers' URLs, changed in place when one is replaced. */
  readonly urls: readonly string[];
  /** Pending while server `index` is being replaced. */
  restarting(index: number): Promise<void> | undefined;
}

export interface ServerPoolsOptions {
  /** Requests in flight at once over all servers. */
  inFlight: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  /** When servers may be replaced: requests to one wait for its replacement and go to its new URL. */
  replaceableServers?: ReplaceableServers;
}

/** Where a server's reply carries its strategy's decision (server/replies.ts). */
const decisionHeader = 'evento-decision';

/**
 * One request through undici's dispatcher, its reply read from the handler's callbacks: no
 * response stream, promise or async resource per request as `pool.request` makes. `patience`
 * aborts the wait for the answer.
 */
function exchange(pool: Pool, options: Dispatcher.DispatchOptions, patience?: AbortSignal): Promise<Delivered> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let replayed = false;
    let decision: string | undefined;
    const chunks: Buffer[] = [];
    let stopWatching: (() => void) | undefined;
    pool.dispatch(options, {
      onRequestStart(controller) {
        if (!patience) return;
        const giveUp = () => {
          controller.abort(patience.reason as Error);
        };
        if (patience.aborted) {
          giveUp();
          return;
        }
        patience.addEventListener('abort', giveUp, { once: true });
        stopWatching = () => {
          patience.removeEventListener('abort', giveUp);
        };
      },
      onResponseStart(_controller, statusCode, headers) {
        // An informational (1xx) reply comes before the real one.
        if (statusCode < 200) return;
        status = statusCode;
        replayed = headers['idempotent-replayed'] === 'true';
        const decided = headers[decisionHeader];
        decision = typeof decided === 'string' ? decided : undefined;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        stopWatching?.();
        try {
          const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve({ status, body, replayed, decision });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
      onResponseError(_controller, error) {
        stopWatching?.();
        reject(error);
      },
    });
  });
}

/** Keep-alive connection pools, one per server, that follow a server to its new URL when it is replaced. */
export function createServerPools(serverUrls: string[], options: ServerPoolsOptions): Transport {
  const { signal, replaceableServers } = options;
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
  // Stopping ends the requests in flight all at once; a signal per request would cost each an
  // abort listener on one signal, O(requests in flight) to add (see pause in client.ts).
  signal.addEventListener('abort', () => pools.forEach((pool) => void pool.destroy()), { once: true });

  /** Waits while server `index` is being replaced, then sends to it at its new URL. */
  async function follow(servers: ReplaceableServers, index: number) {
    await servers.restarting(index);
    const url = at(servers.urls, index);
    if (url === urls[index] || signal.aborted) return;
    void at(pools, index).destroy();
    pools[index] = openPool(url);
    urls[index] = url;
  }

  return {
    /** Waits while the server that `server` (a client's index, say) is sent to is being replaced. */
    ready: (server) => (replaceableServers ? follow(replaceableServers, server % pools.length) : undefined),

    send(server, method, path, headers, json, patience) {
      return exchange(
        at(pools, server % pools.length),
        {
          method,
          path,
          headers: json ? { 'content-type': 'application/json', ...headers } : headers,
          ...(json && { body: JSON.stringify(json) }),
        },
        patience,
      );
    },

    /**
     * Opens the keep-alive connections the clients will use before they start, as a load
     * generator does, so their phase measures requests rather than handshakes
     * (docs/performance.md). A failure is left
     * for the clients' own requests to meet and count.
     */
    async openConnections(clients: number) {
      const perServer = Math.min(connections, Math.ceil(clients / pools.length));
      const health = (pool: Pool) =>
        pool.request({ method: 'GET', path: '/health' }).then(
          (response) => response.body.dump(),
          () => undefined,
        );
      await Promise.all(pools.flatMap((pool) => Array.from({ length: perServer }, () => health(pool))));
    },

    async close() {
      await Promise.all(pools.filter((pool) => !pool.destroyed).map((pool) => pool.close()));
    },
  };
}
