import type { Sql } from '../../db/connection.js';

/** A reservation or a slot booking of the event, as the tables hold it after the run. */
export interface TableRow {
  id: string;
  /** The hotel, or the slot's resource. */
  place: string;
  rooms: number;
  status: string;
  request_id: string | null;
  /** The transaction that last wrote the row (its insert, unless a transition moved it since). */
  xmin: string;
}

/** What the witnesses and the checker read of the tables, beside the history. */
export interface HistoryTables {
  rows: TableRow[];
  /** Pairs of active slot bookings that share a moment, by booking id. */
  overlaps: { resource_id: string; first: string; second: string }[];
}

/** The event's reservations and slot bookings, and its overlapping active bookings. */
export async function readHistoryTables(sql: Sql, eventId: string): Promise<HistoryTables> {
  const rows = await sql<TableRow[]>`
    select r.id, ehr.hotel_id as place, r.number_of_rooms as rooms, r.status, r.request_id, r.xmin::text as xmin
    from reservations r join event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
    where ehr.event_id = ${eventId}
    union all
    select b.id, b.resource_id, 1, b.status, b.request_id, b.xmin::text
    from slot_bookings b join resources res on res.id = b.resource_id
    where res.event_id = ${eventId}
  `;
  const overlaps = await sql<HistoryTables['overlaps']>`
    with active as (
      select b.id, b.resource_id, b.during, b.created_at
      from slot_bookings b join resources res on res.id = b.resource_id
      where res.event_id = ${eventId} and b.status not in ('CANCELLED', 'EXPIRED')
    )
    select a.resource_id, a.id as first, b.id as second
    from active a join active b on a.resource_id = b.resource_id and a.id <> b.id and a.during && b.during
      and (a.created_at, a.id) < (b.created_at, b.id)
    order by a.created_at, b.created_at
  `;
  return { rows: [...rows], overlaps: [...overlaps] };
}
