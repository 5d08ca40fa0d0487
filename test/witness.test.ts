import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { formatWitness } from '../cmd/output/history-text.js';
import { readHistory } from '../harness/history/history.js';
import { runRace, type RaceOptions, type RaceRun } from '../harness/race/race.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { resultFileName } from '../harness/results/results-file.js';
import type { HistoryOp } from '../client-sim/history.js';
import { findWitnesses } from '../harness/history/witness.js';
import { type Witness, type WrittenWitness } from '../harness/model/history-findings.js';
import { readTimelineWindow, timelineBars } from '../harness/history/witness-timeline.js';
import { witnessWords } from '../report/witness-text.js';
import { findSlotStrategy } from '../strategies/registry.js';
import { contendedRace, readResult, roomRuns, runCli, strategyNamed, useDatabase, runOf, holdInAnotherTransaction } from './helpers.js';

const database = await useDatabase(t);
const contended: Omit<RaceOptions, 'runs'> = { ...contendedRace, config: { ...contendedRace.config, history: true }, databaseUrl: database.url };

/**
 * Every run of `runs`, `trials` times over in one race (one start of the servers), and the
 * first result of each run that shows what the test needs.
 */
async function raceTrials(t: Test, runs: RaceRun[], trials: number, found: (result: StrategyResult) => boolean, options = contended) {
  const { results } = await runRace({ ...options, runs, trials });
  return runs.map((run) => {
    const label = `${run.settings.workload}:${run.strategy.name}`;
    const mine = results.filter((result) => result.workload === run.settings.workload && result.params.strategy === run.strategy.name);
    const hit = mine.find(found);
    if (hit) t.pass(`${label}: trial ${hit.trial?.index ?? 1} of ${trials}: ${hit.verdict.label}`);
    else t.fail(`${label}: not seen in ${trials} contended trials`);
    return { hit, all: mine };
  });
}

/** The ids among `ids` that the tables hold, as reservations or slot bookings. */
async function inTables(ids: string[]) {
  const rows = await database.sql<{ id: string }[]>`
    select id from reservations where id = any(${ids}::uuid[]) union select id from slot_bookings where id = any(${ids}::uuid[])`;
  return new Set(rows.map((row) => row.id));
}

async function checkCore(t: Test, witness: WrittenWitness, strategy: string) {
  const ops = witness.operations;
  t.ok(ops.length >= 2, `${ops.length} operations`);
  const ids = ops.map((op) => op.reservation_id ?? '');
  const found = await inTables(ids);
  t.ok(
    ids.every((id) => found.has(id)),
    'every reservation of the witness is in the tables',
  );
  t.ok(
    ops.every((op) => op.in_tables && op.type === 'ok' && op.txid !== undefined && typeof op.committed_us === 'number'),
    'each was applied, with its xid and commit time',
  );
  const text = formatWitness(witness, strategy);
  for (const op of ops) {
    t.match(text, `${op.name} = client ${op.client} via server ${op.server}, request ${op.request_id ?? ''}`, `the text names ${op.name}`);
    t.match(text, op.reservation_id ?? '', `the text gives ${op.name}'s reservation id`);
    t.match(text, `xid ${op.txid ?? ''}`, `the text gives ${op.name}'s xid`);
  }
  return text;
}

/** Every claim of the witness that wrote on a stale read comes with a claim that wrote a version between its read and its write. */
function staleWritesSuperseded(t: Test, witness: WrittenWitness) {
  for (const op of witness.operations.filter((op) => Number(op.written_version) > Number(op.read_version) + 1)) {
    t.ok(
      witness.operations.some(
        (other) => other !== op && Number(other.written_version) < Number(op.written_version) && Number(other.written_version) > Number(op.read_version),
      ),
      `${witness.place}: ${op.name} wrote version ${String(op.written_version)} on a read of ${String(op.read_version)}, with a claim that wrote before it`,
    );
  }
}

