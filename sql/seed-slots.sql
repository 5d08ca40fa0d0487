-- A new event named $1 with $2 resources to book by the hour (the slots workload). Resource
-- names sort in creation order.
with event as (
  insert into evento.events (id, name) values (gen_random_uuid(), $1) returning id
)
insert into evento.resources (id, name, event_id)
select gen_random_uuid(), 'Resource ' || lpad(n::text, 3, '0'), event.id
from event, generate_series(1, $2::int) as n
returning event_id, id as resource_id, name
