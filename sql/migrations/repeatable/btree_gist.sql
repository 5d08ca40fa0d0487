-- Run at every start, after the numbered migrations: a database that refused btree_gist when its
-- schema was created gets the exclusion constraint once an administrator has added the extension.
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
