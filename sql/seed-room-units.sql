-- Keep the rooms of event $1's hotels as one row per contracted room, all free.
with kept as (
  update evento.event_hotel_rooms set inventory = 'room_units'
  where event_id = $1
  returning id, contracted
)
insert into evento.room_units (event_hotel_rooms_id, unit, reservation_id)
select kept.id, unit, null
from kept, generate_series(1, kept.contracted) as unit
