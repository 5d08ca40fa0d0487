import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { classifyError } from '../strategies/sqlstate.js';
import { findStrategy, strategyNames } from '../strategies/registry.js';
import type { Sql } from './db.js';
import { defaultIdempotencyTtlMs, idempotency, type IdempotencyOptions } from './idempotency.js';
import { lifecycleRoutes } from './lifecycle-routes.js';
import { invalidRequest, replyTo, send } from './replies.js';
import { slotRoutes } from './slot-routes.js';
import { isUuid, parseReserveRequest } from './validate.js';

/** Request bodies are tiny; anything larger is refused with 413 before it is parsed. */
export const bodyLimitBytes = 16 * 1024;

export interface AppOptions {
  /** When set, every route but /health requires `Authorization: Bearer <token>`. */
  token?: string;
  /** request_id handling; on, with a 24 h memory, unless told otherwise. */
  idempotency?: IdempotencyOptions;
}

export function createApp(sql: Sql, options: AppOptions = {}) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', async (_req, res) => {
    await sql`select 1`;
    res.json({ ok: true });
  });

  if (options.token) app.use(requireBearer(options.token));
  const idempotent = idempotency(sql, options.idempotency ?? { enabled: true, ttlMs: defaultIdempotencyTtlMs });
  const json = express.json({ limit: bodyLimitBytes, strict: false });

  app.get('/:eventId/available', async (req, res) => {
    const { eventId } = req.params;
    if (!isUuid(eventId)) return invalidRequest(res, 'event_id must be a uuid');
    const hotels = await sql<{ hotel_id: string; available: number }[]>`
      select ehr.hotel_id, ehr.contracted - (ehr.reserved + ehr.locked) as available
      from event_hotel_rooms ehr join hotels h on h.id = ehr.hotel_id
      where ehr.event_id = ${eventId} and ehr.contracted - (ehr.reserved + ehr.locked) > 0
      order by h.name
    `;
    if (hotels.length === 0) {
      const [event] = await sql`select 1 from events where id = ${eventId}`;
      if (!event) return res.status(404).json({ error: 'not_found', detail: 'no such event' });
    }
    res.json(hotels);
  });

  app.post('/:eventId/:hotelId/reserve/:strategy', json, async (req, res) => {
    const strategy = findStrategy(req.params.strategy);
    if (!strategy) {
      return invalidRequest(res, `unknown strategy "${req.params.strategy}"`, { strategies: strategyNames });
    }
    const parsed = parseReserveRequest(req.params, req.query, req.body);
    if (!parsed.ok) return invalidRequest(res, parsed.detail);
    const request = parsed.value;
    const reply = await idempotent(request.requestId, { route: 'reserve', strategy: strategy.name, ...request }, async () =>
      replyTo(await strategy.reserve(sql, request), 'event or hotel'),
    );
    send(res, reply);
  });

  app.use(lifecycleRoutes(sql, idempotent, json));
  app.use(slotRoutes(sql, idempotent, json));

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', detail: `no route for ${req.method} ${req.path}` });
  });

  app.use(errorHandler);
  return app;
}

function requireBearer(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // Compare digests so the comparison takes the same time whatever the token's length.
    if (timingSafeEqual(createHash('sha256').update(given).digest(), expected)) return next();
    res.status(401).json({ error: 'unauthorized', detail: 'send Authorization: Bearer <token>' });
  };
}

/** Errors become statuses here and nowhere else: a client's mistake is 4xx, a lost race 409. */
const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  // body-parser marks its own errors (malformed JSON, too large, bad charset) with a 4xx status.
  const status = typeof error?.status === 'number' ? error.status : 0;
  if (status >= 400 && status < 500) {
    const detail = error.type === 'entity.too.large' ? `body larger than ${bodyLimitBytes} bytes` : String(error.message);
    return res.status(status === 413 ? 413 : 400).json({ error: 'invalid_request', detail });
  }
  const errorClass = classifyError(error);
  if (errorClass.kind === 'conflict') {
    return res.status(409).json({ error: 'conflict', retryable: true, reason: errorClass.reason });
  }
  if (errorClass.kind === 'unavailable') return res.status(503).json({ error: 'unavailable' });
  console.error(error);
  res.status(500).json({ error: 'internal' });
};