t.test('naive and transaction: a witness for every overbooked hotel, claims that read the same version', async (t) => {
  const names = [
    ['naive', /check-then-act across transactions/],
    ['transaction', /G-single/],
  ] as const;
  const found = await raceTrials(t, roomRuns(names.map(([name]) => strategyNamed(name))), 6, (r) => r.outcome.overbooked_rooms > 0);
  for (const [index, [name, anomaly]] of names.entries()) {
    const result = found[index]?.hit;
    if (!result) continue;
    const witnesses = result.outcome.witnesses ?? [];
    const overbooked = result.hotels.filter((hotel) => hotel.overbooked > 0);
    t.equal(witnesses.filter((w) => w.kind === 'overbooking').length, overbooked.length, 'one witness per overbooked hotel');
    for (const witness of witnesses) {
      if ((witness.excess?.chain ?? 0) > 1) {
        // More stale writes than one were needed to cover the excess: each with a claim that superseded its read.
        staleWritesSuperseded(t, witness);
        t.equal(witness.excess?.explained, witness.excess?.total, `${witness.place}: the chain explains the whole excess`);
      } else if ((witness.excess?.groups ?? 0) > 0) {
        // The group's claims; a stale write beyond them, when one was needed, comes with its superseder.
        const core = witness.operations.filter((op) => op.role === 'group');
        const versions = new Set(core.map((op) => op.read_version));
        t.equal(versions.size, 1, `${witness.place}: every claim of the group read the same version`);
        const taken = core.reduce((sum, op) => sum + (op.rooms ?? 0), 0);
        t.ok(
          core[0] && taken > (core[0].read_available ?? Infinity),
          `${witness.place}: together they took ${taken}, more than the ${String(core[0]?.read_available)} left`,
        );
      } else {
        // One stale write covers the excess: the witness is that claim with the claim that superseded its
        // read, and that claim with its own when its read was stale too (docs/histories.md).
        const stale = witness.operations.filter((op) => op.role === 'stale');
        t.equal(stale.length, 1, `${witness.place}: one claim wrote on a superseded read`);
        t.ok(
          stale.every((op) => Number(op.written_version) > Number(op.read_version) + 1),
          `${witness.place}: it wrote past the version after the one it read`,
        );
        staleWritesSuperseded(t, witness);
      }
      if (witness.kind === 'overbooking') {
        const over = overbooked.find((hotel) => hotel.name === witness.place)?.overbooked;
        t.equal(witness.excess?.total, over, `${witness.place}: ${String(over)} room(s) over contract`);
        t.equal(witness.excess?.explained, over, `${witness.place}: the witness explains the whole excess`);
      }
      const named = witnessWords(witness, name).anomaly;
      t.match(named, anomaly, `${witness.place}: named ${named}`);
      const text = await checkCore(t, witness, name);
      t.match(text, /^witness: overbooking at /, 'the text says what it witnesses');
    }
    t.ok(
      witnesses.some((witness) => new Set(witness.operations.map((op) => op.read_version)).size < witness.operations.length),
      `${name}: a witness has two committed claims that read the same version`,
    );
    t.equal(result.outcome.history_check?.valid, true, `${name}: the history checks out against the tables: the increments all landed`);
    t.equal(result.outcome.kept_safe, undefined, `${name}: no "stayed safe" line for an unsafe strategy`);
  }
});

/**
 * A claim of a crafted history at hotel h1: it read `read` (with `left` rooms), took `rooms`
 * and wrote version `wrote`; its commit time runs against its version where `committedUs` says.
 */
const claim = (client: number, read: number, left: number, rooms: number, wrote: number, committedUs = wrote): HistoryOp => ({
  client,
  server: client % 2,
  op: 'reserve',
  invoke_ns: client * 1_000_000,
  complete_ns: client * 1_000_000 + 500_000,
  type: 'ok',
  request_id: `r/${client}`,
  status: 201,
  hotel_id: 'h1',
  rooms,
  reservation_id: `res-${client}`,
  read_version: String(read),
  read_available: left,
  written_version: String(wrote),
  txid: String(1000 + client),
  committed_us: committedUs,
});

