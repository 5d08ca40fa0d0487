import type { SlotQuery, SlotRequest } from '../strategies/slots.js';
import type { ReserveRequest } from '../strategies/types.js';

/** The most rooms one request may ask for; larger numbers are a client's mistake, not a 422. */
export const maxRoomsPerRequest = 1000;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Validated<T> = { ok: true; value: T } | { ok: false; detail: string };

const invalid = (detail: string): { ok: false; detail: string } => ({ ok: false, detail });

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}

function parseInteger(name: string, value: unknown, min: number, max: number): Validated<number> {
  // The Evento client sends numbers as query strings; JSON clients send numbers.
  const parsed = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    return invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return { ok: true, value: parsed };
}

function parseText(name: string, value: unknown): Validated<string> {
  // PostgreSQL text cannot hold a NUL character: refused here rather than failing in the database.
  if (typeof value !== 'string' || value.length === 0 || value.length > 254 || value.includes('\u0000')) {
    return invalid(`${name} must be a string of 1 to 254 characters, none of them NUL`);
  }
  return { ok: true, value };
}

/** Text that may be left out: null then. */
const parseOptionalText = (name: string, value: unknown): Validated<string | null> =>
  value === undefined ? { ok: true, value: null } : parseText(name, value);

type Fields = Record<string, unknown>;

/** Query and JSON body as one set of fields; body fields win. */
function fieldsOf(query: Fields, body: unknown): Validated<Fields> {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    return invalid('the JSON body must be an object');
  }
  return { ok: true, value: { ...query, ...(body as Fields | undefined) } };
}

/** Route parameters, query and JSON body → a request the strategies can trust. */
export function parseReserveRequest(params: Fields, query: Fields, body: unknown): Validated<ReserveRequest> {
  const merged = fieldsOf(query, body);
  if (!merged.ok) return merged;
  const fields = merged.value;
  if (!isUuid(params.eventId)) return invalid('event_id must be a uuid');
  if (!isUuid(params.hotelId)) return invalid('hotel_id must be a uuid');
  const rooms = parseInteger('rooms', fields.rooms, 1, maxRoomsPerRequest);
  if (!rooms.ok) return rooms;
  const email = parseText('email', fields.email);
  if (!email.ok) return email;
  const requestId = parseOptionalText('request_id', fields.request_id);
  if (!requestId.ok) return requestId;
  return {
    ok: true,
    value: {
      eventId: params.eventId.toLowerCase(),
      hotelId: params.hotelId.toLowerCase(),
      rooms: rooms.value,
      email: email.value,
      requestId: requestId.value,
    },
  };
}

/** A hold's lifetime when the request names none, as the car-hold service it comes from. */
export const defaultHoldMs = 15 * 60_000;
const maxHoldMs = 24 * 3_600_000;

/** A reserve request plus `ttl_ms`, how long the hold lasts before the sweeper may expire it. */
export function parseHoldRequest(params: Fields, query: Fields, body: unknown): Validated<ReserveRequest & { holdMs: number }> {
  const request = parseReserveRequest(params, query, body);
  if (!request.ok) return request;
  const ttl = (body as Fields | undefined)?.ttl_ms ?? query.ttl_ms;
  const holdMs = ttl === undefined ? { ok: true as const, value: defaultHoldMs } : parseInteger('ttl_ms', ttl, 1, maxHoldMs);
  if (!holdMs.ok) return holdMs;
  return { ok: true, value: { ...request.value, holdMs: holdMs.value } };
}

/** The request_id of a confirm or cancel, from the body or the query; the body may be absent. */
export function parseTransitionRequest(params: Fields, query: Fields, body: unknown): Validated<{ id: string; requestId: string | null }> {
  const merged = fieldsOf(query, body);
  if (!merged.ok) return merged;
  if (!isUuid(params.id)) return invalid('the reservation id must be a uuid');
  const requestId = parseOptionalText('request_id', merged.value.request_id);
  if (!requestId.ok) return requestId;
  return { ok: true, value: { id: params.id.toLowerCase(), requestId: requestId.value } };
}

const timestampPattern =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$/;

/** A calendar date and a clock time that exist: JavaScript would roll 2030-02-31 over to March. */
function exists(year: number, month: number, day: number, hour: number, minute: number, second: number) {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour <= 23 && minute <= 59 && second <= 59;
}

/**
 * An ISO 8601 time with its offset ("2030-01-01T09:00:00Z"): a time without a zone is ambiguous.
 * Years 1 to 9999 once in UTC, the range PostgreSQL and JavaScript both write the same way.
 */
function parseTimestamp(name: string, value: unknown): Validated<Date | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const parts = typeof value === 'string' ? timestampPattern.exec(value) : null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = (parts?.slice(1) ?? []).map((part: string | undefined) => Number(part ?? 0));
  const time = parts && exists(year, month, day, hour, minute, second) ? new Date(value as string) : undefined;
  const utcYear = time?.getUTCFullYear() ?? 0;
  if (!time || utcYear < 1 || utcYear > 9999) {
    return invalid(`${name} must be an existing ISO 8601 time with a zone, from year 1 to 9999, e.g. 2030-01-01T09:00:00Z`);
  }
  return { ok: true, value: time };
}

/** A booking of `resource_id` by `user_id` for [start, end). */
export function parseSlotRequest(query: Fields, body: unknown): Validated<SlotRequest> {
  const merged = fieldsOf(query, body);
  if (!merged.ok) return merged;
  const fields = merged.value;
  if (!isUuid(fields.resource_id)) return invalid('resource_id must be a uuid');
  const userId = parseText('user_id', fields.user_id);
  if (!userId.ok) return userId;
  const start = parseTimestamp('start', fields.start);
  if (!start.ok) return start;
  const end = parseTimestamp('end', fields.end);
  if (!end.ok) return end;
  if (!start.value || !end.value || end.value <= start.value) return invalid('start and end are required, with start before end');
  const requestId = parseOptionalText('request_id', fields.request_id);
  if (!requestId.ok) return requestId;
  return {
    ok: true,
    value: {
      resourceId: fields.resource_id.toLowerCase(),
      userId: userId.value,
      start: start.value,
      end: end.value,
      requestId: requestId.value,
    },
  };
}

/** `GET /slots` filters: every one optional. */
export function parseSlotQuery(query: Fields): Validated<SlotQuery> {
  if (query.resource_id !== undefined && !isUuid(query.resource_id)) return invalid('resource_id must be a uuid');
  const userId = parseOptionalText('user_id', query.user_id);
  if (!userId.ok) return userId;
  const status = parseOptionalText('status', query.status);
  if (!status.ok) return status;
  const start = parseTimestamp('start', query.start);
  if (!start.ok) return start;
  const end = parseTimestamp('end', query.end);
  if (!end.ok) return end;
  if (start.value && end.value && end.value <= start.value) return invalid('start must be before end');
  return {
    ok: true,
    value: {
      resourceId: query.resource_id?.toLowerCase(),
      userId: userId.value ?? undefined,
      status: status.value?.toUpperCase(),
      start: start.value,
      end: end.value,
    },
  };
}
