-- The buckets' own check, for event $1's hotels whose rooms are kept in buckets, per event-hotel
-- row, beside sql/audit.sql (which judges overbooking from the reservations alone):
--   reserved = rooms the buckets say are taken: the sum of their reserved
--   drift    = |reserved - confirmed| + |locked - held|               (a lost update, as for the counter)
--              + |sum of the buckets' contracted - contracted|        (rooms lost or made up in the split)
with kept as (
  select ehr.id, ehr.hotel_id, ehr.contracted, ehr.locked,
    coalesce(sum(b.reserved), 0)::int as reserved,
    coalesce(sum(b.contracted), 0)::int as split
  from evento.event_hotel_rooms ehr
  left join evento.room_buckets b on b.event_hotel_rooms_id = ehr.id
  where ehr.event_id = $1 and ehr.inventory = 'buckets'
  group by ehr.id
), booked as (
  select kept.id,
    coalesce(sum(r.number_of_rooms) filter (where r.status = 'CONFIRMED'), 0)::int as confirmed,
    coalesce(sum(r.number_of_rooms) filter (where r.status = 'HELD'), 0)::int as held
  from kept
  left join evento.reservations r on r.event_hotel_rooms_id = kept.id
  group by kept.id
)
select kept.hotel_id, kept.reserved,
  (abs(kept.reserved - booked.confirmed) + abs(kept.locked - booked.held) + abs(kept.split - kept.contracted))::int as drift
from kept join booked using (id)
