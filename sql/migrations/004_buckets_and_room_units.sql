-- Rooms kept in rows of their own (the buckets and skip-locked strategies), so that no single
-- counter row is every reservation's hot spot. A hotel's inventory says which rows keep its
-- rooms: the event-hotel counter, its buckets or its room units; the listing and the audit read
-- those. No CHECK constraint here either: the audit must be able to show what went wrong.
alter table evento.event_hotel_rooms add column if not exists inventory text not null default 'counter';

-- A hotel's contracted rooms split over K buckets: a reservation takes its rooms from one bucket
-- (from several only in the buckets strategy's last pass).
create table if not exists evento.room_buckets (
  event_hotel_rooms_id uuid not null references evento.event_hotel_rooms (id),
  bucket int not null,
  contracted int not null,
  reserved int not null default 0,
  primary key (event_hotel_rooms_id, bucket)
);

-- One row per contracted room; a reservation claims its rooms by writing its id into them.
create table if not exists evento.room_units (
  event_hotel_rooms_id uuid not null references evento.event_hotel_rooms (id),
  unit int not null,
  reservation_id uuid null,
  primary key (event_hotel_rooms_id, unit)
);

-- The free units of a hotel, in unit order: what a claim scans, skipping those others hold.
create index if not exists room_units_free_idx on evento.room_units (event_hotel_rooms_id, unit) where reservation_id is null;

-- The listing reads these for every hotel it lists, whichever rows keep its rooms.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'evento_tenant') then
    grant select on evento.room_buckets, evento.room_units to evento_tenant;
  end if;
exception when insufficient_privilege then
  raise warning 'evento: cannot grant the new tables to evento_tenant (%)', sqlerrm;
end
$$;
