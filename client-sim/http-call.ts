import pLimit from 'p-limit';
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

/** Calls, at most `inFlight` at once over all servers, each counted and timed in the metrics, whatever carries them. */
export function createHttpCall(
  transport: Transport,
  loss: ResponseLoss,
  options: { inFlight: number; metrics: Metrics; signal: AbortSignal; history?: boolean; headers?: Record<string, string> },
) {
  const { metrics, signal } = options;
  const asked = { ...options.headers, ...(options.history && historyHeaders) };
  const limit = pLimit(options.inFlight);

  const call = (server: number, method: 'GET' | 'POST', path: string, isReserve: boolean, json?: object, headers: Record<string, string> = {}) =>
    limit(async (): Promise<CallReply> => {
      await transport.ready(server);
      if (signal.aborted) return undefined;
      const startedAt = performance.now();
      const attempt = json ? loss.patience() : undefined;
      try {
        const reply = await transport.send(server, method, path, { ...asked, ...headers }, json, attempt);
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
