-- The room units' own check, for event $1's hotels whose rooms are kept one row per room, per
-- event-hotel row, beside sql/audit.sql (which judges overbooking from the reservations alone):
--   reserved = units claimed (reservation_id set)
--   drift    = |reserved - confirmed| + |locked - held|                   (as for the counter)
--              + |units - contracted|                                     (rooms lost or made up)
--              + units claimed by no CONFIRMED reservation of the hotel
--              + over its CONFIRMED reservations, |units claimed - rooms|  (one short, another over)
with kept as (
  select ehr.id, ehr.hotel_id, ehr.contracted, ehr.locked
  from evento.event_hotel_rooms ehr
  where ehr.event_id = $1 and ehr.inventory = 'room_units'
), units as (
  select kept.id,
    count(u.unit)::int as units,
    count(u.reservation_id)::int as reserved,
    count(u.reservation_id) filter (where r.id is null)::int as stray
  from kept
  left join evento.room_units u on u.event_hotel_rooms_id = kept.id
  left join evento.reservations r on r.id = u.reservation_id and r.event_hotel_rooms_id = kept.id and r.status = 'CONFIRMED'
  group by kept.id
), claimed as (
  select u.reservation_id, count(*)::int as units
  from kept join evento.room_units u on u.event_hotel_rooms_id = kept.id
  where u.reservation_id is not null
  group by u.reservation_id
), booked as (
  select kept.id,
    coalesce(sum(r.number_of_rooms) filter (where r.status = 'CONFIRMED'), 0)::int as confirmed,
    coalesce(sum(r.number_of_rooms) filter (where r.status = 'HELD'), 0)::int as held,
    coalesce(sum(abs(coalesce(claimed.units, 0) - r.number_of_rooms)) filter (where r.status = 'CONFIRMED'), 0)::int as misclaimed
  from kept
  left join evento.reservations r on r.event_hotel_rooms_id = kept.id
  left join claimed on claimed.reservation_id = r.id
  group by kept.id
)
select kept.hotel_id, units.reserved,
  (abs(units.reserved - booked.confirmed) + abs(kept.locked - booked.held) + abs(units.units - kept.contracted)
    + units.stray + booked.misclaimed)::int as drift
from kept join units using (id) join booked using (id)
