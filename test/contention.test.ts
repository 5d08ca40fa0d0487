import t from 'tap';
import type { Test } from 'tap';
import type { StrategyResult } from '../harness/model/result-schema.js';
import type { RaceRun } from '../harness/race/race.js';
import { at } from '../lib/at.js';
import { strategies } from '../strategies/registry.js';
import type { ConflictReason } from '../strategies/types.js';
import {
  contendedRace,
  raceIn,
  roomRuns,
  runOf,
  sharedServers,
  strategyNamed,
  useDatabase,
  holdInAnotherTransaction,
  type SharedRace,
} from './helpers.js';

const database = await useDatabase(t);
const contended = await sharedServers(t, { ...contendedRace, databaseUrl: database.url, runs: roomRuns(strategies) });
const race = (t: Test, names: string[]) => contended(t, roomRuns(names.map(strategyNamed)));

for (const name of ['naive', 'transaction']) {
  t.test(`${name} overbooks or drifts under contention (the audit can fail)`, async (t) => {
    // Races are random: retry a bounded number of times until the anomaly shows, fail if it never does.
    const attempts = 8;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const [result] = (await race(t, [name])).results;
      if (result && (result.outcome.overbooked_rooms > 0 || result.outcome.drift > 0)) {
        t.pass(`attempt ${attempt}: the audit caught ${result.verdict.label}`);
        t.equal(result.verdict.safe, false, 'an anomaly makes the verdict unsafe');
        t.equal(result.verdict.promises_safety, false, `${name} does not promise safety`);
        return;
      }
    }
    t.fail(`no overbooking or drift in ${attempts} contended runs`);
  });
}

// Safe strategies, with the reason every one of their lost races carries when they make the client
// retry rather than wait. transaction is the unsafe twin of repeatable-read, serializable and advisory.
const safe: [string, ConflictReason | undefined][] = [
  ['pessimistic', undefined],
  ['atomic', undefined],
  ['optimistic', 'version_mismatch'],
  ['repeatable-read', 'serialization_failure'],
  ['serializable', 'serialization_failure'],
  ['advisory', undefined],
  ['event-log', 'unique_violation'],
  ['no-key-update', undefined],
  ['batched', undefined],
  ['buckets', undefined],
  ['skip-locked', undefined],
];

for (const [name, reason] of safe) {
  t.test(`${name} never overbooks or drifts and sells every room, 10 contended runs`, async (t) => {
    const { results, stoppedBy } = await race(t, Array<string>(10).fill(name));
    t.equal(stoppedBy, 'done', 'every run ended by selling out');
    t.equal(results.length, 10, 'ten runs');
    for (const [index, { outcome, verdict }] of results.entries()) {
      t.equal(outcome.overbooked_rooms, 0, `run ${index}: no overbooked room`);
      t.equal(outcome.drift, 0, `run ${index}: no drift`);
      t.equal(outcome.rooms_reserved, outcome.contracted, `run ${index}: booked == contracted`);
      t.equal(outcome.errors, 0, `run ${index}: no errors`);
      t.equal(outcome.acknowledged.rooms, outcome.rooms_reserved, `run ${index}: clients were told of every booked room`);
      t.equal(verdict.safe, true, `run ${index}: SAFE`);
      const byReason = Object.values(outcome.conflicts_by_reason).reduce((sum, n) => sum + n, 0);
      t.equal(byReason, outcome.conflicts, `run ${index}: the conflicts by reason add up to the total`);
      if (reason) t.equal(outcome.conflicts_by_reason[reason], outcome.conflicts, `run ${index}: every conflict was a ${reason}`);
      t.equal(outcome.log_mismatch, name === 'event-log' ? 0 : null, `run ${index}: the log replays to the tables (event-log only)`);
    }
    if (reason)
      t.ok(
        results.some((result) => result.outcome.conflicts > 0),
        `${reason} conflicts happened and were retried`,
      );
  });
}

/** Runs of one strategy, each a fresh event on its own seed, until one shows what `shown` looks for (a bounded number). */
async function untilShown(t: Test, race: SharedRace, run: (seed: number) => RaceRun, shown: (result: StrategyResult) => boolean, attempts = 8) {
  const results: StrategyResult[] = [];
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const {
      results: [result],
    } = await race(t, [run(contendedRace.config.seed + attempt)]);
    if (!result) break;
    results.push(result);
    if (shown(result)) break;
  }
  return results;
}

