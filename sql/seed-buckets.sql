-- Keep the rooms of event $1's hotels in $2 buckets each: bucket b (from 0) of a hotel with c
-- contracted rooms holds c / $2 rooms, one more while b < c % $2, so the buckets add up to c.
with kept as (
  update evento.event_hotel_rooms set inventory = 'buckets'
  where event_id = $1
  returning id, contracted
)
insert into evento.room_buckets (event_hotel_rooms_id, bucket, contracted, reserved)
select kept.id, b, kept.contracted / $2::int + case when b < kept.contracted % $2::int then 1 else 0 end, 0
from kept, generate_series(0, $2::int - 1) as b