/** The witnesses of a crafted history at hotel h1 whose claims the tables all hold. */
const craftedWitnesses = (operations: HistoryOp[], contracted: number, overbooked: number) =>
  findWitnesses({
    workload: 'rooms',
    anomaly: 'G-single',
    operations,
    tables: {
      rows: operations.map((op) => ({
        id: op.reservation_id ?? '',
        place: 'h1',
        rooms: op.rooms ?? 0,
        status: 'CONFIRMED',
        request_id: op.request_id,
        xmin: op.txid ?? '',
      })),
      overlaps: [],
    },
    hotels: [
      {
        hotel_id: 'h1',
        hotel_name: 'Hotel 1',
        contracted,
        reserved: contracted + overbooked,
        locked: 0,
        confirmed: contracted + overbooked,
        held: 0,
        overbooked,
        drift: 0,
      },
    ],
  });

t.test('crafted: an excess no pair explains gets a witness of every stale write it needs, named by the version each wrote', async (t) => {
  // 6 rooms. P and S1 read version 1 (6 left) and take 2 + 3; Q and S2 read version 2 (4 left)
  // and take 2 + 2; R reads version 3 (2 left) and takes 2; then S1 and S2 write on their stale
  // reads: 3 and 2 rooms beyond what was left, 5 over contract. No version's readers took more
  // than it had, so no group explains it. Commit times run against versions for P and Q (as naive's separate insert can).
  const operations = [
    claim(1, 1, 6, 2, 2, 30), // P
    claim(2, 2, 4, 2, 3, 10), // Q
    claim(3, 3, 2, 2, 4), // R
    claim(4, 1, 6, 3, 5), // S1: 0 left before it wrote
    claim(5, 2, 4, 2, 6), // S2
  ];
  const witnesses = craftedWitnesses(operations, 6, 5);
  const [witness] = witnesses;
  if (!witness) return t.fail('a witness');
  t.equal(witness.excess?.groups, 0, 'no group of claims that read one version took more than it had');
  t.same(
    witness.excess,
    { total: 5, explained: 5, groups: 0, chain: 2, beyond: 5, stale_writes: 2 },
    'two stale writes explain all 5 rooms over contract, 5 rooms beyond what was left',
  );
  t.same(
    witness.operations.map((op) => op.client),
    [1, 2, 4, 5],
    'the stale writes S1 and S2 and the claims that superseded their reads (P, Q), no more',
  );
  t.same(
    witness.operations.map((op) => [op.name, op.written_version]),
    [
      ['T1', '2'],
      ['T2', '3'],
      ['T3', '5'],
      ['T4', '6'],
    ],
    'named by the version each wrote, though P committed after Q',
  );
  t.equal(witness.order, 'written_version', 'and says so');
  const text = formatWitness(witness, 'transaction');
  t.match(text, /T3 read version 1 .* T1 wrote version 2 first, and T3 then wrote version 5 taking 3 room\(s\), 3 beyond what was left/, 'S1 named');
  t.match(text, /T4 read version 2 .* T2 wrote version 3 first, and T4 then wrote version 6 taking 2 room\(s\), 2 beyond what was left/, 'S2 named');
  t.match(text, /2 claim\(s\) that wrote on a superseded read explain 5 of the 5 room\(s\) over contract/, 'the text says how much it explains');
  t.match(text, /named in the order they wrote the row's versions/, 'and how T1, T2, … are numbered');
  t.match(text, /T2 = .*committed 0\.020 ms before T1/, 'a commit before T1 is said as such');

  const smaller = craftedWitnesses(operations, 9, 3)[0];
  t.same(
    smaller?.operations.map((op) => op.client),
    [1, 4],
    'an excess one stale write covers is witnessed by it and its superseder alone (largest first)',
  );
});

t.test('crafted: where the groups explain part of the excess, stale writes beyond them explain the rest', async (t) => {
  // 20 rooms. W1..W10 read versions 1..10 in turn and each takes 2, writing versions 2..11; S1..S10
  // read the same versions as W1..W10, also take 2 each, and write versions 12..21, on reads W1..W10 had
  // made stale. Only W10 and S10 (2 left, 4 taken) make a group: it explains 2 of the 20 rooms over
  // contract; S1..S9 took the other 18, 2 each beyond what was left.
  const w = Array.from({ length: 10 }, (_, i) => claim(i + 1, i + 1, 20 - 2 * i, 2, i + 2));
  const s = Array.from({ length: 10 }, (_, i) => claim(i + 11, i + 1, 20 - 2 * i, 2, i + 12));
  const [witness] = craftedWitnesses([...w, ...s], 20, 20);
  if (!witness) return t.fail('a witness');
  t.same(
    witness.excess,
    { total: 20, explained: 20, groups: 1, chain: 9, beyond: 20 },
    'the group and 9 stale writes explain all 20 rooms over contract',
  );
  t.same(
    witness.operations.map((op) => [op.name, op.client, op.role]),
    [
      ...w.map((op, i) => [`T${i + 1}`, op.client, i === 9 ? 'group' : 'superseder']),
      ...s.map((op, i) => [`T${i + 11}`, op.client, i === 9 ? 'group' : 'stale']),
    ],
    "the group's claims, the stale writes, and the claims that superseded their reads, named by the version each wrote",
  );
  const text = formatWitness(witness, 'transaction');
  t.match(text, /T10 and T20 both read version 10 of Hotel 1's row with 2 room\(s\) left and took 2 \+ 2 = 4/, 'the group first');
  t.match(
    text,
    /beyond them, T11 read version 1 .* T1 wrote version 2 first, and T11 then wrote version 12 taking 2 room\(s\), 2 beyond what was left/,
    'then the stale writes',
  );
  t.match(text, /so did 5 more \(T15, T16, T17, T18, T19\), 10 room\(s\) beyond what was left/, 'past the first few, counted');
  t.match(
    text,
    /a group of claims that read the same version \(of 1 such group\(s\)\) and 9 claim\(s\) that wrote on a superseded read explain 20 of the 20 room\(s\) over contract here\.$/m,
    'the text says it explains the whole excess',
  );
  t.same(
    [...text.matchAll(/^ {2}(?:Let| {3}) (T\d+) = /gm)].map((line) => line[1]),
    ['T10', 'T11', 'T12', 'T13', 'T14', 'T15', 'T16', 'T20'],
    'eight Let lines: the group and the first stale writes',
  );
  t.match(
    text,
    /^ {6}and 12 more operation\(s\) taking 24 room\(s\): T1 = client 1 via server 1, request r\/1, 2 room\(s\), xid 1001, as res-1; /m,
    'the rest in one line',
  );
  for (const op of witness.operations) {
    t.match(text, `${op.name} = client ${op.client} via server ${op.server}, request ${op.request_id ?? ''}`, `the text names ${op.name}`);
    t.match(text, `xid ${op.txid ?? ''}`, `the text gives ${op.name}'s xid`);
    t.match(text, op.reservation_id ?? '', `the text gives ${op.name}'s reservation id`);
  }

  const beyond = craftedWitnesses([...w, ...s], 20, 25)[0];
  t.same(beyond?.excess, { total: 25, explained: 20, groups: 1, chain: 9, beyond: 20 }, 'an excess the history does not hold is not explained');
  t.match(
    beyond && formatWitness(beyond, 'transaction'),
    /explain 20 of the 25 room\(s\) over contract here\. 5 room\(s\) stay unexplained: no other applied claim in the history wrote on a read another claim had superseded/,
    'and the text says how much and why',
  );
});

t.test('crafted: a long history is drawn as the window around its witness, lanes per server past 64 clients', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'evento-timeline-'));
  // 3,000 operations of 100 clients, one invoked every ms, each answered 5 ms later.
  const history = Array.from({ length: 3000 }, (_, i): HistoryOp => ({ ...claim(i % 100, 1, 6, 1, 2), invoke_ns: i * 1e6, complete_ns: i * 1e6 + 5e6 }));
  const path = join(dir, 'run.history.ndjson');
  await writeFile(path, history.map((op) => `${JSON.stringify(op)}\n`).join(''));
  const [a, b] = [history[1500], history[1502]];
  if (!a || !b) return t.fail('crafted history');
  const witness: Witness = {
    kind: 'overbooking',
    place: 'Hotel 1',
    naming: 'G-single',
    operations: [
      { ...a, name: 'T1', in_tables: true },
      { ...b, name: 'T2', in_tables: true },
    ],
  };
  const around = await readTimelineWindow(path, [witness]);
  t.equal(around.operations, 3000, 'every line read');
  t.equal(around.drawn, timelineBars, `capped at ${timelineBars} bars`);
  t.equal(around.around, 'witnesses', 'around the witness');
  t.ok(
    around.from_ms < 1500 && around.to_ms > 1507 && around.to_ms - around.from_ms < 1400,
    `a window about the witness: ${around.from_ms} to ${around.to_ms} ms`,
  );
  t.equal(around.timeline.by, 'server', 'lanes per server: 100 clients in the window');
  const bars = around.timeline.lanes.flatMap((lane) => lane.bars);
  t.same(
    bars.filter((bar) => bar.witness).map((bar) => [bar.witness, bar.start_ms]),
    [
      ['T1', 1500],
      ['T2', 1502],
    ],
    "the witness's operations are in it, named",
  );
  t.ok(
    bars.every((bar) => bar.end_ms >= around.from_ms && bar.start_ms <= around.to_ms),
    'every bar drawn meets the window',
  );

  const start = await readTimelineWindow(path, []);
  t.same([start.around, start.from_ms, start.drawn], ['start', 0, timelineBars], 'without a witness: the first invocations');
  const small = await readTimelineWindow(path, [], 50);
  t.same([small.drawn, small.timeline.by, small.timeline.lanes.length], [50, 'client', 50], 'a window of 50 clients has a lane per client');
});

