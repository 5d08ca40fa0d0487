import { errors as undiciErrors } from 'undici';
import type { ErrorKind, Metrics } from './metrics.js';
import type { ResponseLoss } from './response-loss.js';
import type { Delivered, Transport } from './transport.js';

export type { Delivered } from './transport.js';

/** Asks the server for its strategy's decision; the reply carries it in `evento-decision`. */
const historyHeaders = { 'evento-history': '1' };

/**
 * 'lost' when the client gave up waiting (--client-timeout-ms); 'unanswered' when a request with
 * a body failed after it may have reached the server (it may have been applied); undefined when
 * it failed otherwise (counted) or the run was stopped.
 */
export type CallReply = Delivered | 'lost' | 'unanswered' | undefined;

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

/** The server's 500 for a strategy module that failed (server/replies.ts). */
const isStrategyError = (body: unknown) => typeof body === 'object' && body !== null && 'error' in body && body.error === 'strategy_error';

/** A refused connection never carried the request; any other failure may have come after it arrived. */
const neverSent = (error: unknown) => (error as { code?: unknown } | undefined)?.code === 'ECONNREFUSED';

/**
 * At most `most` tasks at once, the rest started in arrival order as others end. A task with
 * room starts at once: p-limit defers every task a tick and wraps it in promises of its own.
 */
function concurrencyLimit(most: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  let next = 0;
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < most) running += 1;
    else await new Promise<void>((start) => waiting.push(start));
    try {
      return await task();
    } finally {
      // The slot passes to the longest waiting task, if any.
      const start = waiting[next];
      if (start) {
        next += 1;
        // Drop the started ones now and then, so that the array stays about as long as what waits.
        if (next >= 1024 || next === waiting.length) {
          waiting.splice(0, next);
          next = 0;
        }
        start();
      } else running -= 1;
    }
  };
}

/** Calls, at most `inFlight` at once over all servers, each counted and timed in the metrics, whatever carries them. */
export function createHttpCall(
  transport: Transport,
  loss: ResponseLoss,
  options: { inFlight: number; metrics: Metrics; signal: AbortSignal; history?: boolean; headers?: Record<string, string> },
) {
  const { metrics, signal } = options;
  const asked = { ...options.headers, ...(options.history && historyHeaders) };
  const limit = concurrencyLimit(options.inFlight);

  const call = (server: number, method: 'GET' | 'POST', path: string, isReserve: boolean, json?: object, headers?: Record<string, string>) =>
    limit(async (): Promise<CallReply> => {
      const replaced = transport.ready(server);
      if (replaced) await replaced;
      if (signal.aborted) return undefined;
      const startedAt = performance.now();
      const attempt = json ? loss.patience() : undefined;
      try {
        const reply = await transport.send(server, method, path, headers ? { ...asked, ...headers } : asked, json, attempt);
        metrics.recordRequest(startedAt, isReserve);
        if (reply.status >= 500) metrics.recordError(isStrategyError(reply.body) ? 'strategy_error' : 'http_5xx');
        return reply;
      } catch (error) {
        const unanswered = json && !neverSent(error) ? 'unanswered' : undefined;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the run may have stopped during the await; the checker keeps the check from before it.
        if (signal.aborted) return unanswered;
        metrics.recordRequest(startedAt, false);
        if (attempt?.aborted) return 'lost';
        metrics.recordError(errorKind(error));
        return unanswered;
      }
    });

  /** A call without a body: never timed out by the client, so never lost. */
  const plain = async (server: number, method: 'GET' | 'POST', path: string, isReserve: boolean, headers?: Record<string, string>) => {
    const reply = await call(server, method, path, isReserve, undefined, headers);
    return typeof reply === 'string' ? undefined : reply;
  };

  return { call, plain };
}

export type HttpCall = ReturnType<typeof createHttpCall>['call'];
