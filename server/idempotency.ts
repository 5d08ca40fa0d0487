import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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
  /**
   * How long an unanswered claim holds its request_id unless its server renews it (every third
   * of it, while the request runs): a resend after a crash is run again once this has passed.
   */
  leaseMs?: number;
}

export const defaultIdempotencyTtlMs = 24 * 3_600_000;
export const defaultIdempotencyLeaseMs = 5_000;

/** request_id handling as the documented variables set it (EVENTO_IDEMPOTENCY, _TTL_MS, _LEASE_MS), for a server's configuration. */
export function idempotencyOptionsFrom(env: NodeJS.ProcessEnv): Required<IdempotencyOptions> {
  return {
    enabled: env.EVENTO_IDEMPOTENCY !== 'off',
    ttlMs: Number(env.EVENTO_IDEMPOTENCY_TTL_MS ?? defaultIdempotencyTtlMs),
    leaseMs: Number(env.EVENTO_IDEMPOTENCY_LEASE_MS ?? defaultIdempotencyLeaseMs),
  };
}

/** How long a copy of a request that is still running waits for its answer before a retryable 409. */
const waitForAnswerMs = 1_000;
const pollMs = 50;

/** A claimed request_id's row: the status and the response are written together, once the first request has its reply. */
type StoredKey = { request_hash: string } & ({ status: null; response: null } | { status: number; response: object });

/** Still running, or just released after a lost race: the retry will find out. */
const inProgress: Reply = { status: 409, body: { error: 'conflict', retryable: true, reason: 'request_in_progress' } };

/** A reply a retry must get again; a lost race (409 retryable) or a 5xx is worth running again. */
const isFinal = (reply: Reply) => reply.status < 500 && !('retryable' in reply.body && reply.body.retryable === true);

/**
 * Finds what an earlier attempt of this request wrote (its row carries the request_id) and
 * answers as that attempt would have; undefined when it wrote nothing.
 */
export type Recover = (requestId: string) => Promise<Reply | undefined>;

/**
 * Runs `execute` at most once per request_id. The first request claims the id (insert, committed
 * at once) with a lease that its server renews while it runs; a concurrent or later copy gets the
 * stored reply, waits a little for it while the first still runs (then a retryable 409), or, with
 * another request, 409 idempotency_mismatch. Claim and execution are separate transactions, so
 * that strategies keep their own: a server that dies in between stops renewing, and once the
 * lease lapses a resend takes the claim over, first asking `recover` whether the dead attempt
 * committed, so that it answers from that write instead of writing again.
 */
export function idempotency(sql: Sql, options: IdempotencyOptions) {
  const leaseMs = options.leaseMs ?? defaultIdempotencyLeaseMs;

  return async function once(requestId: string | null, request: object, execute: () => Promise<Reply>, recover?: Recover): Promise<Reply> {
    if (!options.enabled || requestId === null) return execute();
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const deadline = performance.now() + waitForAnswerMs;
    for (;;) {
      // A forgotten id (past its TTL) starts afresh; a lapsed lease of the same request is taken over.
      const [claimed] = await sql<{ attempt: number }[]>`
        insert into idempotency_keys (key, request_hash, status, response, created_at, expires_at, lease_expires_at, attempts)
        values (${requestId}, ${hash}, null, null, now(), now() + ${options.ttlMs}::float8 * interval '1 millisecond',
          now() + ${leaseMs}::float8 * interval '1 millisecond', 1)
        on conflict (key) do update
          set request_hash = excluded.request_hash, status = null, response = null,
            created_at = excluded.created_at, expires_at = excluded.expires_at, lease_expires_at = excluded.lease_expires_at,
            attempts = case when idempotency_keys.expires_at <= now() then 1 else idempotency_keys.attempts + 1 end
          where idempotency_keys.expires_at <= now()
            or (idempotency_keys.status is null and idempotency_keys.request_hash = excluded.request_hash
              and coalesce(idempotency_keys.lease_expires_at, '-infinity') <= now())
        returning attempts as attempt
      `;
      if (claimed) return runClaimed(requestId, claimed.attempt, execute, recover);
      const [stored] = await sql<StoredKey[]>`
        select request_hash, status, response from idempotency_keys where key = ${requestId}
      `;
      if (stored && stored.request_hash !== hash) {
        return {
          status: 409,
          body: { error: 'idempotency_mismatch', detail: 'this request_id was used for a different request' },
        };
      }
      if (stored?.status != null) return { status: stored.status, body: stored.response, replayed: true };
      if (performance.now() >= deadline) return inProgress;
      await sleep(pollMs);
    }
  };

  async function runClaimed(requestId: string, attempt: number, execute: () => Promise<Reply>, recover: Recover | undefined) {
    const ours = sql`key = ${requestId} and attempts = ${attempt} and status is null`;
    // A failed renewal is tried again a third of a lease later; if they all fail, the lease lapses, as designed.
    const renewal = setInterval(() => {
      sql`update idempotency_keys set lease_expires_at = now() + ${leaseMs}::float8 * interval '1 millisecond' where ${ours}`.catch(() => undefined);
    }, leaseMs / 3);
    renewal.unref();
    // Not deleted: the next attempt then looks for a write this one may have made before it failed.
    const release = () => sql`update idempotency_keys set lease_expires_at = now() where ${ours}`;
    // The renewal ends with the attempt: the release or the answer after it may wait for a pooled connection, and must not hold the lease meanwhile.
    const attempted = (async () => {
      const recovered = attempt > 1 ? await recover?.(requestId) : undefined;
      return recovered ? { ...recovered, replayed: true } : await execute();
    })().finally(() => clearInterval(renewal));
    let reply: Reply;
    try {
      reply = await attempted;
    } catch (error) {
      // The error to report is the original one, not a failed clean-up after it.
      await release().catch(() => undefined);
      throw error;
    }
    if (isFinal(reply)) {
      await sql`
        update idempotency_keys set status = ${reply.status}, response = ${sql.json(reply.body as never)}, lease_expires_at = null
        where ${ours}
      `;
    } else {
      await release();
    }
    return reply;
  }
}

export type Idempotent = ReturnType<typeof idempotency>;

/**
 * What every server's connections start with: a backend whose server died stops within a second,
 * even inside a statement or a lock wait, so no write a dead server left running can commit after
 * its lease (seconds) lapsed and a resend looked for it. Needs PostgreSQL 14 or later.
 */
export const serverConnectionSettings = { client_connection_check_interval: '1s' };

/** Expired request ids are swept at least this often. */
const maxSweepEveryMs = 60_000;

/**
 * Sweeps expired request ids at once and then every `ttlMs` (at most a minute) until stopped;
 * every server runs one, as the delete is idempotent, and the table then holds what one TTL
 * brings. The first pass matters when servers are short-lived (replaced after kills).
 */
export function startKeySweeper(sql: Sql, ttlMs: number) {
  // A failed pass (the database away for a moment) is made up by the next one.
  const sweep = () => void sweepExpiredKeys(sql).catch(() => undefined);
  sweep();
  const sweeper = setInterval(sweep, Math.min(ttlMs, maxSweepEveryMs));
  sweeper.unref();
  return () => clearInterval(sweeper);
}

/** Deletes request ids past their TTL, at most `batch` of them; returns how many went. */
export async function sweepExpiredKeys(sql: Sql, batch = 10_000): Promise<number> {
  const swept = await sql`
    delete from idempotency_keys
    where key in (select key from idempotency_keys where expires_at <= now() limit ${batch} for update skip locked)
  `;
  return swept.count;
}