// What each safe strategy must have done on one hot row at think 0, with 100 clients. `batched` has a test of its own below.
const mechanisms = ['pessimistic', 'advisory', 'optimistic', 'serializable', 'event-log', 'atomic', 'no-key-update', 'buckets', 'skip-locked'];

t.test('safe strategies, contended: no witness, a valid history, and the mechanism that kept them safe acted', async (t) => {
  // Lock waits are read from commit times, which a DATABASE_URL server may not keep (count null).
  const found = await raceTrials(t, roomRuns(mechanisms.map(strategyNamed)), 2, (r) => (r.outcome.kept_safe?.count ?? 1) !== 0);
  for (const [index, name] of mechanisms.entries()) {
    const { hit: result, all } = found[index] ?? { all: [] };
    for (const { outcome, verdict, trial } of all) {
      const run = `${name} trial ${trial?.index ?? 1}`;
      t.equal(verdict.label, 'SAFE', `${run}: SAFE`);
      t.same(outcome.witnesses, [], `${run}: no witness`);
      t.equal(outcome.history_check?.valid, true, `${run}: the history checks out: ${JSON.stringify(outcome.history_check?.anomalies.slice(0, 2))}`);
      t.ok((outcome.history_check?.reads_checked ?? 0) > 0, `${run}: reads were checked`);
    }
    if (!result) continue;
    const { outcome } = result;
    if (outcome.kept_safe?.count === null) t.comment(`${name}: not counted here: ${result.history?.missing.join('; ') ?? ''}`);
    else
      t.ok(
        (outcome.kept_safe?.ms ?? 0) > 0,
        `${name}: ${String(outcome.kept_safe?.mechanism)}: ${String(outcome.kept_safe?.count)} in ${String(outcome.kept_safe?.ms)} ms`,
      );
  }
});

