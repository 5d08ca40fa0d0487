-- Tenants (the tenants workload): events belong to tenants, held apart by row-level security.
-- Events belong to tenants; the servers query them as evento_tenant, a role that row-level
-- security holds to the rows of the tenant named by the setting app.tenant_id. The harness,
-- which seeds and audits every tenant, is the tables' owner and is not held (no FORCE): only
-- evento_tenant's queries are the application's.
create table if not exists evento.tenants (
  id uuid primary key,
  name text not null,
  -- The run's first event: the audit finds the run's tenants, and their events, from it.
  run_id uuid not null
);

create index if not exists tenants_run_id_idx on evento.tenants (run_id);

-- The tenant the connection's setting names, null when unset (an ended SET LOCAL leaves '').
create or replace function evento.current_tenant() returns uuid
  language sql stable
  as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

alter table evento.events add column if not exists tenant_id uuid null;
alter table evento.event_hotel_rooms add column if not exists tenant_id uuid null;
-- A reservation belongs to whichever tenant the connection says it acts for, as an application
-- that relies on the setting writes it: a leaked setting then shows as a cross-tenant write.
alter table evento.reservations add column if not exists tenant_id uuid null default evento.current_tenant();

create index if not exists events_tenant_id_idx on evento.events (tenant_id);

-- The role, its grants and its policies need CREATEROLE; a database that refuses keeps every
-- other workload, and the tenants workload then stops before it starts and says why.
do $$
declare
  tenant_table text;
begin
  if not exists (select 1 from pg_roles where rolname = 'evento_tenant') then
    create role evento_tenant login nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
  end if;
  grant usage on schema evento to evento_tenant;
  grant select on evento.events, evento.hotels to evento_tenant;
  grant select, update on evento.event_hotel_rooms to evento_tenant;
  grant select, insert on evento.reservations to evento_tenant;
  foreach tenant_table in array array['events', 'event_hotel_rooms', 'reservations'] loop
    execute format('alter table evento.%I enable row level security', tenant_table);
    execute format('drop policy if exists tenant_rows on evento.%I', tenant_table);
    execute format(
      'create policy tenant_rows on evento.%I to evento_tenant '
      'using (tenant_id = evento.current_tenant()) with check (tenant_id = evento.current_tenant())',
      tenant_table);
    -- Every other role keeps what it had before row-level security: the other workloads' servers
    -- may connect as a role that is not the owner.
    execute format('drop policy if exists other_roles on evento.%I', tenant_table);
    execute format('create policy other_roles on evento.%I using (current_user <> ''evento_tenant'')', tenant_table);
  end loop;
exception when insufficient_privilege then
  raise warning 'evento: cannot set up role evento_tenant (%): the tenants workload is unavailable', sqlerrm;
end
$$;
