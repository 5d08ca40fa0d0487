import type { Sql } from '../../db/connection.js';
import { findTenantLock, tenantContexts } from '../../strategies/registry.js';
import { projectPath } from '../model/paths.js';
import type { EventAudit } from '../model/seeded-event.js';
import type { Workload } from '../model/workload.js';
import { auditEvent, auditOfHotels, seedEvent } from './event.js';

/**
 * `tenants` tenants, each with an event of its own (`hotels` hotels of `rooms` rooms), all
 * tagged with the first event's id as the run's; events and event-hotel rows carry their tenant.
 */
export async function seedTenants(sql: Sql, tenants: number, hotels: number, rooms: number, name = `evento tenants ${new Date().toISOString()}`) {
  const events = [];
  for (let index = 1; index <= tenants; index += 1) events.push(await seedEvent(sql, hotels, rooms, `${name} tenant ${index}`));
  const eventIds = events.map((event) => event.event_id);
  const rows = await sql<{ tenant_id: string; event_id: string }[]>`
    with seeded as (
      select gen_random_uuid() as tenant_id, event_id, n
      from unnest(${eventIds}::uuid[]) with ordinality as e (event_id, n)
    ), tenant as (
      insert into tenants (id, name, run_id)
      select tenant_id, 'Tenant ' || lpad(n::text, 3, '0'), ${eventIds[0] ?? null}::uuid from seeded
    ), event as (
      update events set tenant_id = seeded.tenant_id from seeded where events.id = seeded.event_id
    ), rooms as (
      update event_hotel_rooms set tenant_id = seeded.tenant_id from seeded where event_hotel_rooms.event_id = seeded.event_id
    )
    select tenant_id, event_id from seeded order by n
  `;
  return { events, tenants: rows.map((row) => ({ id: row.tenant_id, eventId: row.event_id })) };
}

/** One audit over several events: their hotels together, their totals summed. */
const together = (audits: EventAudit[]): EventAudit => auditOfHotels(audits.flatMap((audit) => audit.hotels));

export const tenantsWorkload: Workload<'tenants'> = {
  name: 'tenants',
  summary: 'tenants reserve in their own events and read their reservations back; every row they are given must be theirs',
  strategiesIn: () => tenantContexts,
  knowledgeOf: (_context, settings) => findTenantLock(settings.tenants.lock),
  async start(sql, config, settings, eventName) {
    const { tenants } = settings;
    const seeded = await seedTenants(sql, tenants.tenants, config.hotels, config.rooms, eventName);
    const [first] = seeded.events;
    if (!first) throw new Error('a tenants run seeds at least one tenant');
    return {
      event: { event_id: first.event_id, hotels: seeded.events.flatMap((event) => event.hotels) },
      settings,
      plan: { tenants: { tenants: seeded.tenants, lock: tenants.lock } },
    };
  },
  async audit(sql, eventId, clientCounts) {
    const [found] = await sql.file<[{ cross_tenant_writes: number; event_ids: string[] }]>(projectPath('sql/audit-tenants.sql'), [eventId]);
    const writes = found.cross_tenant_writes;
    const reads = clientCounts?.cross_tenant_reads ?? 0;
    const audits = await Promise.all(found.event_ids.map((id) => auditEvent(sql, id)));
    return {
      rooms: together(audits),
      counts: { cross_tenant_reads: reads, cross_tenant_writes: writes },
      problems: reads + writes > 0 ? [`LEAKED ${reads + writes}`] : [],
    };
  },
};
