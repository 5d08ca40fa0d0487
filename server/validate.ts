import type { ReserveRequest } from '../strategies/types.js';

/** The most rooms one request may ask for; larger numbers are a client's mistake, not a 422. */
export const maxRoomsPerRequest = 1000;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Validated<T> = { ok: true; value: T } | { ok: false; detail: string };

const invalid = (detail: string): { ok: false; detail: string } => ({ ok: false, detail });

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}

function parseRooms(value: unknown): Validated<number> {
  // The Evento client sends rooms as a query string; JSON clients send a number.
  const rooms = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value;
  if (typeof rooms !== 'number' || !Number.isInteger(rooms) || rooms < 1 || rooms > maxRoomsPerRequest) {
    return invalid(`rooms must be an integer from 1 to ${maxRoomsPerRequest}`);
  }
  return { ok: true, value: rooms };
}

function parseText(name: string, value: unknown, required: boolean): Validated<string | null> {
  if (value === undefined && !required) return { ok: true, value: null };
  if (typeof value !== 'string' || value.length === 0 || value.length > 254) {
    return invalid(`${name} must be a string of 1 to 254 characters`);
  }
  return { ok: true, value };
}

type Fields = Record<string, unknown>;

/** Route parameters, query and JSON body → a request the strategies can trust. Body fields win. */
export function parseReserveRequest(params: Fields, query: Fields, body: unknown): Validated<ReserveRequest> {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    return invalid('the JSON body must be an object');
  }
  const fields: Fields = { ...query, ...(body as Fields | undefined) };
  if (!isUuid(params.eventId)) return invalid('event_id must be a uuid');
  if (!isUuid(params.hotelId)) return invalid('hotel_id must be a uuid');
  const rooms = parseRooms(fields.rooms);
  if (!rooms.ok) return rooms;
  const email = parseText('email', fields.email, true);
  if (!email.ok) return email;
  const requestId = parseText('request_id', fields.request_id, false);
  if (!requestId.ok) return requestId;
  return {
    ok: true,
    value: {
      eventId: params.eventId.toLowerCase(),
      hotelId: params.hotelId.toLowerCase(),
      rooms: rooms.value,
      email: email.value!,
      requestId: requestId.value,
    },
  };
}
