-- Run at every start, after the numbered migrations: a database that refused btree_gist when its
-- schema was created gets the exclusion constraint once an administrator has added the extension.
do $$
begin
  create extension if not exists btree_gist with schema evento;
exception when others then
  raise warning 'evento: cannot create extension btree_gist (%): the exclusion strategy is unavailable', sqlerrm;
end
$$;

-- Partial on purpose: only the active rows of the strategies it guards, so the naive twin can
-- still write the overlaps the audit must be able to count. A constraint from before
-- exclusion-on-conflict guarded exclusion alone, and is replaced.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'btree_gist') then
    if exists (
      select 1 from pg_constraint
      where conname = 'slot_bookings_no_overlap' and strpos(pg_get_constraintdef(oid), quote_literal('exclusion-on-conflict')) = 0
    ) then
      alter table evento.slot_bookings drop constraint slot_bookings_no_overlap;
    end if;
    if not exists (select 1 from pg_constraint where conname = 'slot_bookings_no_overlap') then
      alter table evento.slot_bookings add constraint slot_bookings_no_overlap
        exclude using gist (resource_id with =, during with &&)
        where (strategy in ('exclusion', 'exclusion-on-conflict') and status not in ('CANCELLED', 'EXPIRED'));
    end if;
  end if;
end
$$;
