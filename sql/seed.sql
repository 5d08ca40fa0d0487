-- A new event named $1 with $2 hotels of $3 contracted rooms each. Hotel names sort in
-- creation order, so "the first hotel listed" is stable.
with event as (
  insert into evento.events (id, name) values (gen_random_uuid(), $1) returning id
), hotel as (
  insert into evento.hotels (id, name)
  select gen_random_uuid(), 'Hotel ' || lpad(n::text, 3, '0') from generate_series(1, $2::int) as n
  returning id, name
), rooms as (
  insert into evento.event_hotel_rooms (id, event_id, hotel_id, contracted, reserved, locked, version, updated_at)
  select gen_random_uuid(), event.id, hotel.id, $3::int, 0, 0, 0, now()
  from event, hotel
  returning id, event_id, hotel_id, contracted
), stream as (
  -- Every event-hotel row is a stream from the start, whichever strategy sells it: version 1
  -- records the contract, so replaying the log alone rebuilds the whole row.
  insert into evento.room_events (stream_id, version, type, data, created_at)
  select id, 1, 'ROOMS_CONTRACTED', jsonb_build_object('rooms', contracted), now()
  from rooms
)
select rooms.event_id, rooms.hotel_id, hotel.name as hotel_name, rooms.contracted
from rooms join hotel on hotel.id = rooms.hotel_id
order by hotel.name
