import type { Response } from 'express';
import type { TransitionOutcome } from '../strategies/holds.js';
import type { BookOutcome } from '../strategies/slots.js';
import type { ReserveOutcome } from '../strategies/types.js';
import type { Reply } from './idempotency.js';

type Outcome = ReserveOutcome | TransitionOutcome | BookOutcome;

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

export function send(res: Response, reply: Reply) {
  // Tells a retrying client that this is the answer to its first try, not a second booking.
  if (reply.replayed) res.set('idempotent-replayed', 'true');
  res.status(reply.status).json(reply.body);
}

export const invalidRequest = (res: Response, detail: string, extra: object = {}) =>
  res.status(400).json({ error: 'invalid_request', detail, ...extra });
