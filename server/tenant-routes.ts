import type { IncomingMessage } from 'node:http';
import express, { Router } from 'express';
import type { Db, Sql } from '../db/connection.js';
import { startPhaseTimer } from '../strategies/phases.js';
import { findTenantContext, findTenantLock, tenantContexts, tenantLocks } from '../strategies/registry.js';
import { listAvailable } from '../strategies/rooms.js';
import type { TenantContext } from '../strategies/tenant-context.js';
import type { Idempotent, Reply } from './idempotency.js';
import { availableReply, invalid, replyTo, send } from './replies.js';
import type { ServedStrategies } from './served-strategies.js';
import { isUuid, parseReserveRequest } from './validate.js';

/** A reservation as a tenant reads it back, with the tenant it belongs to, so a client can check. */
export interface TenantReservation {
  id: string;
  tenant_id: string | null;
  event_id: string | null;
  hotel_id: string | null;
  rooms: number;
  email: string;
  status: string;
}

const maxListed = 100;
const defaultListed = 20;

// A left join: a reservation written under another tenant's name than its event's is still shown
// to the tenant that owns it, so that a client sees what was written.
const reservationView = (db: Db) => db`
  select r.id, r.tenant_id, ehr.event_id, ehr.hotel_id, r.number_of_rooms as rooms, r.email, r.status
  from reservations r left join event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
`;

/** The request's tenant and tenant context, or the 400 that says what is wrong with them. */
function tenantOf(req: IncomingMessage, contextName: string): { tenantId: string; context: TenantContext } | Reply {
  const context = findTenantContext(contextName);
  if (!context) return invalid(`unknown tenant context "${contextName}"`, { contexts: tenantContexts.map(({ name }) => name) });
  const tenantId = req.headers['x-tenant-id'];
  if (!isUuid(tenantId)) return invalid('send the header X-Tenant-ID with a tenant id (a uuid)');
  return { tenantId: tenantId.toLowerCase(), context };
}

/** `limit` from the query string: 1 to 100, 20 when absent. */
function limitOf(value: unknown): number | undefined {
  if (value === undefined) return defaultListed;
  const limit = typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
  return limit >= 1 && limit <= maxListed ? limit : undefined;
}

/**
 * The tenants workload: every route names a tenant context (how the tenant is set) and takes the
 * tenant from X-Tenant-ID; `sql` connects as evento_tenant, which row-level security holds to
 * the tenant set. Without it (a server started without one) the routes answer 503.
 */
export function tenantRoutes(
  sql: Sql | undefined,
  idempotent: Idempotent,
  json: express.RequestHandler,
  { readPauseMs, batchMs, phases }: ServedStrategies,
) {
  const router = Router();
  const answer = (handle: (req: express.Request, sql: Sql) => Promise<Reply>): express.RequestHandler => {
    return async (req, res) => {
      send(res, sql ? await handle(req, sql) : { status: 503, body: { error: 'unavailable', detail: 'this server has no tenant connection' } });
    };
  };

  router.get(
    '/tenants/:context/reservations',
    answer(async (req, sql) => {
      const tenant = tenantOf(req, String(req.params.context));
      if ('status' in tenant) return tenant;
      const limit = limitOf(req.query.limit);
      if (limit === undefined) return invalid(`limit must be an integer from 1 to ${maxListed}`);
      const reservations = await tenant.context.read(
        sql,
        tenant.tenantId,
        (db) => db<TenantReservation[]>`${reservationView(db)} order by r.created_at desc, r.id limit ${limit}`,
      );
      return { status: 200, body: { reservations } };
    }),
  );

  router.get(
    '/tenants/:context/reservations/:id',
    answer(async (req, sql) => {
      const tenant = tenantOf(req, String(req.params.context));
      if ('status' in tenant) return tenant;
      const id = String(req.params.id);
      if (!isUuid(id)) return invalid('the reservation id must be a uuid');
      const [reservation] = await tenant.context.read(sql, tenant.tenantId, (db) => db<TenantReservation[]>`${reservationView(db)} where r.id = ${id}`);
      // Another tenant's reservation is answered as one that does not exist: its id says nothing.
      return reservation ? { status: 200, body: { reservation } } : replyTo({ status: 'not_found' }, 'reservation');
    }),
  );

  router.get(
    '/tenants/:context/:eventId/available',
    answer(async (req, sql) => {
      const tenant = tenantOf(req, String(req.params.context));
      if ('status' in tenant) return tenant;
      const eventId = String(req.params.eventId);
      if (!isUuid(eventId)) return invalid('event_id must be a uuid');
      return availableReply(await tenant.context.read(sql, tenant.tenantId, (db) => listAvailable(db, eventId)));
    }),
  );

  router.post(
    '/tenants/:context/:eventId/:hotelId/reserve/:lock',
    json,
    answer(async (req, sql) => {
      const tenant = tenantOf(req, String(req.params.context));
      if ('status' in tenant) return tenant;
      const lockName = String(req.params.lock);
      const lock = findTenantLock(lockName);
      if (!lock) return invalid(`"${lockName}" cannot lock a tenant's reservation`, { strategies: tenantLocks.map(({ name }) => name) });
      const parsed = parseReserveRequest({ eventId: String(req.params.eventId), hotelId: String(req.params.hotelId) }, req.query, req.body);
      if (!parsed.ok) return invalid(parsed.detail);
      const request = parsed.value;
      const { tenantId, context } = tenant;
      const timer = startPhaseTimer(phases);
      return idempotent(request.requestId, { route: 'tenant-reserve', tenantId, context: context.name, lock: lock.name, ...request }, async () =>
        replyTo(await timer.strategy(sql, (db) => context.reserve(db, tenantId, lock, { ...request, readPauseMs, batchMs })), 'event or hotel'),
      ).finally(() => timer.end());
    }),
  );

  return router;
}
