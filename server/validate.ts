import * as v from 'valibot';
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

const uuid = v.pipe(v.string(), v.regex(uuidPattern), v.description('a uuid'));

// PostgreSQL text cannot hold a NUL character: refused here rather than failing in the database.
// A RegExp without the u flag counts UTF-16 units, as String.length does; a length in code points would not.
const text = v.pipe(
  v.string(),
  // eslint-disable-next-line no-control-regex -- the NUL is the character refused, so the pattern names it on purpose.
  v.regex(/^[^\u0000]{1,254}$/),
  v.description('a string of 1 to 254 characters, none of them NUL'),
);

/** A JSON number, or the query-string digits the Evento client sends, within [min, max]. */
function integer(min: number, max: number) {
  const inRange = (digits: string) => Number(digits) >= min && Number(digits) <= max;
  return v.pipe(
    v.union([v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max)), v.pipe(v.string(), v.regex(/^[0-9]{1,10}$/), v.check(inRange))]),
    v.description(`an integer from ${min} to ${max}`),
  );
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
function zonedTime(value: string): Date | undefined {
  const parts = timestampPattern.exec(value);
  if (!parts) return undefined;
  // The seconds are optional: a group that did not match counts as 0.
  const part = (index: number) => Number(parts[index] ?? 0);
  const time = exists(part(1), part(2), part(3), part(4), part(5), part(6)) ? new Date(value) : undefined;
  const utcYear = time?.getUTCFullYear() ?? 0;
  return time && utcYear >= 1 && utcYear <= 9999 ? time : undefined;
}

/** A time the schema has already accepted, which zonedTime therefore reads. */
function checkedTime(value: string): Date {
  const time = zonedTime(value);
  if (time === undefined) throw new Error(`"${value}" passed the time check but is not a time`);
  return time;
}

const time = v.pipe(
  v.string(),
  v.check((value) => zonedTime(value) !== undefined),
  v.description('an existing ISO 8601 time with a zone, from year 1 to 9999, e.g. 2030-01-01T09:00:00Z'),
);

type Fields = Record<string, unknown>;
type FieldSchema = v.ObjectEntries[string];
type FieldsOf<Entries extends v.ObjectEntries> = v.InferOutput<v.ObjectSchema<Entries, undefined>>;

/** The schema an optional field wraps, which carries the field's title and description. */
const unwrapped = (schema: FieldSchema): FieldSchema =>
  schema.type === 'optional' ? (schema as v.OptionalSchema<FieldSchema, undefined>).wrapped : schema;

/** Fields checked together once each one has passed, and the refusal when they do not hold. */
interface Together<Value> {
  holds: (fields: Value) => boolean;
  message: string;
}

/**
 * A check of one request's fields. A refusal names the first field at fault in the entries'
 * order ("<title or name> must be <description>"), or else gives the message of the check of
 * the fields together.
 */
function fieldsCheck<const Entries extends v.ObjectEntries>(entries: Entries, together?: Together<FieldsOf<Entries>>) {
  const object = v.object(entries);
  const schema = together === undefined ? object : v.pipe(object, v.check(together.holds, together.message));
  return (fields: Fields): Validated<FieldsOf<Entries>> => {
    // The first issue is enough: the object checks its entries in order, then the fields together.
    const result = v.safeParse(schema, fields, { abortEarly: true });
    if (result.success) return { ok: true, value: result.output };
    const issue = result.issues[0];
    const field = issue.path?.[0]?.key;
    const entry: FieldSchema | undefined = typeof field === 'string' && Object.hasOwn(entries, field) ? entries[field] : undefined;
    if (typeof field !== 'string' || entry === undefined) return invalid(issue.message);
    const described = unwrapped(entry);
    const missing = fields[field] === undefined;
    return invalid(`${v.getTitle(described) ?? field} ${missing ? 'is required and ' : ''}must be ${String(v.getDescription(described))}`);
  };
}

/** A JSON body may be absent; when present it holds the request's fields. */
const isAbsentOrObject = (body: unknown): body is Fields | undefined =>
  body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body));
const bodyNotAnObject = invalid('the JSON body must be an object');

/** A hold's lifetime when the request names none, as the car-hold service it comes from. */
export const defaultHoldMs = 15 * 60_000;
const maxHoldMs = 24 * 3_600_000;

