import type { Sql } from '../../db/connection.js';
import { at } from '../../lib/at.js';
import { slotStrategies } from '../../strategies/registry.js';
import type { SlotStrategy } from '../../strategies/slots.js';
import { projectPath } from '../model/paths.js';
import type { Workload } from '../model/workload.js';

/** Every run books the same day; its resources are its own, so runs never meet. */
const slotsStartAt = Date.UTC(2030, 0, 1);

/** A new event with `resources` resources to book (sql/seed-slots.sql). */
export async function seedSlots(sql: Sql, resources: number, name = `evento slots ${new Date().toISOString()}`) {
  const rows = await sql.file<{ event_id: string; resource_id: string; name: string }[]>(projectPath('sql/seed-slots.sql'), [name, resources]);
  return {
    event_id: at(rows, 0).event_id,
    resources: rows.map(({ resource_id, name }) => ({ resource_id, name })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

interface ResourceAudit {
  resource_id: string;
  name: string;
  bookings: number;
  hours: number;
  overlapping_pairs: number;
}

export const slotsWorkload: Workload<'slots'> = {
  name: 'slots',
  summary: 'book time windows [start, end) on a few resources, chosen to overlap often',
  strategiesIn: () => slotStrategies,
  knowledgeOf: (strategy: SlotStrategy) => strategy,
  async start(sql, _config, settings, eventName) {
    const { slots } = settings;
    const seeded = await seedSlots(sql, slots.resources, eventName);
    return {
      event: { event_id: seeded.event_id, hotels: [] },
      settings,
      plan: {
        slots: {
          resources: seeded.resources.map((resource) => resource.resource_id),
          hours: slots.hours,
          attempts: slots.attempts,
          startsAt: slotsStartAt,
        },
      },
    };
  },
  async audit(sql, eventId) {
    const resources = await sql.file<ResourceAudit[]>(projectPath('sql/audit-slots.sql'), [eventId]);
    const total = (field: 'bookings' | 'hours' | 'overlapping_pairs') => resources.reduce((sum, resource) => sum + resource[field], 0);
    const overlaps = total('overlapping_pairs');
    return {
      // No rooms here: a booking is a reservation, and overlaps are what overbooking is to rooms.
      rooms: { hotels: [], contracted: 0, confirmed: 0, held: 0, reservations: total('bookings'), overbooked: 0, drift: 0 },
      counts: { bookings: total('bookings'), hours_booked: total('hours'), overlapping_pairs: overlaps },
      problems: overlaps > 0 ? [`OVERLAPS ${overlaps}`] : [],
    };
  },
};
