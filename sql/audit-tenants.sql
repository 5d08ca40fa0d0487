-- The tenants of the run whose first event is $1: reservations written under another tenant's
-- name than their event's (cross_tenant_writes), and the run's events.
select
  (select count(*)::int
   from evento.reservations r
   join evento.event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
   join evento.tenants t on t.id = ehr.tenant_id
   where t.run_id = $1 and r.tenant_id is distinct from ehr.tenant_id) as cross_tenant_writes,
  (select coalesce(array_agg(e.id order by t.name), '{}')
   from evento.events e join evento.tenants t on t.id = e.tenant_id
   where t.run_id = $1) as event_ids
