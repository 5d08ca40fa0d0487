import { at } from '../lib/at.js';
import type { Api, TenantCaller } from './api.js';
import { clientContext, retryConflicts, type ClientPlan, type TenantPlan } from './client.js';
import type { Metrics } from './metrics.js';
import type { TenantRow } from './replies.js';

/** How many of its latest reservations a client reads back after each one. */
const listedPerRead = 20;

// Reservation ids each tenant's clients were given, per run: a client asks for another tenant's
// to check that it gets a 404. One list per plan, shared by the clients of one load.
const idsOf = new WeakMap<TenantPlan, string[][]>();

function idsByTenant(plan: TenantPlan) {
  const known = idsOf.get(plan) ?? plan.tenants.map(() => []);
  idsOf.set(plan, known);
  return known;
}

/**
 * The tenants workload's client, acting for tenant `index mod n`: the Evento loop in its own
 * event (list, reserve, retry on 409), and after each reservation it reads back that
 * reservation, its latest ones, and one of another tenant's. Every row it is given must be its
 * tenant's: any other is a cross-tenant read. Its own event or reservation not found (404) means
 * the request ran as no tenant or another, and is counted apart.
 */
export async function runTenantClient(index: number, server: number, api: Api, plan: ClientPlan, metrics: Metrics, signal: AbortSignal) {
  const { tenants } = plan;
  if (!tenants) throw new Error('the tenants workload runs only with a tenant plan');
  const client = clientContext(index, plan, signal);
  const count = tenants.tenants.length;
  const mine = index % count;
  const tenant = at(tenants.tenants, mine);
  const known = idsByTenant(tenants);
  const caller: TenantCaller = { server, context: plan.strategy, tenantId: tenant.id };
  const email = `client-${index}@evento.test`;
  metrics.count('cross_tenant_reads', 0);

  /** Counts the rows given and those of another tenant. */
  const check = (rows: TenantRow[]) => {
    metrics.count('rows_read', rows.length);
    metrics.count('cross_tenant_reads', rows.filter((row) => row.tenant_id !== tenant.id).length);
  };

  async function readBack(id: string) {
    const own = await api.tenantReservations(caller, { id });
    if (own?.length === 0) metrics.count('own_rows_hidden');
    const latest = await api.tenantReservations(caller, { limit: listedPerRead });
    const others = count > 1 ? at(known, (mine + client.random(1, count - 1)) % count) : [];
    const foreign = others.length > 0 ? await api.tenantReservations(caller, { id: at(others, client.random(0, others.length - 1)) }) : [];
    if (others.length > 0) metrics.count('foreign_probes');
    for (const rows of [own, latest, foreign]) if (rows) check(rows);
    return own !== undefined && latest !== undefined && foreign !== undefined;
  }

  while (!signal.aborted) {
    const hotels = await api.tenantAvailable(caller, tenant.eventId);
    if (hotels === 'hidden') metrics.count('own_rows_hidden');
    if (hotels === undefined || hotels === 'hidden') {
      if (await client.failed()) continue;
      return;
    }
    if (hotels.length === 0) return;
    const hotel = at(hotels, plan.pick === 'first' ? 0 : client.random(0, hotels.length - 1));
    const rooms = Math.min(client.random(1, plan.maxRooms), hotel.available);
    const firstAttemptAtMs = client.firstAttemptAt();
    const { reply: claim, attempts } = await retryConflicts(
      () => api.tenantClaim(caller, tenants.lock, { eventId: tenant.eventId, hotelId: hotel.hotel_id, rooms, email }),
      metrics,
      signal,
      (r) => r.reply === 'conflict',
    );
    let settled = claim.reply !== 'failed' && claim.reply !== 'hidden';
    if (claim.reply === 'hidden') metrics.count('own_rows_hidden');
    if (claim.reply === 'insufficient') metrics.recordInsufficient();
    if (claim.reply === 'reserved') {
      client.waitOver();
      metrics.recordReservation(rooms, firstAttemptAtMs, performance.now(), attempts);
      at(known, mine).push(claim.id);
      settled = await readBack(claim.id);
    }
    if (!settled) {
      if (await client.failed()) continue;
      return;
    }
    client.succeeded();
    await client.think();
  }
}