/**
 * Holds the event's hotel rows updated in another transaction until one of the race's sessions
 * waits for them, then commits: `locked` once the rows are held, `done` once let go.
 */
const holdHotelRowsUntilWaitedOn = (eventId: string) =>
  holdInAnotherTransaction(database.sql, {
    take: async (tx) => {
      const [{ pid }] = await tx<[{ pid: number }]>`select pg_backend_pid() as pid`;
      await tx`update event_hotel_rooms set updated_at = now() where event_id = ${eventId}`;
      return pid;
    },
    until: async (pid) => {
      const [{ waiting }] = await database.sql<[{ waiting: number }]>`
        select count(*)::int as waiting from pg_stat_activity where ${pid}::int = any(pg_blocking_pids(pid))`;
      return waiting > 0;
    },
    end: 'commit',
  });

// Two servers' batches meet on the row only now and then (none in some short contended runs): a claim held open makes them meet.
t.test('batched: its batch waits for the row lock another transaction holds, and reads the row that one wrote', async (t) => {
  let holding: Promise<void> | undefined;
  const { results } = await runRace({
    ...contended,
    runs: roomRuns([strategyNamed('batched')]),
    hooks: {
      onStart: ({ event }) => {
        const hold = holdHotelRowsUntilWaitedOn(event.event_id);
        holding = hold.done;
        return hold.locked;
      },
    },
  });
  await holding;
  const [result] = results;
  if (!result) return t.fail('a result');
  const { outcome, verdict } = result;
  t.equal(verdict.label, 'SAFE', 'SAFE');
  t.same(outcome.witnesses, [], 'no witness');
  t.equal(outcome.history_check?.valid, true, 'the history checks out');
  if (outcome.kept_safe?.count === null) {
    t.comment(`batched: not counted here: ${result.history?.missing.join('; ') ?? ''}`);
    return;
  }
  t.ok(
    (outcome.kept_safe?.count ?? 0) > 0 && (outcome.kept_safe?.ms ?? 0) > 0,
    `batched: ${String(outcome.kept_safe?.mechanism)}: ${String(outcome.kept_safe?.count)} in ${String(outcome.kept_safe?.ms)} ms`,
  );
});

