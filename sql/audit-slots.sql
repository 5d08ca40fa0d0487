-- The slot bookings of event $1, per resource: active ones (not CANCELLED or EXPIRED), the hours
-- they cover, and the pairs of active bookings that share a moment: 0 unless a strategy let two
-- bookings overlap.
with active as (
  select b.id, b.resource_id, b.during
  from evento.slot_bookings b
  join evento.resources r on r.id = b.resource_id
  where r.event_id = $1 and b.status not in ('CANCELLED', 'EXPIRED')
)
select
  r.id as resource_id,
  r.name,
  (select count(*) from active a where a.resource_id = r.id)::int as bookings,
  coalesce((
    select extract(epoch from sum(upper(a.during) - lower(a.during))) / 3600
    from active a where a.resource_id = r.id
  ), 0)::float8 as hours,
  (
    select count(*) from active a join active b on a.id < b.id and a.during && b.during
    where a.resource_id = r.id and b.resource_id = r.id
  )::int as overlapping_pairs
from evento.resources r
where r.event_id = $1
order by r.name
