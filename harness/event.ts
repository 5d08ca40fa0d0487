import type { Sql } from '../db/connection.js';
import { at } from '../lib/at.js';
import { projectPath } from './paths.js';

export interface SeededEvent {
  event_id: string;
  hotels: { hotel_id: string; name: string; contracted: number }[];
}

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

export interface HotelAudit {
  hotel_id: string;
  hotel_name: string;
  contracted: number;
  reserved: number;
  locked: number;
  confirmed: number;
  held: number;
  reservations: number;
  overbooked: number;
  drift: number;
}

export interface EventAudit {
  hotels: HotelAudit[];
  contracted: number;
  confirmed: number;
  held: number;
  reservations: number;
  overbooked: number;
  drift: number;
}

/** What the tables say happened, whatever the clients believed (sql/audit.sql). */
export async function auditEvent(sql: Sql, eventId: string): Promise<EventAudit> {
  return auditOfHotels(await sql.file<HotelAudit[]>(projectPath('sql/audit.sql'), [eventId]));
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
