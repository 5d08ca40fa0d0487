import type { Sql } from '../../db/connection.js';
import { at } from '../../lib/at.js';
import type { Inventory } from '../../strategies/types.js';
import { projectPath } from '../model/paths.js';
import type { EventAudit, HotelAudit, SeededEvent } from '../model/seeded-event.js';

/** A new event with `hotels` hotels of `rooms` contracted rooms each. */
export async function seedEvent(sql: Sql, hotels: number, rooms: number, name = `evento ${new Date().toISOString()}`) {
  const rows = await sql.file<{ event_id: string; hotel_id: string; hotel_name: string; contracted: number }[]>(projectPath('sql/seed.sql'), [
    name,
    hotels,
    rooms,
  ]);
  const event: SeededEvent = {
    event_id: at(rows, 0).event_id,
    hotels: rows.map((row) => ({ hotel_id: row.hotel_id, name: row.hotel_name, contracted: row.contracted })),
  };
  return event;
}

/** Default bucket rows per hotel for a strategy that keeps its rooms in buckets (`--buckets`). */
export const defaultBuckets = 8;

/**
 * Moves the rooms of an event's hotels from the counter to the rows a strategy keeps them in:
 * `buckets` bucket rows per hotel, or one row per room. Each hotel's inventory then says so.
 */
export async function keepRooms(sql: Sql, eventId: string, inventory: Exclude<Inventory, 'counter'>, buckets = defaultBuckets) {
  if (inventory === 'buckets') await sql.file(projectPath('sql/seed-buckets.sql'), [eventId, buckets]);
  else await sql.file(projectPath('sql/seed-room-units.sql'), [eventId]);
}

/** The rows an event's rooms are kept in, as its seeding set them (one inventory for all its hotels). */
export async function inventoryOf(sql: Sql, eventId: string): Promise<Inventory> {
  const [row] = await sql<{ inventory: Inventory }[]>`select inventory from event_hotel_rooms where event_id = ${eventId} limit 1`;
  return row?.inventory ?? 'counter';
}

/** The check of the rows each inventory keeps rooms in, beside the counter's. */
const keptRoomsAudits = { buckets: 'sql/audit-buckets.sql', room_units: 'sql/audit-room-units.sql' };

/**
 * What the tables say happened, whatever the clients believed (sql/audit.sql). For an event whose
 * rooms are kept in buckets or room units (`inventory`), `reserved` and `drift` are those rows'
 * (sql/audit-buckets.sql, sql/audit-room-units.sql): the counter is not what that strategy writes.
 */
export async function auditEvent(sql: Sql, eventId: string, inventory: Inventory = 'counter'): Promise<EventAudit> {
  const hotels = await sql.file<HotelAudit[]>(projectPath('sql/audit.sql'), [eventId]);
  if (inventory === 'counter') return auditOfHotels(hotels);
  const kept = await sql.file<Pick<HotelAudit, 'hotel_id' | 'reserved' | 'drift'>[]>(projectPath(keptRoomsAudits[inventory]), [eventId]);
  const byHotel = new Map(kept.map((row) => [row.hotel_id, row]));
  return auditOfHotels(hotels.map((hotel) => ({ ...hotel, ...byHotel.get(hotel.hotel_id) })));
}

/** The audit of these hotels together: each count summed over them. */
export function auditOfHotels(hotels: HotelAudit[]): EventAudit {
  const total = (field: keyof HotelAudit) => hotels.reduce((sum, hotel) => sum + Number(hotel[field]), 0);
  return {
    hotels,
    contracted: total('contracted'),
    confirmed: total('confirmed'),
    held: total('held'),
    reservations: total('reservations'),
    overbooked: total('overbooked'),
    drift: total('drift'),
  };
}
