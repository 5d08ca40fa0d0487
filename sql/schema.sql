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

-- ---------------------------------------------------------------------------------------------
-- Request-id leases (one block, to become its own migration): a claim holds its request_id only
-- while its server renews the lease, so a resend after a crash takes the claim over; the writes
-- carry the request_id, so the take-over finds what the first attempt committed and answers from it.
alter table evento.idempotency_keys add column if not exists lease_expires_at timestamptz null;
alter table evento.idempotency_keys add column if not exists attempts int not null default 1;
create index if not exists idempotency_keys_expires_at_idx on evento.idempotency_keys (expires_at);
create index if not exists reservations_request_id_idx on evento.reservations (request_id) where request_id is not null;
create index if not exists slot_bookings_request_id_idx on evento.slot_bookings (request_id) where request_id is not null;
alter table evento.reservation_status_history add column if not exists request_id text null;
create index if not exists reservation_status_history_request_id_idx
  on evento.reservation_status_history (request_id) where request_id is not null;
-- ---------------------------------------------------------------------------------------------