t.test('slots: naive-slots overlaps, witnessed by two bookings that both found their window free', async (t) => {
  const naiveSlots = findSlotStrategy('naive-slots');
  if (!naiveSlots) throw new Error('no naive-slots');
  const slots = {
    ...contended,
    config: { ...contended.config, hotels: 1, rooms: 1, maxRooms: 1, seed: 5 },
  };
  const [found] = await raceTrials(
    t,
    [runOf({ workload: 'slots', slots: { resources: 3, hours: 24, attempts: 10 } }, naiveSlots)],
    4,
    (r) => (r.outcome.counts.overlapping_pairs ?? 0) > 0,
    slots,
  );
  const result = found?.hit;
  const witness = result?.outcome.witnesses?.find((w) => w.kind === 'overlap');
  if (!witness) return t.fail('an overlap witness');
  t.ok(
    witness.operations.every((op) => op.op === 'slot' && op.read_available === 1),
    'both bookings read their window free',
  );
  t.equal(witness.operations.length, 2, 'a pair');
  const [a, b] = witness.operations;
  t.ok(
    a && b && a.start !== undefined && b.end !== undefined && a.start < b.end && b.start !== undefined && a.end !== undefined && b.start < a.end,
    'their windows overlap',
  );
  await checkCore(t, witness, naiveSlots.name);
});

t.test('holds: naive overbooks with holds, witnessed by holds that read the same version', async (t) => {
  const holds = { ...contended, config: { ...contended.config, seed: 11 } };
  const settings = { workload: 'holds', holds: { confirm_ratio: 0.6, cancel_ratio: 0.2, hold_ttl_ms: 400, sweep_ms: 50 } } as const;
  const [found] = await raceTrials(t, [runOf(settings, strategyNamed('naive'))], 4, (r) => r.outcome.overbooked_rooms > 0, holds);
  const result = found?.hit;
  const witness = result?.outcome.witnesses?.find((w) => w.kind === 'overbooking');
  if (!witness) return t.fail('an overbooking witness');
  t.ok(
    witness.operations.every((op) => op.op === 'hold'),
    'the witness is made of holds',
  );
  // The group's holds, or without a group the stale pair; stale writes added beyond a group read other versions.
  const group = witness.operations.filter((op) => op.role === 'group');
  const core = group.length > 0 ? group : witness.operations;
  if (group.length > 0 || core.length === 2) t.equal(new Set(core.map((op) => op.read_version)).size, 1, 'they read the same version');
  t.equal(witness.excess?.explained, witness.excess?.total, 'and explain the whole excess');
  await checkCore(t, witness, 'naive');
  t.ok(result?.outcome.history_check?.reads_skipped, 'reads are not bounded where holds give rooms back');
});

