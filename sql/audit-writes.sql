-- Reconcile what the clients of event $1 were told with the writes in the tables, by
-- request_id: $2 the writes that got no answer or a 5xx (indeterminate: applied or not, the
-- client cannot know), $3 those answered as done. A write is a reservation or a hold, a confirm
-- or cancel (its history row; a move that met a lapsed hold is refused, and the hold expires),
-- or a slot booking.
--   indeterminate_committed = indeterminate writes that the tables hold
--   unaccounted = writes that neither an answer nor an indeterminate request explains
--   lost        = writes answered as done that the tables do not hold
with written as (
  select r.request_id
  from evento.reservations r
  join evento.event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
  where ehr.event_id = $1
  union all
  select h.request_id
  from evento.reservation_status_history h
  join evento.reservations r on r.id = h.reservation_id
  join evento.event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
  where ehr.event_id = $1 and h.request_id is not null and h.to_status <> 'EXPIRED'
  union all
  select b.request_id
  from evento.slot_bookings b
  join evento.resources res on res.id = b.resource_id
  where res.event_id = $1
), indeterminate as (
  select distinct unnest($2::text[]) as request_id
), acknowledged as (
  select distinct unnest($3::text[]) as request_id
)
select
  (select count(*) from indeterminate i where exists (select 1 from written w where w.request_id = i.request_id))::int as indeterminate_committed,
  (select count(*) from written w
    where not exists (select 1 from indeterminate i where i.request_id = w.request_id)
      and not exists (select 1 from acknowledged a where a.request_id = w.request_id))::int as unaccounted,
  (select count(*) from acknowledged a where not exists (select 1 from written w where w.request_id = a.request_id))::int as lost
