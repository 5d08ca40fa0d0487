import type { ServerResponse } from 'node:http';
import { StrategyError } from '../strategies/module.js';
import { classifyError } from '../strategies/sqlstate.js';
import type { TransitionOutcome } from '../strategies/hold-lifecycle.js';
import type { BookOutcome } from '../strategies/slots.js';
import type { ReserveOutcome } from '../strategies/types.js';
import type { Reply } from './idempotency.js';

type Outcome = ReserveOutcome | TransitionOutcome | BookOutcome;

/** A request with this header set (to anything) gets its strategy's decision back in `decisionHeader`. */
export const historyHeader = 'evento-history';
export const decisionHeader = 'evento-decision';

/** A decision to fill in when the request asked for one. */
export const decisionFor = (headers: Record<string, string | string[] | undefined>) => (headers[historyHeader] === undefined ? undefined : {});

/** The one place where outcomes become HTTP statuses; `missing` says what a 404 did not find. */
export function replyTo(outcome: Outcome, missing: string): Reply {
  switch (outcome.status) {
    case 'reserved':
      return { status: 201, body: { reservation: outcome.reservation } };
    case 'moved':
      return { status: 200, body: { reservation: outcome.reservation } };
    case 'booked':
      return { status: 201, body: { booking: outcome.booking } };
    case 'conflict':
      return { status: 409, body: { error: 'conflict', retryable: true, reason: outcome.reason } };
    case 'invalid_transition':
      return {
        status: 409,
        body: { error: 'invalid_transition', retryable: false, status: outcome.current, detail: `the reservation is ${outcome.current}` },
      };
    case 'taken':
      return { status: 409, body: { error: 'slot_taken', retryable: false, reason: outcome.reason } };
    case 'insufficient':
      return { status: 422, body: { error: 'insufficient_rooms', available: outcome.available } };
    case 'not_found':
      return { status: 404, body: { error: 'not_found', detail: `no such ${missing}` } };
    case 'unavailable':
      return { status: 503, body: { error: 'unavailable', detail: outcome.detail } };
  }
}

/**
 * Writes a reply as Express's res.json would, minus its per-call content-type parsing: headers
 * and a string body go out in one write, which matters on the path every client request takes.
 */
export function send(res: ServerResponse, reply: Reply) {
  const text = JSON.stringify(reply.body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  };
  // Tells a retrying client that this is the answer to its first try, not a second booking.
  if (reply.replayed) headers['idempotent-replayed'] = 'true';
  if (reply.decision) headers[decisionHeader] = JSON.stringify(reply.decision);
  res.writeHead(reply.status, headers);
  res.end(text);
}

/** GET /{event}/available: the hotels with rooms left, or 404 when there is no such event. */
export const availableReply = (hotels: object[] | undefined): Reply =>
  hotels ? { status: 200, body: hotels } : { status: 404, body: { error: 'not_found', detail: 'no such event' } };

export const invalid = (detail: string, extra: object = {}): Reply => ({ status: 400, body: { error: 'invalid_request', detail, ...extra } });

export const invalidRequest = (res: ServerResponse, detail: string, extra: object = {}) => send(res, invalid(detail, extra));

// A module strategy that fails often would fill the run's output: its first failure is printed, all are counted.
let strategyErrorPrinted = false;

/**
 * A thrown error that is not the client's mistake: a lost race is 409, a lost database 503, a
 * module strategy's own failure 500. `print` says what went wrong where the server's output goes.
 */
export function errorReply(error: unknown, print: (message: unknown) => void = console.error): Reply {
  if (error instanceof StrategyError) {
    if (!strategyErrorPrinted) print(`evento server: ${error.message} (further strategy errors are counted, not printed)`);
    strategyErrorPrinted = true;
    return { status: 500, body: { error: 'strategy_error', detail: error.message } };
  }
  const errorClass = classifyError(error);
  if (errorClass.kind === 'conflict') return { status: 409, body: { error: 'conflict', retryable: true, reason: errorClass.reason } };
  if (errorClass.kind === 'unavailable') return { status: 503, body: { error: 'unavailable' } };
  print(error);
  return { status: 500, body: { error: 'internal' } };
}
