import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { formatWitness } from '../cmd/witness.js';
import { readHistory } from '../harness/history.js';
import { runRace, type RaceOptions, type RaceRun } from '../harness/race.js';
import type { StrategyResult } from '../harness/result-schema.js';
import { resultFileName } from '../harness/results-file.js';
import type { Witness } from '../harness/witness.js';
import { findSlotStrategy } from '../strategies/registry.js';
import { contendedRace, readResult, roomRuns, runCli, strategyNamed, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const contended: Omit<RaceOptions, 'runs'> = { ...contendedRace, config: { ...contendedRace.config, history: true }, databaseUrl: database.url };

/**
 * Every run of `runs`, `trials` times over in one race (one start of the servers), and the
 * first result of each run that shows what the test needs.
 */
async function raceTrials(t: Test, runs: RaceRun[], trials: number, found: (result: StrategyResult) => boolean, options = contended) {
  const { results } = await runRace({ ...options, runs, trials });
  return runs.map((run) => {
    const label = `${run.workload}:${run.strategy.name}`;
    const mine = results.filter((result) => result.workload === run.workload && result.params.strategy === run.strategy.name);
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

async function checkCore(t: Test, witness: Witness) {
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
  const text = formatWitness(witness);
  for (const op of ops) {
    t.match(text, `${op.name} = client ${op.client} via server ${op.server}, request ${op.request_id ?? ''}`, `the text names ${op.name}`);
    t.match(text, op.reservation_id ?? '', `the text gives ${op.name}'s reservation id`);
    t.match(text, `xid ${op.txid ?? ''}`, `the text gives ${op.name}'s xid`);
  }
  return text;
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
      const versions = new Set(witness.operations.map((op) => op.read_version));
      t.equal(versions.size, 1, `${witness.place}: every claim read the same version`);
      const [first, second] = witness.operations;
      if ((witness.excess?.groups ?? 0) > 0) {
        const taken = witness.operations.reduce((sum, op) => sum + (op.rooms ?? 0), 0);
        t.ok(
          first && taken > (first.read_available ?? Infinity),
          `${witness.place}: together they took ${taken}, more than the ${String(first?.read_available)} left`,
        );
      } else {
        // No version was read by claims that together took more than it had (chained stale reads):
        // the witness is the claim that wrote on a superseded read and the claim that superseded it:
        // both read one version; one wrote the next version, the other a later one.
        const version = Number(first?.read_version);
        const written = [first, second].map((op) => Number(op?.written_version)).sort((a, b) => a - b);
        t.same(
          [written[0], (written[1] ?? 0) > version + 1],
          [version + 1, true],
          `${witness.place}: one claim wrote the version after the one both read; the other wrote later, on its stale read`,
        );
      }
      t.match(witness.anomaly, anomaly, `${witness.place}: named ${witness.anomaly}`);
      const text = await checkCore(t, witness);
      t.match(text, /^witness: overbooking at /, 'the text says what it witnesses');
    }
    t.equal(result.outcome.history_check?.valid, true, `${name}: the history checks out against the tables: the increments all landed`);
    t.equal(result.outcome.kept_safe, undefined, `${name}: no "stayed safe" line for an unsafe strategy`);
  }
});

// What each safe strategy must have done on one hot row at think 0, with 100 clients.
const mechanisms = ['pessimistic', 'advisory', 'optimistic', 'serializable', 'event-log', 'atomic'];

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

t.test('slots: naive-slots overlaps, witnessed by two bookings that both found their window free', async (t) => {
  const naiveSlots = findSlotStrategy('naive-slots');
  if (!naiveSlots) throw new Error('no naive-slots');
  const slots = {
    ...contended,
    config: { ...contended.config, hotels: 1, rooms: 1, maxRooms: 1, seed: 5, slots: { resources: 3, hours: 24, attempts: 10 } },
  };
  const [found] = await raceTrials(t, [{ workload: 'slots', strategy: naiveSlots }], 4, (r) => (r.outcome.counts.overlapping_pairs ?? 0) > 0, slots);
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
  await checkCore(t, witness);
});

t.test('holds: naive overbooks with holds, witnessed by holds that read the same version', async (t) => {
  const holds = { ...contended, config: { ...contended.config, seed: 11, holds: { confirmRatio: 0.6, cancelRatio: 0.2, holdTtlMs: 400, sweepMs: 50 } } };
  const [found] = await raceTrials(t, [{ workload: 'holds', strategy: strategyNamed('naive') }], 4, (r) => r.outcome.overbooked_rooms > 0, holds);
  const result = found?.hit;
  const witness = result?.outcome.witnesses?.find((w) => w.kind === 'overbooking');
  if (!witness) return t.fail('an overbooking witness');
  t.ok(
    witness.operations.every((op) => op.op === 'hold'),
    'the witness is made of holds',
  );
  t.equal(new Set(witness.operations.map((op) => op.read_version)).size, 1, 'they read the same version');
  await checkCore(t, witness);
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
      retries: { dropResponses: 0.3, idempotency: false },
    },
  };
  const [result] = (await runRace({ ...lossy, runs: roomRuns([strategyNamed('atomic')]) })).results;
  const witness = result?.outcome.witnesses?.find((w) => w.kind === 'duplicate');
  if (!result || !witness) return t.fail('a duplicate witness');
  const requestId = witness.operations[0]?.request_id ?? '';
  const rows = await database.sql`select id from reservations where request_id = ${requestId}`;
  t.ok(rows.length >= 2, `request ${requestId} is in the tables ${rows.length} times`);
  t.match(witness.summary, requestId, 'the witness names the request');
  t.match(witness.anomaly, /applied twice/, 'named for what it is');
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
