-- Reconcile what the clients of event $1 were told with the reservations in the tables, by
-- request_id: $2 the claims that got no answer or a 5xx (indeterminate: applied or not, the
-- client cannot know), $3 those answered 201.
--   indeterminate_committed = indeterminate claims that the tables hold
--   unaccounted = reservations that neither a 201 nor an indeterminate claim explains
--   lost        = claims answered 201 that the tables do not hold
with written as (
  select r.request_id
  from evento.reservations r
  join evento.event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
  where ehr.event_id = $1
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
