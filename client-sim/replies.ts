import type { Delivered } from './http-call.js';
import type { Metrics } from './metrics.js';

export interface ListedHotel {
  hotel_id: string;
  available: number;
}

/** What a client learns from one reserve call; failures are counted in the metrics, not thrown. */
export type ReserveReply = 'reserved' | 'conflict' | 'insufficient' | 'failed';

/** A reservation as a tenant is given it: the client checks `tenant_id`. */
export interface TenantRow {
  id: string;
  tenant_id: string | null;
}

/** A reserve call's reply, with the new reservation's id when there is one, and a 422's rooms left. */
export type Claim =
  { reply: 'reserved'; id: string; available?: undefined } | { reply: Exclude<ReserveReply, 'reserved'>; id?: undefined; available?: number };

/** A confirm or cancel: `moved`, or `refused` (409: the reservation is no longer HELD). */
export type TransitionReply = 'moved' | 'refused' | 'conflict' | 'failed';

/** A booking: `taken` when an active booking overlaps the window (409 slot_taken). */
export type BookReply = 'booked' | 'taken' | 'conflict' | 'failed';

/** What came back for a request: a response, none though it may have been applied, or none at all. */
type Received = Delivered | 'unanswered' | undefined;

/** The `reason` of a 409 body; the original Evento server sends none. */
function conflictReasonOf(body: unknown): string {
  const reason = typeof body === 'object' && body !== null && 'reason' in body ? body.reason : undefined;
  return typeof reason === 'string' ? reason : 'unknown';
}

/** A 422 body's `available`; undefined when it has none (the original Evento server sends none). */
function availableIn(body: unknown): number | undefined {
  const available = typeof body === 'object' && body !== null && 'available' in body ? body.available : undefined;
  return typeof available === 'number' ? available : undefined;
}

/** Reads what the server answered as what a client acts on, counting conflicts and surprises in the metrics. */
export function createReplies(metrics: Metrics) {
  /** A 409 that says "try again" is a conflict, counted by reason; any other 409 is the answer. */
  const isRetryable = (reply: Delivered) => {
    const retryable = typeof reply.body === 'object' && reply.body !== null && 'retryable' in reply.body && reply.body.retryable === true;
    if (retryable) metrics.recordConflict(conflictReasonOf(reply.body));
    return retryable;
  };

  /**
   * Records a write's fate by its request_id: acknowledged when answered `done`; indeterminate
   * with no answer or a 5xx (the server could not tell whether it committed). True when indeterminate.
   */
  const recordWrite = (reply: Received, requestId: string | undefined, done: number) => {
    const indeterminate = reply === 'unanswered' || (reply !== undefined && reply.status >= 500);
    if (requestId === undefined) return indeterminate;
    if (indeterminate) metrics.recordWrite('indeterminate', requestId);
    else if (reply?.status === done) metrics.recordWrite('acknowledged', requestId);
    return indeterminate;
  };

  const unexpected = (reply: Delivered | undefined) => {
    if (reply && reply.status < 500) metrics.recordError('unexpected_status');
    return 'failed' as const;
  };

  return {
    /** Hotels with rooms left, in the server's order; undefined when the call failed. */
    listed(reply: Delivered | undefined): ListedHotel[] | undefined {
      if (reply?.status === 200 && Array.isArray(reply.body)) return reply.body as ListedHotel[];
      unexpected(reply);
      return undefined;
    },

    /** A reserve or a hold. */
    claimed(reply: Received, requestId: string | undefined): Claim {
      // No answer, or a server that could not tell (5xx): the claim may have been applied.
      if (recordWrite(reply, requestId, 201) || reply === 'unanswered' || !reply) return { reply: 'failed' };
      if (reply.status === 201) return { reply: 'reserved', id: (reply.body as { reservation: { id: string } }).reservation.id };
      if (reply.status === 409 && isRetryable(reply)) return { reply: 'conflict' };
      if (reply.status === 422) return { reply: 'insufficient', available: availableIn(reply.body) };
      return { reply: unexpected(reply) };
    },

    transitioned(reply: Received, requestId: string | undefined): TransitionReply {
      recordWrite(reply, requestId, 200);
      if (!reply || reply === 'unanswered') return 'failed';
      if (reply.status === 200) return 'moved';
      if (reply.status === 409) return isRetryable(reply) ? 'conflict' : 'refused';
      return unexpected(reply);
    },

    /** A tenant's read: one reservation (none when 404) or a list; undefined when the call failed. */
    tenantRows(reply: Delivered | undefined): TenantRow[] | undefined {
      if (reply?.status === 404) return [];
      const body = reply?.status === 200 && typeof reply.body === 'object' && reply.body !== null ? reply.body : undefined;
      if (body && 'reservation' in body) return [body.reservation as TenantRow];
      if (body && 'reservations' in body && Array.isArray(body.reservations)) return body.reservations as TenantRow[];
      unexpected(reply);
      return undefined;
    },

    booked(reply: Received, requestId: string | undefined): BookReply {
      recordWrite(reply, requestId, 201);
      if (!reply || reply === 'unanswered') return 'failed';
      if (reply.status === 201) return 'booked';
      if (reply.status !== 409) return unexpected(reply);
      if (isRetryable(reply)) return 'conflict';
      if (conflictReasonOf(reply.body) === 'exclusion_violation') metrics.count('exclusion_violations');
      return 'taken';
    },
  };
}