const refusedWithRooms = (result: StrategyResult) => (result.outcome.refused_while_available ?? 0) > 0;

/** A run of `name` on hotels of 4 buckets, on its own seed. */
const bucketRun = (name: string) => (seed: number) => runOf({ workload: 'rooms', buckets: 4 }, strategyNamed(name), { seed });

t.test('buckets-single, 4 buckets and requests of up to 5 rooms: refused while the rooms remain; buckets never is', async (t) => {
  // Hotels of 8 rooms in 4 buckets, 2 a bucket from the start: a claim of 3 to 5 rooms finds no
  // bucket to cover it while its hotel has them, whatever order the claims come in.
  const bucketed = await sharedServers(t, {
    ...contendedRace,
    config: { ...contendedRace.config, maxRooms: 5, hotels: 8, rooms: 8 },
    databaseUrl: database.url,
    runs: [bucketRun('buckets-single')(contendedRace.config.seed), bucketRun('buckets')(contendedRace.config.seed)],
  });
  const single = await untilShown(t, bucketed, bucketRun('buckets-single'), refusedWithRooms);
  t.ok(single.some(refusedWithRooms), `a request refused while its rooms remained, spread over buckets (runs: ${single.length})`);
  for (const [index, { outcome, verdict, params }] of single.entries()) {
    t.equal(params.buckets, 4, `run ${index}: 4 buckets, recorded in the params`);
    t.equal(verdict.safe, true, `run ${index}: SAFE (no overbooking, the buckets agree with the rows)`);
    // Refused, the clients ask again for what is listed: every room is sold in the end.
    t.equal(outcome.unsold_rooms, 0, `run ${index}: no room unsold`);
  }
  const remedied = await untilShown(t, bucketed, bucketRun('buckets'), refusedWithRooms, 4);
  t.equal(remedied.length, 4, 'buckets (with the last pass) ran 4 times');
  t.ok(
    remedied.every((result) => result.verdict.safe && result.outcome.refused_while_available === 0 && result.outcome.unsold_rooms === 0),
    'and never refused a request while the rooms remained',
  );
});

/**
 * Holds the event's last `count` units in another transaction until the race has sold the rest,
 * then a while longer: `locked` once they are held, `done` once they are let go.
 */
const holdLastUnits = (eventId: string, count: number) =>
  holdInAnotherTransaction(database.sql, {
    take: async (tx) => {
      const held = await tx<{ event_hotel_rooms_id: string }[]>`
        select u.event_hotel_rooms_id from room_units u join event_hotel_rooms ehr on ehr.id = u.event_hotel_rooms_id
        where ehr.event_id = ${eventId} order by u.unit desc limit ${count} for update of u`;
      return at(held, 0).event_hotel_rooms_id;
    },
    until: async (hotel) => {
      const [{ free }] = await database.sql<[{ free: number }]>`
        select count(*)::int as free from room_units where event_hotel_rooms_id = ${hotel} and reservation_id is null`;
      return free <= count;
    },
    // The race's claims meet the held units a while longer, then they are theirs to sell.
    lingerMs: 300,
    end: 'rollback',
  });

t.test('skip-locked counts the requests refused while another claim held the rooms', async (t) => {
  let holding: Promise<void> | undefined;
  const {
    results: [result],
  } = await raceIn(t, {
    ...contendedRace,
    config: { ...contendedRace.config, hotels: 1 },
    databaseUrl: database.url,
    runs: roomRuns([strategyNamed('skip-locked')]),
    hooks: {
      // The units are held before the clients start: on a loaded machine they once sold out first.
      onStart: ({ event }) => {
        const hold = holdLastUnits(event.event_id, 3);
        holding = hold.done;
        return hold.locked;
      },
    },
  });
  await holding;
  if (!result) return t.fail('a result');
  const { outcome, verdict } = result;
  const refused = outcome.refused_while_available ?? 0;
  t.ok(refused > 0, `${refused} requests found fewer than n free rooms unheld while another claim held them`);
  t.ok(refused <= outcome.insufficient, 'each such refusal is one of the 422s');
  t.equal(verdict.safe, true, 'SAFE (no overbooking, the units agree with the rows)');
  t.equal(outcome.unsold_rooms, 0, 'every room sold once the other claim let go');
});
