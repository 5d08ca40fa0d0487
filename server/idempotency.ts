import { createHash } from 'node:crypto';
import type { Sql } from '../db/connection.js';
import type { Decision } from '../strategies/types.js';

/** What a route answers: the status and the JSON body, as stored for a replay. */
export interface Reply {
  status: number;
  body: object;
  /** Set when the reply is the stored answer to an earlier request with the same request_id. */
  replayed?: boolean;
  /** What the strategy decided on, sent as the `evento-decision` header when the client asked for it. */
  decision?: Decision;
}

export interface IdempotencyOptions {
  /** Off: request_id is only recorded, and a retried request runs again (the unsafe twin). */
  enabled: boolean;
  /** How long a request_id is remembered; after that it may be used for a new request. */
  ttlMs: number;
}

export const defaultIdempotencyTtlMs = 24 * 3_600_000;

/** A claimed request_id's row: the status and the response are written together, once the first request has its reply. */
type StoredKey = { request_hash: string } & ({ status: null; response: null } | { status: number; response: object });

/** Still running, or just released after a lost race: the retry will find out. */
const inProgress: Reply = { status: 409, body: { error: 'conflict', retryable: true, reason: 'request_in_progress' } };

/** A reply a retry must get again; a lost race (409 retryable) or a 5xx is worth running again. */
const isFinal = (reply: Reply) => reply.status < 500 && !('retryable' in reply.body && reply.body.retryable === true);

/**
 * Runs `execute` at most once per request_id. The first request claims the id (insert, committed
 * at once); a concurrent or later one with the same id and the same request gets the stored
 * reply, or a retryable 409 while the first is still running; with another request, 409
 * idempotency_mismatch. Claim and execution are separate transactions, so that strategies keep
 * their own: a server that dies in between leaves the id claimed, unanswered, until it expires.
 */
export function idempotency(sql: Sql, options: IdempotencyOptions) {
  return async function once(requestId: string | null, request: object, execute: () => Promise<Reply>): Promise<Reply> {
    if (!options.enabled || requestId === null) return execute();
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const [claimed] = await sql`
      insert into idempotency_keys (key, request_hash, status, response, created_at, expires_at)
      values (${requestId}, ${hash}, null, null, now(), now() + ${options.ttlMs}::float8 * interval '1 millisecond')
      on conflict (key) do update
        set request_hash = excluded.request_hash, status = null, response = null,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        where idempotency_keys.expires_at <= now()
      returning key
    `;
    if (claimed) return runClaimed(requestId, execute);
    const [stored] = await sql<StoredKey[]>`
      select request_hash, status, response from idempotency_keys where key = ${requestId}
    `;
    if (!stored) return inProgress;
    if (stored.request_hash !== hash) {
      return {
        status: 409,
        body: { error: 'idempotency_mismatch', detail: 'this request_id was used for a different request' },
      };
    }
    if (stored.status === null) return inProgress;
    return { status: stored.status, body: stored.response, replayed: true };
  };

  async function runClaimed(requestId: string, execute: () => Promise<Reply>) {
    const release = () => sql`delete from idempotency_keys where key = ${requestId} and status is null`;
    let reply: Reply;
    try {
      reply = await execute();
    } catch (error) {
      // The error to report is the original one, not a failed clean-up after it.
      await release().catch(() => undefined);
      throw error;
    }
    if (isFinal(reply)) {
      await sql`update idempotency_keys set status = ${reply.status}, response = ${sql.json(reply.body as never)} where key = ${requestId}`;
    } else {
      await release();
    }
    return reply;
  }
}

export type Idempotent = ReturnType<typeof idempotency>;
