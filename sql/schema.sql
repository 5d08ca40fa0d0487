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
