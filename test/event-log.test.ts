import t, { type Test } from 'tap';
import { auditEvent, seedEvent } from '../harness/workloads/event.js';
import { type SeededEvent } from '../harness/model/seeded-event.js';
import { replayLog } from '../harness/workloads/replay.js';
import { verdictOf } from '../harness/analysis/verdict.js';
import { connect, type Db } from '../db/connection.js';
import { at } from '../lib/at.js';
import { appendReserved, eventLog, loadStream } from '../strategies/event-log.js';
import { availableIn } from '../strategies/rooms.js';
import { classifyError } from '../strategies/sqlstate.js';
import type { ReserveRequest } from '../strategies/types.js';
import { runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);
// Enough connections for the contended appends below to overlap.
const sql = connect(database.url, 8);
t.teardown(() => sql.end({ timeout: 2 }));

const requestFor = (event: SeededEvent, rooms: number, email = 'log@evento.test'): ReserveRequest => ({
  eventId: event.event_id,
  hotelId: at(event.hotels, 0).hotel_id,
  rooms,
  email,
  requestId: null,
});

/** The stream of the request's hotel, which every event seeded here has. */
async function streamOf(db: Db, request: ReserveRequest) {
  const stream = await loadStream(db, request);
  if (!stream) throw new Error(`no stream for hotel ${request.hotelId}`);
  return stream;
}

/** An event of one hotel with `rooms` rooms, `sold` of them reserved through the log in requests of 2. */
async function soldThroughTheLog(t: Test, rooms: number, sold: number) {
  const event = await seedEvent(sql, 1, rooms);
  for (let booked = 0; booked < sold; booked += 2) {
    t.equal((await eventLog.reserve(sql, requestFor(event, 2))).status, 'reserved', 'reserved through the log');
  }
  const stream = await streamOf(sql, requestFor(event, 1));
  return { event, stream };
}

/** What the audit and the verdict say, with the log replayed as the race does for event-log. */
async function judged(eventId: string) {
  const audit = await auditEvent(sql, eventId);
  const replay = await replayLog(sql, eventId);
  return { audit, replay, verdict: verdictOf(eventLog, { ...audit, log_mismatch: replay.log_mismatch }) };
}

const rebuild = (eventId: string) => runCli(['rebuild', '--event', eventId], { env: { DATABASE_URL: database.url } });

t.test('a seeded stream starts at version 1 with the contract; each reservation appends the next version', async (t) => {
  const { event, stream } = await soldThroughTheLog(t, 10, 4);
  const events = await sql<{ version: number; type: string; data: { rooms: number; reservation_id?: string } }[]>`
    select version, type, data from room_events where stream_id = ${stream.id} order by version
  `;
  t.same(
    events.map((e) => [e.version, e.type, e.data.rooms]),
    [
      [1, 'ROOMS_CONTRACTED', 10],
      [2, 'ROOMS_RESERVED', 2],
      [3, 'ROOMS_RESERVED', 2],
    ],
    'the stream',
  );
  const reservations = await sql<{ id: string }[]>`select id from reservations where event_hotel_rooms_id = ${stream.id} order by created_at`;
  t.same(
    reservations.map((r) => r.id).sort(),
    events
      .slice(1)
      .map((e) => e.data.reservation_id)
      .sort(),
    'each event projected its reservation',
  );
  t.match(stream, { version: 3, contracted: 10, reserved: 4 }, 'the projected counters');

  const { audit, replay, verdict } = await judged(event.event_id);
  t.match(audit, { overbooked: 0, drift: 0 }, 'the tables audit clean');
  t.match(replay.streams, [{ replayed_contracted: 10, replayed_reserved: 4, log_mismatch: 0 }], 'the replay agrees with the projection');
  t.equal(verdict.label, 'SAFE', 'verdict');

  const run = await rebuild(event.event_id);
  t.equal(run.code, 0, `rebuild exits 0 when the tables agree with the log: ${run.stderr}`);
  t.match(JSON.parse(run.stdout), { event_id: event.event_id, log_mismatch: 0, streams: [{ stream_id: stream.id, version: 3 }] }, 'rebuild report');
});

t.test('a second append at a version already taken is a unique violation, a retryable conflict', async (t) => {
  const { event, stream } = await soldThroughTheLog(t, 10, 2);
  const stale = appendReserved(sql, stream.id, stream.version, requestFor(event, 1));
  const error = await stale.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.same(classifyError(error), { kind: 'conflict', reason: 'unique_violation' }, '23505 is a conflict');
  t.match(await judged(event.event_id), { replay: { log_mismatch: 0 }, audit: { drift: 0 } }, 'the failed append left no trace');
});

