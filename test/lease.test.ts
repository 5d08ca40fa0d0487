import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { reconcileWrites } from '../harness/race/chaos.js';
import { seedEvent } from '../harness/workloads/event.js';
import { projectPath } from '../harness/model/paths.js';
import { startServers, type ServerFleet } from '../harness/race/servers.js';
import { at } from '../lib/at.js';
import { connect } from '../db/connection.js';
import { idempotency, sweepExpiredKeys } from '../server/idempotency.js';
import { randomUUID, useDatabase } from './helpers.js';

// Servers started here are configured with it, as the documented variable: a claim whose server died lapses within a second.
const leaseMs = 1_000;
process.env.EVENTO_IDEMPOTENCY_LEASE_MS = String(leaseMs);

const database = await useDatabase(t);
const { sql } = database;

const rowsWith = async (requestId: string) =>
  (await sql<[{ n: number }]>`select count(*)::int as n from reservations where request_id = ${requestId}`)[0].n;

interface Sent {
  status: number;
  body: { reservation?: { id: string }; reason?: string; retryable?: boolean };
  replayed: boolean;
}

/** One POST to the fleet's server `index`; 'cut' when no answer came though the request may have arrived, 'refused' when it cannot have. */
async function post(fleet: ServerFleet, index: number, path: string, body: object): Promise<Sent | 'cut' | 'refused'> {
  await fleet.restarting(index);
  try {
    const response = await fetch(`${at(fleet.urls, index)}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    return { status: response.status, body: (await response.json()) as Sent['body'], replayed: response.headers.get('idempotent-replayed') === 'true' };
  } catch (error) {
    return (error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED' ? 'refused' : 'cut';
  }
}

/** Retryable answers (a lost race, a claim still held) and cuts are sent again, as they are; at most `attempts` times. */
const isFinal = (sent: Sent) => sent.body.retryable !== true && sent.status < 500;

interface Resent {
  final: Sent | undefined;
  cut: boolean;
  /** After a cut: from the first answer of the replacement server (its restart is not the lease's doing) to the final one. */
  waitedMs: number;
}

async function sendUntilAnswered(fleet: ServerFleet, index: number, path: string, body: object, attempts = 400): Promise<Resent> {
  let cut = false;
  let backAt: number | undefined;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const sent = await post(fleet, index, path, body);
    if (sent === 'cut') {
      cut = true;
      backAt = undefined;
    }
    if (typeof sent === 'object') backAt ??= performance.now();
    if (typeof sent === 'object' && isFinal(sent)) return { final: sent, cut, waitedMs: cut && backAt !== undefined ? performance.now() - backAt : 0 };
    await sleep(25);
  }
  return { final: undefined, cut, waitedMs: Number.POSITIVE_INFINITY };
}

/** Polls until the request id is claimed and unanswered: its server is inside the request. */
async function claimed(requestId: string) {
  for (let poll = 0; poll < 600; poll += 1) {
    const [key] = await sql`select 1 from idempotency_keys where key = ${requestId} and status is null`;
    if (key) return;
    await sleep(25);
  }
  throw new Error(`request ${requestId} was never claimed`);
}

t.test('a request whose server died mid-request is answered once the lease lapses', async (t) => {
  // A slow read keeps the request inside its server for longer than the lease.
  const fleet = await startServers(1, database.url, 2, { readPauseMs: 1_500 });
  t.teardown(() => fleet.stop());
  const event = await seedEvent(sql, 1, 100);
  const hotel = at(event.hotels, 0);
  // A strategy that reads before it writes, so that the pause comes between its claim and its write.
  const path = `/${event.event_id}/${hotel.hotel_id}/reserve/pessimistic`;

  await t.test('the dead attempt wrote nothing: the resend writes, once', async (t) => {
    const body = { rooms: 1, email: 'a@b.test', request_id: randomUUID() };
    const first = post(fleet, 0, path, body);
    await claimed(body.request_id);
    await fleet.replace(0);
    t.equal(await first, 'cut', 'the first attempt got no answer');
    const { final } = await sendUntilAnswered(fleet, 0, path, body);
    t.equal(final?.status, 201, 'the resend: 201');
    t.equal(final?.replayed, false, 'run again, not replayed');
    t.equal(await rowsWith(body.request_id), 1, 'one row');
  });

  await t.test('the dead attempt committed: the resend answers from its write', async (t) => {
    const body = { rooms: 2, email: 'a@b.test', request_id: randomUUID() };
    const first = post(fleet, 0, path, body);
    await claimed(body.request_id);
    await fleet.replace(0);
    await first;
    // What the killed server would have left had it died between its commit and its answer.
    const [written] = await sql<[{ id: string }]>`
      insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
      select gen_random_uuid(), id, ${body.email}, ${body.rooms}, 'CONFIRMED', ${body.request_id}, now()
      from event_hotel_rooms where event_id = ${event.event_id}
      returning id
    `;
    const { final } = await sendUntilAnswered(fleet, 0, path, body);
    t.equal(final?.status, 201, 'the resend: 201');
    t.equal(final?.replayed, true, 'marked as a replay');
    t.equal(final?.body.reservation?.id, written.id, 'the reservation the dead attempt wrote');
    t.equal(await rowsWith(body.request_id), 1, 'still one row');
  });

  await t.test('a live server renews its lease: a copy sent after the lease would have lapsed does not run again', async (t) => {
    const body = { rooms: 1, email: 'a@b.test', request_id: randomUUID() };
    const first = post(fleet, 0, path, body);
    await claimed(body.request_id);
    await sleep(leaseMs * 1.2);
    const copy = await post(fleet, 0, path, body);
    const original = await first;
    t.equal(typeof original === 'object' && original.status, 201, 'the first attempt: 201');
    t.ok(
      typeof copy === 'object' && (copy.replayed || copy.body.reason === 'request_in_progress'),
      `the copy waited for the first (${typeof copy === 'object' ? copy.status : copy})`,
    );
    t.equal(await rowsWith(body.request_id), 1, 'one row');
  });
});

t.test('kill-server under load, every cut request resent: each answered, none twice, none lost', async (t) => {
  const fleet = await startServers(2, database.url, 4, { readPauseMs: 20 });
  t.teardown(() => fleet.stop());
  const event = await seedEvent(sql, 2, 1000);
  const strategies = ['atomic', 'pessimistic', 'optimistic', 'advisory', 'serializable', 'event-log', 'no-key-update', 'batched'];
  const clients = 24;
  const perClient = 6;
  let running = clients;
  const outcomes: Resent[] = [];
  const acknowledged: string[] = [];

  async function client(index: number) {
    for (let n = 0; n < perClient; n += 1) {
      const hotel = at(event.hotels, (index + n) % event.hotels.length);
      const strategy = at(strategies, (index + n) % strategies.length);
      const body = { rooms: 1 + (n % 3), email: `client-${index}@evento.test`, request_id: `${event.event_id}/${index}/${n}` };
      const resent = await sendUntilAnswered(fleet, index % 2, `/${event.event_id}/${hotel.hotel_id}/reserve/${strategy}`, body);
      outcomes.push(resent);
      if (resent.final?.status === 201) acknowledged.push(body.request_id);
    }
    running -= 1;
  }

  async function kills() {
    let killed = 0;
    // Bounded by count: at most 8 kills, 300 ms apart, while clients are still sending.
    while (running > 0 && killed < 8) {
      await sleep(300);
      await fleet.replace(killed % 2);
      killed += 1;
    }
    return killed;
  }

  const [killed] = await Promise.all([kills(), ...Array.from({ length: clients }, (_, index) => client(index))]);
  const cut = outcomes.filter((outcome) => outcome.cut);
  const answered = outcomes.filter((outcome) => outcome.final !== undefined);
  const recovered = cut.filter((outcome) => outcome.final?.replayed);
  const [{ duplicates }] = await sql.file<[{ duplicates: number }]>(projectPath('sql/audit-duplicates.sql'), [event.event_id]);
  const { lost, unaccounted } = await reconcileWrites(sql, event.event_id, { acknowledged, indeterminate: [] });
  const waited = Math.max(0, ...cut.map((outcome) => outcome.waitedMs));
  t.comment(
    `${killed} servers killed; ${outcomes.length} requests, ${cut.length} cut and resent (${recovered.length} answered from the dead attempt's write), ` +
      `${answered.length} answered; duplicates ${duplicates}, lost ${lost}, unaccounted ${unaccounted}; longest wait for an answer once a cut request's server was back ${Math.round(waited)} ms (lease ${leaseMs} ms)`,
  );
  t.ok(killed > 0, `${killed} servers killed`);
  t.ok(cut.length > 0, `${cut.length} requests were cut by the kills and resent`);
  t.equal(answered.length, clients * perClient, 'every request ended answered');
  t.equal(duplicates, 0, 'no request applied twice');
  t.equal(lost, 0, 'every 201 is in the tables');
  t.equal(unaccounted, 0, 'every reservation was answered 201');
});

t.test('expired request ids are swept; live ones stay', async (t) => {
  const [expired, live] = [randomUUID(), randomUUID()];
  await sql`
    insert into idempotency_keys (key, request_hash, status, response, created_at, expires_at)
    values (${expired}, 'h', 201, '{}', now() - interval '2 days', now() - interval '1 day'),
      (${live}, 'h', 201, '{}', now(), now() + interval '1 day')
  `;
  t.ok((await sweepExpiredKeys(sql)) >= 1, 'swept at least the expired one');
  const left = await sql<{ key: string }[]>`select key from idempotency_keys where key in (${expired}, ${live})`;
  t.same(
    left.map(({ key }) => key),
    [live],
    'only the live id is left',
  );
});

t.test('a failed attempt stops renewing its lease at once, not once its release got a connection', async (t) => {
  const pool = connect(database.url, 1, 'evento-lease-release');
  t.teardown(() => pool.end({ timeout: 1 }));
  const lease = 3_000;
  const once = idempotency(pool, { enabled: true, ttlMs: 60_000, leaseMs: lease });
  const requestId = randomUUID();
  let busy: Promise<unknown> = Promise.resolve();
  await t.rejects(
    once(requestId, { route: 'test' }, () => {
      // The pool's one connection stays busy for several renewal periods: the release waits behind it.
      busy = pool`select pg_sleep(${(lease * 1.5) / 1000})`.execute();
      return Promise.reject(new Error('the attempt failed'));
    }),
    { message: 'the attempt failed' },
    'the attempt failed',
  );
  await busy;
  // Through the same connection, so behind any renewal that was queued while the release waited.
  const [key] = await pool<[{ lapsed: boolean }]>`select lease_expires_at <= now() as lapsed from idempotency_keys where key = ${requestId}`;
  t.ok(key.lapsed, 'the released request id is free for a resend: no renewal came after its release');
});
