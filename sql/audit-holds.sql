-- The holds of event $1 (reservations born HELD: those with an expiry), after the sweeper's
-- last pass:
--   leaked             = still HELD although lapsed: the sweeper missed them
--   history_mismatches = holds whose history is not exactly what their status implies: no row
--                        while HELD, else one row HELD → <status> (the only moves allowed)
with holds as (
  select r.id, r.status, r.expires_at
  from evento.reservations r
  join evento.event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
  where ehr.event_id = $1 and r.expires_at is not null
), traced as (
  select holds.id, holds.status, holds.expires_at,
    count(h.reservation_id)::int as changes,
    count(h.reservation_id) filter (where h.from_status = 'HELD' and h.to_status = holds.status)::int as matching
  from holds
  left join evento.reservation_status_history h on h.reservation_id = holds.id
  group by holds.id, holds.status, holds.expires_at
)
select
  count(*)::int as holds,
  count(*) filter (where status = 'CONFIRMED')::int as confirmed,
  count(*) filter (where status = 'CANCELLED')::int as cancelled,
  count(*) filter (where status = 'EXPIRED')::int as expired,
  count(*) filter (where status = 'HELD' and expires_at <= now())::int as leaked,
  count(*) filter (where not (
    (status = 'HELD' and changes = 0)
    or (status in ('CONFIRMED', 'CANCELLED', 'EXPIRED') and changes = 1 and matching = 1)
  ))::int as history_mismatches
from traced
