-- Request-id leases: a claim holds its request_id only
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
