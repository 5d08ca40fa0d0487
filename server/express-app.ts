import type { IncomingMessage, RequestListener } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import type { Sql } from '../db/connection.js';
import type { Idempotent } from './idempotency.js';
import { healthReply } from './fast-path.js';
import { lifecycleRoutes } from './lifecycle-routes.js';
import { decisionFor, errorReply, send } from './replies.js';
import type { RoomRoutes } from './room-routes.js';
import type { ServedStrategies } from './served-strategies.js';
import { slotRoutes } from './slot-routes.js';
import { tenantRoutes } from './tenant-routes.js';

/** Request bodies are tiny; anything larger is refused with 413 before it is parsed. */
export const bodyLimitBytes = 16 * 1024;

/** What the Express app answers with, made once by createApp and shared with the fast path. */
export interface ExpressRoutes {
  sql: Sql;
  tenantSql: Sql | undefined;
  authorized: (req: IncomingMessage) => boolean;
  idempotent: Idempotent;
  served: ServedStrategies;
  rooms: RoomRoutes;
}

/** Every route, in Express: what the fast path leaves (other forms, other routes, errors). */
export function expressApp({ sql, tenantSql, authorized, idempotent, served, rooms }: ExpressRoutes, guarded: boolean): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', async (_req, res) => send(res, await healthReply(sql)));

  if (guarded) {
    app.use((req, res, next) => {
      if (authorized(req)) next();
      else res.status(401).json({ error: 'unauthorized', detail: 'send Authorization: Bearer <token>' });
    });
  }
  const json = express.json({ limit: bodyLimitBytes, strict: false });

  app.get('/:eventId/available', async (req, res) => send(res, await rooms.available(req.params.eventId)));
  app.post('/:eventId/:hotelId/reserve/:strategy', json, async (req, res) =>
    send(res, await rooms.reserve(req.params, req.query, req.body, decisionFor(req.headers))),
  );

  app.use(lifecycleRoutes(sql, idempotent, json, served));
  app.use(slotRoutes(sql, idempotent, json, served.phases));
  app.use(tenantRoutes(tenantSql, idempotent, json, served));

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', detail: `no route for ${req.method} ${req.path}` });
  });

  app.use(errorHandler);
  return app;
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
