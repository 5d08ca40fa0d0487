-- Audit one event ($1) from the tables alone, per event-hotel row:
--   confirmed, held = rooms in CONFIRMED and HELD reservations
--   overbooked = max(0, confirmed + held - contracted)
--   drift      = |reserved - confirmed| + |locked - held|   (a lost update when not 0)
with booked as (
  select
    ehr.id,
    ehr.hotel_id,
    h.name as hotel_name,
    ehr.contracted,
    ehr.reserved,
    ehr.locked,
    coalesce(sum(r.number_of_rooms) filter (where r.status = 'CONFIRMED'), 0)::int as confirmed,
    coalesce(sum(r.number_of_rooms) filter (where r.status = 'HELD'), 0)::int as held,
    count(r.id) filter (where r.status in ('CONFIRMED', 'HELD'))::int as reservations
  from evento.event_hotel_rooms ehr
  join evento.hotels h on h.id = ehr.hotel_id
  left join evento.reservations r on r.event_hotel_rooms_id = ehr.id
  where ehr.event_id = $1
  group by ehr.id, h.name
)
select
  booked.*,
  greatest(0, confirmed + held - contracted) as overbooked,
  abs(reserved - confirmed) + abs(locked - held) as drift
from booked
order by hotel_name
