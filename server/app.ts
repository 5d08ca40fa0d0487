import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { Sql } from '../db/connection.js';
import { StrategyRegistry } from '../strategies/registry.js';
import type { PhaseRecorder } from '../strategies/phases.js';
import type { ServerConfigInput } from './config.js';
import type { ExpressRoutes } from './express-app.js';
import { fastPath } from './fast-path.js';
import { defaultIdempotencyTtlMs, idempotency, type IdempotencyOptions } from './idempotency.js';
import { errorReply, send } from './replies.js';
import { roomRoutes } from './room-routes.js';
import type { ServedStrategies } from './served-strategies.js';

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

/**
 * The server's request handler: a fast path for /health and the Evento client's two calls, and
 * Express for everything else, loaded at the first request that needs it, so that a server
 * whose clients only reserve never pays for loading it.
 */
export function createApp(sql: Sql, options: AppOptions = {}): RequestListener {
  const authorized = options.token ? bearer(options.token) : () => true;
  const idempotent = idempotency(sql, options.idempotency ?? { enabled: true, ttlMs: defaultIdempotencyTtlMs });
  const served: ServedStrategies = {
    registry: options.registry ?? new StrategyRegistry(),
    readPauseMs: options.readPauseMs,
    batchMs: options.batchMs,
    phases: options.phases,
  };
  const routes: ExpressRoutes = {
    sql,
    tenantSql: options.tenantSql,
    authorized,
    idempotent,
    served,
    rooms: roomRoutes(sql, idempotent, served),
  };
  const fast = fastPath(sql, routes.rooms, authorized);
  let express: Promise<RequestListener> | undefined;
  return (req, res) => {
    if (fast(req, res)) return;
    express ??= import('./express-app.js').then(({ expressApp }) => expressApp(routes, Boolean(options.token)));
    express.then(
      (app) => app(req, res),
      (error: unknown) => send(res, errorReply(error)),
    );
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
