-- Requests of event $1 applied more than once: rows beyond the first per request_id, over room
-- reservations and slot bookings. A retried request without idempotency shows up here.
select coalesce(sum(copies - 1), 0)::int as duplicates
from (
  select count(*) as copies
  from evento.reservations r
  join evento.event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
  where ehr.event_id = $1 and r.request_id is not null
  group by r.request_id
  union all
  select count(*)
  from evento.slot_bookings b
  join evento.resources res on res.id = b.resource_id
  where res.event_id = $1 and b.request_id is not null
  group by b.request_id
) as per_request
