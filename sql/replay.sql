-- Replay the room_events log of event $1 into a fresh projection and compare it with the stored
-- one, per event-hotel row (stream). The log is the source of truth:
--   replayed_contracted = rooms of the stream's latest ROOMS_CONTRACTED event
--   replayed_reserved   = sum of rooms over its ROOMS_RESERVED events
--   unlogged_rooms      = rooms of CONFIRMED reservations that no ROOMS_RESERVED event explains
--   unprojected_rooms   = rooms of ROOMS_RESERVED events with no CONFIRMED reservation of theirs
--   unknown_events      = events of a type the replay does not know (it cannot apply them)
--   version_gaps        = versions missing from 1..the last one, and versions below 1
--   duplicate_versions  = events beyond the first at the same version
--   log_mismatch        = |contracted - replayed_contracted| + |reserved - replayed_reserved|
--                         + unlogged_rooms + unprojected_rooms
--                         + unknown_events + version_gaps + duplicate_versions
-- The last three are counts of events, not rooms: a log that does not read as one ordered
-- sequence of known events cannot vouch for the tables, whatever its sums say.
-- One statement, so the log and the tables are read from one snapshot.
with stream as (
  select ehr.id, ehr.hotel_id, h.name as hotel_name, ehr.contracted, ehr.reserved
  from evento.event_hotel_rooms ehr
  join evento.hotels h on h.id = ehr.hotel_id
  where ehr.event_id = $1
), log as (
  select e.stream_id, e.version, e.type, e.data
  from evento.room_events e
  join stream on stream.id = e.stream_id
), replayed as (
  select
    stream_id,
    max(version) as version,
    (array_agg((data->>'rooms')::int order by version desc) filter (where type = 'ROOMS_CONTRACTED'))[1] as contracted,
    coalesce(sum((data->>'rooms')::int) filter (where type = 'ROOMS_RESERVED'), 0)::int as reserved,
    count(*) filter (where type not in ('ROOMS_CONTRACTED', 'ROOMS_RESERVED'))::int as unknown_events,
    (greatest(max(version), 0) - count(distinct version) filter (where version >= 1)
      + count(distinct version) filter (where version < 1))::int as version_gaps,
    (count(*) - count(distinct version))::int as duplicate_versions
  from log
  group by stream_id
), logged as (
  select stream_id, (data->>'reservation_id')::uuid as id, (data->>'rooms')::int as rooms
  from log
  where type = 'ROOMS_RESERVED'
), projected as (
  select r.event_hotel_rooms_id as stream_id, r.id, r.number_of_rooms as rooms
  from evento.reservations r
  join stream on stream.id = r.event_hotel_rooms_id
  where r.status = 'CONFIRMED'
), unmatched as (
  -- An event and a reservation match when they agree on stream, id and rooms.
  select
    coalesce(p.stream_id, l.stream_id) as stream_id,
    coalesce(sum(p.rooms) filter (where l.id is null), 0)::int as unlogged_rooms,
    coalesce(sum(l.rooms) filter (where p.id is null), 0)::int as unprojected_rooms
  from projected p
  full join logged l on l.stream_id = p.stream_id and l.id = p.id and l.rooms = p.rooms
  group by 1
), compared as (
  select
    stream.id as stream_id,
    stream.hotel_id,
    stream.hotel_name,
    coalesce(replayed.version, 0) as version,
    stream.contracted,
    coalesce(replayed.contracted, 0) as replayed_contracted,
    stream.reserved,
    coalesce(replayed.reserved, 0) as replayed_reserved,
    coalesce(unmatched.unlogged_rooms, 0) as unlogged_rooms,
    coalesce(unmatched.unprojected_rooms, 0) as unprojected_rooms,
    coalesce(replayed.unknown_events, 0) as unknown_events,
    coalesce(replayed.version_gaps, 0) as version_gaps,
    coalesce(replayed.duplicate_versions, 0) as duplicate_versions
  from stream
  left join replayed on replayed.stream_id = stream.id
  left join unmatched on unmatched.stream_id = stream.id
)
select
  compared.*,
  abs(contracted - replayed_contracted) + abs(reserved - replayed_reserved) + unlogged_rooms + unprojected_rooms
    + unknown_events + version_gaps + duplicate_versions as log_mismatch
from compared
order by hotel_name