// Each tampering below leaves the tables self-consistent or nearly so; the replay still sees it.
const tamperings: { what: string; tamper: (streamId: string) => Promise<unknown>; untamper?: () => Promise<unknown>; caught: object }[] = [
  {
    what: 'an event lost from the log (the tables alone audit clean)',
    tamper: (streamId) => sql`delete from room_events where stream_id = ${streamId} and version = 3`,
    // 4 rooms the log no longer explains, and the hole it left at version 3.
    caught: {
      audit: { overbooked: 0, drift: 0 },
      replay: { log_mismatch: 5, streams: [{ replayed_reserved: 4, unlogged_rooms: 2, version_gaps: 1 }] },
    },
  },
  {
    what: 'an event of a type the replay does not know (the sums still agree)',
    tamper: (streamId) => sql`
      insert into room_events (stream_id, version, type, data, created_at)
      values (${streamId}, 5, 'ROOMS_UPGRADED', '{"rooms": 2}', now())
    `,
    caught: { audit: { overbooked: 0, drift: 0 }, replay: { log_mismatch: 1, streams: [{ unknown_events: 1, version_gaps: 0, replayed_reserved: 6 }] } },
  },
  {
    what: 'a version skipped (the sums still agree)',
    tamper: (streamId) => sql`update room_events set version = 5 where stream_id = ${streamId} and version = 4`,
    caught: { audit: { overbooked: 0, drift: 0 }, replay: { log_mismatch: 1, streams: [{ version_gaps: 1, unknown_events: 0, version: 5 }] } },
  },
  {
    what: 'two events at one version (the sums still agree)',
    // Only possible with the unique (stream_id, version) constraint gone, which the tamperer drops; put back below.
    tamper: (streamId) =>
      sql.begin((tx) => [
        tx`alter table room_events drop constraint room_events_stream_id_version_key`,
        tx`insert into room_events (stream_id, version, type, data, created_at) values (${streamId}, 2, 'ROOMS_CONTRACTED', '{"rooms": 10}', now())`,
      ]),
    untamper: () =>
      sql.begin((tx) => [
        tx`delete from room_events where version = 2 and type = 'ROOMS_CONTRACTED'`,
        tx`alter table room_events add constraint room_events_stream_id_version_key unique (stream_id, version)`,
      ]),
    caught: {
      audit: { overbooked: 0, drift: 0 },
      replay: { log_mismatch: 1, streams: [{ duplicate_versions: 1, version_gaps: 0, replayed_contracted: 10, replayed_reserved: 6 }] },
    },
  },
  {
    what: "a reservation written to the tables behind the log's back (the tables alone audit clean)",
    tamper: (streamId) => sql`
      with counter as (update event_hotel_rooms set reserved = reserved + 3 where id = ${streamId})
      insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, created_at)
      values (gen_random_uuid(), ${streamId}, 'behind@evento.test', 3, 'CONFIRMED', now())
    `,
    caught: { audit: { overbooked: 0, drift: 0 }, replay: { log_mismatch: 6, streams: [{ unlogged_rooms: 3 }] } },
  },
  {
    what: 'a projected reservation deleted',
    tamper: (streamId) => sql`
      delete from reservations where id = (select id from reservations where event_hotel_rooms_id = ${streamId} limit 1)
    `,
    caught: { replay: { log_mismatch: 2, streams: [{ unprojected_rooms: 2 }] } },
  },
  {
    what: 'the contract changed in the projection only',
    tamper: (streamId) => sql`update event_hotel_rooms set contracted = 12 where id = ${streamId}`,
    caught: { audit: { overbooked: 0, drift: 0 }, replay: { log_mismatch: 2, streams: [{ contracted: 12, replayed_contracted: 10 }] } },
  },
];

for (const { what, tamper, untamper, caught } of tamperings) {
  t.test(`the replay audit catches ${what}`, async (t) => {
    const { event, stream } = await soldThroughTheLog(t, 10, 6);
    await tamper(stream.id);
    if (untamper) t.teardown(untamper);
    const judgement = await judged(event.event_id);
    t.match(judgement, caught, 'the difference, in rooms and events out of place');
    t.equal(judgement.verdict.safe, false, 'a log mismatch makes the verdict unsafe');
    t.match(judgement.verdict.label, /LOG MISMATCH [1-9]/, 'and the label says so');

    const run = await rebuild(event.event_id);
    t.equal(run.code, 1, 'rebuild exits 1 when the tables differ from the log');
    t.match(run.stderr, /the tables differ from the replayed log by [1-9]/, 'one line saying so');
    t.equal((JSON.parse(run.stdout) as { log_mismatch: number }).log_mismatch, judgement.replay.log_mismatch, 'rebuild reports what the audit found');
  });
}

t.test('rebuild of an unknown event is a usage error', async (t) => {
  const run = await rebuild('00000000-0000-4000-8000-000000000000');
  t.equal(run.code, 2, 'exit 2');
  t.match(run.stderr, /--event .*no such event/, 'names the flag');
});

/**
 * The unsafe twin of event-log: when the version it read is taken, it appends at the next free
 * one instead of deciding again. The unique constraint still holds; the decision is stale.
 */
async function reserveBlindly(request: ReserveRequest) {
  return sql.begin(async (tx) => {
    const stream = await streamOf(tx, request);
    if (availableIn(stream) < request.rooms) return;
    let version = stream.version + 1;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      try {
        await tx.savepoint((savepoint) => appendReserved(savepoint, stream.id, version, request));
        return;
      } catch (error) {
        if (classifyError(error).kind !== 'conflict') throw error;
        version = (await streamOf(tx, request)).version + 1;
      }
    }
  });
}

t.test('the twin that re-appends without re-checking overbooks; the audit catches it and the log agrees', async (t) => {
  // Races are random: retry a bounded number of times until the anomaly shows, fail if it never does.
  const attempts = 8;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const event = await seedEvent(sql, 1, 10);
    await Promise.all(Array.from({ length: 40 }, (_, index) => reserveBlindly(requestFor(event, 2, `twin-${index}@evento.test`))));
    const { audit, replay, verdict } = await judged(event.event_id);
    if (audit.overbooked > 0) {
      t.pass(`attempt ${attempt}: the audit caught ${verdict.label}`);
      t.equal(verdict.safe, false, 'unsafe');
      t.equal(replay.log_mismatch, 0, 'the log records the overbooking faithfully: only a fresh decision prevents it');
      return;
    }
  }
  t.fail(`no overbooking in ${attempts} contended runs`);
});
