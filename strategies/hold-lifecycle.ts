import type { Db } from '../db/connection.js';

/**
 * The reservation lifecycle of the holds workload. A hold is born HELD (a strategy's reserve()
 * with `holdMs` set); HELD is the only status with a way out, to one of three terminal ones:
 *   HELD → CONFIRMED | CANCELLED | EXPIRED
 * Every move goes through moveHolds() below, which writes one history row per transition.
 */
export const holdExits = ['CONFIRMED', 'CANCELLED', 'EXPIRED'] as const;

export type HoldExit = (typeof holdExits)[number];
export type ReservationStatus = 'HELD' | HoldExit;

export interface StatusChange {
  from: ReservationStatus;
  to: ReservationStatus;
  at: string;
  reason: string;
}

/** A reservation as `GET /reservations/{id}` shows it, with its history. */
export interface ReservationView {
  id: string;
  event_id: string;
  hotel_id: string;
  rooms: number;
  email: string;
  status: ReservationStatus;
  expires_at: string | null;
  request_id: string | null;
  history: StatusChange[];
}

export type TransitionOutcome =
  { status: 'moved'; reservation: ReservationView } | { status: 'invalid_transition'; current: ReservationStatus } | { status: 'not_found' };

/**
 * Moves the HELD reservations `filter` selects to `to`, or to EXPIRED when their hold has lapsed,
 * in one statement: the status, the counters (locked down, reserved up for a confirmation) and a
 * history row each. `status = 'HELD'` is re-checked on the latest row version, so of two
 * concurrent moves of one hold (a confirm and the sweeper, a retried cancel) exactly one wins.
 */
function moveHolds(db: Db, to: HoldExit, reason: string, filter: ReturnType<Db>, requestId: string | null = null) {
  return db<{ id: string; status: HoldExit }[]>`
    with moved as (
      update reservations
      set status = case when expires_at <= now() then 'EXPIRED' else ${to}::text end
      where status = 'HELD' and ${filter}
      returning id, event_hotel_rooms_id, number_of_rooms, status
    ), per_row as (
      select event_hotel_rooms_id,
        sum(number_of_rooms)::int as released,
        coalesce(sum(number_of_rooms) filter (where status = 'CONFIRMED'), 0)::int as confirmed
      from moved
      group by event_hotel_rooms_id
    ), counters as (
      update event_hotel_rooms ehr
      set locked = ehr.locked - per_row.released, reserved = ehr.reserved + per_row.confirmed,
        version = ehr.version + 1, updated_at = now()
      from per_row
      where ehr.id = per_row.event_hotel_rooms_id
    ), history as (
      insert into reservation_status_history (reservation_id, from_status, to_status, changed_at, reason, request_id)
      select id, 'HELD', status, now(), case when status = ${to}::text then ${reason}::text else 'hold lapsed' end, ${requestId}::text
      from moved
    )
    select id, status from moved
  `;
}

export async function readReservation(db: Db, id: string): Promise<ReservationView | undefined> {
  const [row] = await db<ReservationView[]>`
    select r.id, ehr.event_id, ehr.hotel_id, r.number_of_rooms as rooms, r.email, r.status,
      r.expires_at, r.request_id,
      coalesce((
        select json_agg(json_build_object('from', h.from_status, 'to', h.to_status, 'at', h.changed_at, 'reason', h.reason)
          order by h.changed_at)
        from reservation_status_history h
        where h.reservation_id = r.id
      ), '[]') as history
    from reservations r
    join event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
    where r.id = ${id}
  `;
  return row;
}

/**
 * Confirm or cancel one hold; a lapsed hold expires instead and the request is refused. The
 * history row carries the request's request_id, so that a re-run can find the move (transitionWrittenBy).
 */
export async function transition(
  db: Db,
  id: string,
  to: 'CONFIRMED' | 'CANCELLED',
  reason: string,
  requestId: string | null,
): Promise<TransitionOutcome> {
  const [moved] = await moveHolds(db, to, reason, db`id = ${id}`, requestId);
  // Terminal statuses never change, so this read cannot disagree with the move.
  const reservation = await readReservation(db, id);
  if (!reservation) return { status: 'not_found' };
  if (moved?.status !== to) return { status: 'invalid_transition', current: reservation.status };
  return { status: 'moved', reservation };
}

/**
 * What a confirm or cancel with this request_id did, if it moved anything: the move it asked
 * for, or the expiry it met instead (refused, as transition() answered it).
 */
export async function transitionWrittenBy(db: Db, requestId: string, to: 'CONFIRMED' | 'CANCELLED'): Promise<TransitionOutcome | undefined> {
  const [row] = await db<{ reservation_id: string; to_status: ReservationStatus }[]>`
    select reservation_id, to_status from reservation_status_history where request_id = ${requestId} order by changed_at limit 1
  `;
  const reservation = row && (await readReservation(db, row.reservation_id));
  if (!row || !reservation) return undefined;
  return row.to_status === to ? { status: 'moved', reservation } : { status: 'invalid_transition', current: reservation.status };
}

/** The sweeper's pass: every lapsed hold (of one event, if given) becomes EXPIRED and gives its rooms back. */
export async function expireHolds(db: Db, eventId?: string): Promise<number> {
  const ofEvent = eventId === undefined ? db`true` : db`event_hotel_rooms_id in (select id from event_hotel_rooms where event_id = ${eventId})`;
  const expired = await moveHolds(db, 'EXPIRED', 'sweeper', db`expires_at <= now() and ${ofEvent}`);
  return expired.length;
}

/** Milliseconds until the last of the event's holds lapses (0 when none is left), by the database's clock. */
export async function untilLastHoldLapses(db: Db, eventId: string): Promise<number> {
  const [row] = await db<{ ms: number | null }[]>`
    select ceil(extract(epoch from max(r.expires_at) - now()) * 1000)::int as ms
    from reservations r
    join event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
    where ehr.event_id = ${eventId} and r.status = 'HELD'
  `;
  return Math.max(0, row?.ms ?? 0);
}
