import { afterRead, noteRead, noteWrite, readProvenance, reserved, whenAvailable } from './rooms.js';
import { onOwnConnection } from './own-connection.js';
import type { Db } from '../db/connection.js';
import type { ReserveRequest, Strategy } from './types.js';

/**
 * An event-hotel row read as the stream of its room_events: the projected counters and the
 * version of the stream's last event, from one snapshot. Each append commits together with its
 * projection, so the counters read are exactly those events applied.
 */
interface Stream {
  id: string;
  contracted: number;
  reserved: number;
  locked: number;
  version: number;
}

export function loadStream(db: Db, request: ReserveRequest) {
  return db<Stream[]>`
    select ehr.id, ehr.contracted, ehr.reserved, ehr.locked,
      (select coalesce(max(e.version), 0) from room_events e where e.stream_id = ehr.id) as version
      ${readProvenance(db, request)}
    from event_hotel_rooms ehr
    where ehr.event_id = ${request.eventId} and ehr.hotel_id = ${request.hotelId}
  `.then((rows) => {
    noteRead(request, rows[0]);
    return afterRead(db, request, rows[0]);
  });
}

/**
 * Appends ROOMS_RESERVED to the stream at `version` and applies it to the projection, the
 * counter and the reservation row, in the same statement and from the event's own data, as a
 * replay would. If another request holds that version, unique (stream_id, version) fails the
 * statement with 23505. Returns the reservation id.
 */
export async function appendReserved(db: Db, streamId: string, version: number, request: ReserveRequest) {
  const [row] = await db<[{ id: string; txid: string }]>`
    with event as (
      insert into room_events (stream_id, version, type, data, created_at)
      values (${streamId}, ${version}, 'ROOMS_RESERVED', jsonb_build_object(
        'reservation_id', gen_random_uuid(),
        'rooms', ${request.rooms}::int,
        'email', ${request.email}::text,
        'request_id', ${request.requestId}::text
      ), now())
      returning stream_id, data
    ), counter as (
      update event_hotel_rooms ehr
      set reserved = ehr.reserved + (event.data->>'rooms')::int, version = ehr.version + 1, updated_at = now()
      from event
      where ehr.id = event.stream_id
    )
    insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
    select (data->>'reservation_id')::uuid, stream_id, data->>'email', (data->>'rooms')::int, 'CONFIRMED', data->>'request_id', now()
    from event
    returning id, xmin::text as txid
  `;
  return noteWrite(request, row);
}

export const eventLog: Strategy = {
  name: 'event-log',
  summary:
    'read the stream version and projected availability, append ROOMS_RESERVED at version + 1 under unique (stream_id, version) and project it in the same statement; a taken version (23505) is a 409 and the client retries',
  promisesSafety: true,
  safeguard: { mechanism: 'version conflicts retried (taken stream versions)', by: 'conflict', reason: 'unique_violation' },
  anomaly: null,
  eventSourced: true,
  reserve: (sql, request) =>
    onOwnConnection(sql, async (db) =>
      whenAvailable(await loadStream(db, request), request, async (stream) =>
        // Holding version + 1 proves nothing was appended since the read; losing it throws 23505.
        reserved(await appendReserved(db, stream.id, stream.version + 1, request), request),
      ),
    ),
};