t.test('duplicates: a resent request applied twice is witnessed by its rows and flagged by the checker', async (t) => {
  const lossy = {
    ...contended,
    config: {
      ...contended.config,
      clients: 60,
      rooms: 400,
      maxRooms: 3,
      seed: 3,
      pick: 'random' as const,
      retries: { client_timeout_ms: null, drop_responses: 0.3, idempotency: false },
    },
  };
  const [result] = (await runRace({ ...lossy, runs: roomRuns([strategyNamed('atomic')]) })).results;
  const witness = result?.outcome.witnesses?.find((w) => w.kind === 'duplicate');
  if (!result || !witness) return t.fail('a duplicate witness');
  const requestId = witness.operations[0]?.request_id ?? '';
  const rows = await database.sql`select id from reservations where request_id = ${requestId}`;
  t.ok(rows.length >= 2, `request ${requestId} is in the tables ${rows.length} times`);
  const words = witnessWords(witness, 'atomic');
  t.match(words.summary, requestId, 'the witness names the request');
  t.match(words.anomaly, /applied twice/, 'named for what it is');
  t.match(witness, { naming: 'applied-twice', duplicate: { request_id: requestId } }, 'from the data the witness carries');
  t.equal(result.outcome.history_check?.valid, false, 'the checker flags it too');
  t.ok(
    result.outcome.history_check?.anomalies.some((anomaly) => anomaly.kind === 'unexplained_write'),
    'as a row no single answer explains',
  );
});

t.test('the history file and `evento witness` print the witness with its operations in time order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'evento-witness-'));
  const args = ['run', '--strategy', 'naive', '--history', '--clients', '100', '--hotels', '2', '--rooms', '20', '--think-ms', '0', '--warmup', '0'];
  const cli = await runCli([...args, '--seed', '7', '--results-dir', dir, '--json', join(dir, 'run.json')], {
    env: { DATABASE_URL: database.url },
    timeoutMs: 300_000,
  });
  t.equal(cli.code, 0, `run exits 0: ${cli.stderr.slice(-300)}`);
  const written = await readResult(join(dir, 'run.json'));
  t.ok(written.history, 'the result names its history');
  const historyPath = join(dir, written.history?.file ?? '');
  const history = await readHistory(historyPath);
  t.equal(history.length, written.history?.operations, 'one line per operation');
  const [line] = (await readFile(historyPath, 'utf8')).split('\n');
  t.match(
    JSON.parse(line ?? '{}'),
    { client: Number, server: Number, op: String, invoke_ns: Number, complete_ns: Number, type: /^(ok|fail|info)$/ },
    'a line has the fields',
  );
  const claim = history.find((op) => op.op === 'reserve' && op.type === 'ok');
  t.match(
    claim,
    { hotel_id: String, rooms: Number, request_id: String, read_available: Number, read_version: String, txid: String },
    'a write has its decision',
  );
  t.match(cli.stdout, /history check: /, 'the run prints the check under the table');
  const printed = await runCli(['witness', join(dir, resultFileName(written))]);
  t.equal(printed.code, 0, 'witness exits 0');
  if (written.outcome.overbooked_rooms > 0) {
    t.match(cli.stdout, /witness: overbooking at/, 'the run prints the witness under the table');
    t.match(printed.stdout, /witness: overbooking at/, 'evento witness prints it');
    t.match(printed.stdout, /in time order/, 'with its operations in time order');
    t.match(printed.stdout, /T1 sent/, 'each sent and answered');
  } else {
    t.match(printed.stdout, /no witness/, 'says there is none');
  }
  const bad = await runCli(['witness', join(dir, 'missing.json')]);
  t.equal(bad.code, 2, 'an unreadable file is a usage error');
});
