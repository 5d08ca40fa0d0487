import type { HotelOutcome } from './result-schema.js';

export interface SeededEvent {
  event_id: string;
  hotels: { hotel_id: string; name: string; contracted: number }[];
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

export function hotelOutcomes(audit: EventAudit): HotelOutcome[] {
  return audit.hotels.map((hotel) => ({
    hotel_id: hotel.hotel_id,
    name: hotel.hotel_name,
    contracted: hotel.contracted,
    booked: hotel.confirmed + hotel.held,
    overbooked: hotel.overbooked,
    drift: hotel.drift,
  }));
}
