-- evento owns schema "evento" and nothing else. Idempotent: safe to run before every run.
-- No CHECK constraint limits reserved rooms: the harness must be able to show overbooking.
create schema if not exists evento;

create table if not exists evento.events (
  id uuid primary key,
  name text not null
);

create table if not exists evento.hotels (
  id uuid primary key,
  name text not null
);

create table if not exists evento.event_hotel_rooms (
  id uuid primary key,
  event_id uuid not null references evento.events (id),
  hotel_id uuid not null references evento.hotels (id),
  contracted int not null,
  reserved int not null default 0,
  locked int not null default 0,
  version bigint not null default 0,
  updated_at timestamptz not null default now(),
  unique (event_id, hotel_id)
);

create table if not exists evento.reservations (
  id uuid primary key,
  event_hotel_rooms_id uuid not null references evento.event_hotel_rooms (id),
  email text not null,
  number_of_rooms int not null,
  status text not null,
  request_id text null,
  expires_at timestamptz null,
  created_at timestamptz not null default now()
);

create index if not exists reservations_event_hotel_rooms_id_idx
  on evento.reservations (event_hotel_rooms_id);

-- The event-log strategy's source of truth: one stream per event_hotel_rooms row, append-only.
-- unique (stream_id, version) is what makes two appends decided on the same state collide.
create table if not exists evento.room_events (
  stream_id uuid not null references evento.event_hotel_rooms (id),
  version int not null,
  type text not null,
  data jsonb not null,
  created_at timestamptz not null default now(),
  unique (stream_id, version)
);

-- Holds (the holds workload): the sweeper looks for lapsed HELD rows only.
create index if not exists reservations_held_expires_at_idx
  on evento.reservations (expires_at) where status = 'HELD';

-- One row per status transition of a reservation (HELD → CONFIRMED | CANCELLED | EXPIRED).
create table if not exists evento.reservation_status_history (
  reservation_id uuid not null references evento.reservations (id),
  from_status text not null,
  to_status text not null,
  changed_at timestamptz not null default now(),
  reason text not null
);

create index if not exists reservation_status_history_reservation_id_idx
  on evento.reservation_status_history (reservation_id);

-- Idempotent retries: a request_id, the hash of the request it came with and, once answered,
-- the reply (status null while the first request runs). Reusable once expires_at has passed.
create table if not exists evento.idempotency_keys (
  key text primary key,
  request_hash text not null,
  status int null,
  response jsonb null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

-- Time slots (the slots workload): resources seeded per event, booked for [start, end).
create table if not exists evento.resources (
  id uuid primary key,
  name text not null,
  event_id uuid null references evento.events (id)
);

create index if not exists resources_event_id_idx on evento.resources (event_id);

create table if not exists evento.slot_bookings (
  id uuid primary key,
  resource_id uuid not null references evento.resources (id),
  user_id text not null,
  during tstzrange not null,
  status text not null,
  -- Which strategy wrote the row: the exclusion constraint below guards only its own rows.
  strategy text not null,
  request_id text null,
  created_at timestamptz not null default now()
);

create index if not exists slot_bookings_resource_id_idx on evento.slot_bookings (resource_id);

-- The exclusion strategy's guarantee needs btree_gist (uuid equality in a GiST index). A
-- database that refuses the extension keeps every other strategy; the exclusion strategy then
-- refuses to book and says why.
do $$
begin
  create extension if not exists btree_gist with schema evento;
exception when others then
  raise warning 'evento: cannot create extension btree_gist (%): the exclusion strategy is unavailable', sqlerrm;
end
$$;

-- Partial on purpose: only the exclusion strategy's active rows, so the naive twin can still
-- write the overlaps the audit must be able to count.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'btree_gist')
    and not exists (select 1 from pg_constraint where conname = 'slot_bookings_no_overlap') then
    alter table evento.slot_bookings add constraint slot_bookings_no_overlap
      exclude using gist (resource_id with =, during with &&)
      where (strategy = 'exclusion' and status not in ('CANCELLED', 'EXPIRED'));
  end if;
end
$$;

-- ==== Tenants (the tenants workload): begin =================================================
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
-- ==== Tenants: end ==========================================================================