const reserveFields = {
  event_id: uuid,
  hotel_id: uuid,
  rooms: integer(1, maxRoomsPerRequest),
  email: text,
  request_id: v.optional(text),
};
const checkReserve = fieldsCheck(reserveFields);
const checkHold = fieldsCheck({ ...reserveFields, ttl_ms: v.optional(integer(1, maxHoldMs)) });

const reserveRequestOf = (fields: FieldsOf<typeof reserveFields>): ReserveRequest => ({
  eventId: fields.event_id.toLowerCase(),
  hotelId: fields.hotel_id.toLowerCase(),
  rooms: Number(fields.rooms),
  email: fields.email,
  requestId: fields.request_id ?? null,
});

/** Route parameters, query and JSON body (its fields win) → a request the strategies can trust. */
export function parseReserveRequest(params: Fields, query: Fields, body: unknown): Validated<ReserveRequest> {
  if (!isAbsentOrObject(body)) return bodyNotAnObject;
  const checked = checkReserve({ ...query, ...body, event_id: params.eventId, hotel_id: params.hotelId });
  return checked.ok ? { ok: true, value: reserveRequestOf(checked.value) } : checked;
}

/** A reserve request plus `ttl_ms`, how long the hold lasts before the sweeper may expire it. */
export function parseHoldRequest(params: Fields, query: Fields, body: unknown): Validated<ReserveRequest & { holdMs: number }> {
  if (!isAbsentOrObject(body)) return bodyNotAnObject;
  // A JSON null falls back to the query's ttl_ms, or to the default.
  const ttl = body?.ttl_ms ?? query.ttl_ms;
  const checked = checkHold({ ...query, ...body, event_id: params.eventId, hotel_id: params.hotelId, ttl_ms: ttl });
  if (!checked.ok) return checked;
  const { ttl_ms } = checked.value;
  return { ok: true, value: { ...reserveRequestOf(checked.value), holdMs: ttl_ms === undefined ? defaultHoldMs : Number(ttl_ms) } };
}

const checkTransition = fieldsCheck({ id: v.pipe(uuid, v.title('the reservation id')), request_id: v.optional(text) });

/** The request_id of a confirm or cancel, from the body or the query; the body may be absent. */
export function parseTransitionRequest(params: Fields, query: Fields, body: unknown): Validated<{ id: string; requestId: string | null }> {
  if (!isAbsentOrObject(body)) return bodyNotAnObject;
  const checked = checkTransition({ ...query, ...body, id: params.id });
  if (!checked.ok) return checked;
  return { ok: true, value: { id: checked.value.id.toLowerCase(), requestId: checked.value.request_id ?? null } };
}

const startBeforeEnd = (fields: { start?: string; end?: string }) =>
  fields.start === undefined || fields.end === undefined || checkedTime(fields.start) < checkedTime(fields.end);

const startBeforeEndTogether = { holds: startBeforeEnd, message: 'start must be before end' };

const checkSlotRequest = fieldsCheck({ resource_id: uuid, user_id: text, start: time, end: time, request_id: v.optional(text) }, startBeforeEndTogether);

/** A booking of `resource_id` by `user_id` for [start, end). */
export function parseSlotRequest(query: Fields, body: unknown): Validated<SlotRequest> {
  if (!isAbsentOrObject(body)) return bodyNotAnObject;
  const checked = checkSlotRequest({ ...query, ...body });
  if (!checked.ok) return checked;
  const fields = checked.value;
  return {
    ok: true,
    value: {
      resourceId: fields.resource_id.toLowerCase(),
      userId: fields.user_id,
      start: checkedTime(fields.start),
      end: checkedTime(fields.end),
      requestId: fields.request_id ?? null,
    },
  };
}

const checkSlotQuery = fieldsCheck(
  { resource_id: v.optional(uuid), user_id: v.optional(text), status: v.optional(text), start: v.optional(time), end: v.optional(time) },
  startBeforeEndTogether,
);

/** `GET /slots` filters: every one optional. */
export function parseSlotQuery(query: Fields): Validated<SlotQuery> {
  const checked = checkSlotQuery(query);
  if (!checked.ok) return checked;
  const fields = checked.value;
  return {
    ok: true,
    value: {
      resourceId: fields.resource_id?.toLowerCase(),
      userId: fields.user_id,
      status: fields.status?.toUpperCase(),
      start: fields.start === undefined ? undefined : zonedTime(fields.start),
      end: fields.end === undefined ? undefined : zonedTime(fields.end),
    },
  };
}
