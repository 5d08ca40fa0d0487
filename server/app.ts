import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import type { Sql } from '../db/connection.js';
import { StrategyRegistry } from '../strategies/registry.js';
import type { PhaseRecorder } from '../strategies/phases.js';
import type { ServerConfigInput } from './config.js';
import { fastPath } from './fast-path.js';
import { defaultIdempotencyTtlMs, idempotency, type IdempotencyOptions } from './idempotency.js';
import { lifecycleRoutes } from './lifecycle-routes.js';
import { decisionFor, errorReply, send } from './replies.js';
import { roomRoutes } from './room-routes.js';
import type { ServedStrategies } from './served-strategies.js';
import { slotRoutes } from './slot-routes.js';
import { tenantRoutes } from './tenant-routes.js';

/** Request bodies are tiny; anything larger is refused with 413 before it is parsed. */
export const bodyLimitBytes = 16 * 1024;

/** Its settings as a server's configuration says (server/config.ts), and what it serves with. */
export interface AppOptions extends Pick<ServerConfigInput, 'token' | 'readPauseMs' | 'batchMs'> {
  /** request_id handling; on, with a 24 h memory, unless told otherwise. */
  idempotency?: IdempotencyOptions;
  /** The pool that connects as evento_tenant, for the tenants workload's routes; without it they answer 503. */
  tenantSql?: Sql;
  /** The strategies it routes to; the built-ins alone unless told otherwise. */
  registry?: StrategyRegistry;
  /** Where each reservation's time in the app tier is recorded (holds, slot bookings and tenants' too); untimed when unset. */
  phases?: PhaseRecorder;
}

/** The server's request handler: Express, behind a fast path for the Evento client's two calls. */
export function createApp(sql: Sql, options: AppOptions = {}): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', async (_req, res) => {
    await sql`select 1`;
    res.json({ ok: true });
  });

  const authorized = options.token ? bearer(options.token) : () => true;
  if (options.token) {
    app.use((req, res, next) => {
      if (authorized(req)) next();
      else res.status(401).json({ error: 'unauthorized', detail: 'send Authorization: Bearer <token>' });
    });
  }
  const idempotent = idempotency(sql, options.idempotency ?? { enabled: true, ttlMs: defaultIdempotencyTtlMs });
  const json = express.json({ limit: bodyLimitBytes, strict: false });
  const served: ServedStrategies = {
    registry: options.registry ?? new StrategyRegistry(),
    readPauseMs: options.readPauseMs,
    batchMs: options.batchMs,
    phases: options.phases,
  };
  const rooms = roomRoutes(sql, idempotent, served);

  app.get('/:eventId/available', async (req, res) => send(res, await rooms.available(req.params.eventId)));
  app.post('/:eventId/:hotelId/reserve/:strategy', json, async (req, res) =>
    send(res, await rooms.reserve(req.params, req.query, req.body, decisionFor(req.headers))),
  );

  app.use(lifecycleRoutes(sql, idempotent, json, served));
  app.use(slotRoutes(sql, idempotent, json, options.phases));
  app.use(tenantRoutes(options.tenantSql, idempotent, json, served));

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', detail: `no route for ${req.method} ${req.path}` });
  });

  app.use(errorHandler);
  const fast = fastPath(rooms, authorized);
  return (req, res) => {
    if (!fast(req, res)) app(req, res);
  };
}

/** Whether a request carries `Authorization: Bearer <token>`. */
function bearer(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return (req: IncomingMessage) => {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // Compare digests so the comparison takes the same time whatever the token's length.
    return timingSafeEqual(createHash('sha256').update(given).digest(), expected);
  };
}

/** Errors become statuses here and nowhere else: a client's mistake is 4xx, a lost race 409. */
const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  // body-parser marks its own errors (malformed JSON, too large, bad charset) with a 4xx status.
  const { status, type, message } = (error ?? {}) as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const detail = type === 'entity.too.large' ? `body larger than ${bodyLimitBytes} bytes` : String(message);
    res.status(status === 413 ? 413 : 400).json({ error: 'invalid_request', detail });
    return;
  }
  send(res, errorReply(error));
};
