import t from 'tap';
import type { HistoryOp } from '../client-sim/history.js';
import { exitCodeOf } from '../cmd/exit-codes.js';
import { parseArguments } from '../cmd/program.js';
import { formatCheck, formatKeptSafe, formatWitness } from '../cmd/output/history-text.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { checkHistory } from '../harness/history/checker.js';
import { keptSafe } from '../harness/history/history-safety.js';
import type { HistoryTables } from '../harness/history/history-tables.js';
import { findWitnesses } from '../harness/history/witness.js';
import { timelineOf } from '../harness/history/witness-timeline.js';
import { witnessWords } from '../report/witness-text.js';
import { naive } from '../strategies/naive.js';
import { optimistic } from '../strategies/optimistic.js';
import { pessimistic } from '../strategies/pessimistic.js';
import { transaction } from '../strategies/transaction.js';

// Crafted histories of one hotel with 10 rooms, in ms for reading; the checker sees nanoseconds.
const hotel = 'h1';
const contracted = new Map([[hotel, 10]]);
const ms = 1_000_000;

function claim(client: number, from: number, to: number, rooms: number, type: HistoryOp['type'], id?: string): HistoryOp {
  return {
    client,
    server: 0,
    op: 'reserve',
    invoke_ns: from * ms,
    complete_ns: to * ms,
    type,
    request_id: `r-${client}-${from}`,
    status: type === 'ok' ? 201 : type === 'fail' ? 422 : null,
    hotel_id: hotel,
    rooms,
    ...(id !== undefined && { reservation_id: id }),
  };
}

function read(client: number, from: number, to: number, available: number | undefined): HistoryOp {
  return {
    client,
    server: 0,
    op: 'available',
    invoke_ns: from * ms,
    complete_ns: to * ms,
    type: 'ok',
    request_id: null,
    status: 200,
    hotels: available === undefined ? [] : [{ hotel_id: hotel, available }],
  };
}

const row = (id: string, rooms: number, requestId: string | null = null) => ({
  id,
  place: hotel,
  rooms,
  status: 'CONFIRMED',
  request_id: requestId,
  xmin: '100',
});

// Client 1 takes 3 rooms (answered at 20 ms), client 2 takes 4 (no answer: it may or may not have landed).
const writes = [claim(1, 10, 20, 3, 'ok', 'a'), claim(2, 15, 40, 4, 'info')];
const tables: HistoryTables = { rows: [row('a', 3), row('b', 4, 'r-2-15')], overlaps: [] };
const check = (operations: HistoryOp[], rows: HistoryTables = tables) => checkHistory({ operations, tables: rows, contracted });

/** The strings in `value`, at any depth, of four words or more: sentences, where data should hold names and numbers. */
const sentencesIn = (value: unknown): string[] =>
  typeof value === 'string'
    ? value.split(' ').length >= 4
      ? [value]
      : []
    : typeof value === 'object' && value !== null
      ? Object.values(value).flatMap(sentencesIn)
      : [];

t.test('a clean history: every read within its bounds, every write accounted for', async (t) => {
  const result = check([
    ...writes,
    read(3, 0, 5, 10), // before anything: all 10
    read(3, 12, 18, 10), // during client 1's claim: 10 or 7
    read(3, 25, 30, 7), // after client 1's 201, before client 2's answer: 7 or 3
    read(3, 50, 55, 3), // after both: 3 (client 2's landed), or 7 had it not
  ]);
  t.equal(result.valid, true, formatCheck(result));
  t.equal(result.reads_checked, 4, 'four reads checked');
  t.equal(result.acknowledged_checked, 1, 'one 201 checked');
  t.equal(result.rows_checked, 2, 'two rows checked');
  t.match(formatCheck(result), /^history check: valid/, 'printed as valid');
});

t.test('a stale read: more rooms than a claim acknowledged before the read began left', async (t) => {
  const result = check([...writes, read(3, 25, 30, 10)]);
  t.equal(result.valid, false, 'not valid');
  t.match(result.anomalies, [{ kind: 'stale_read', place: hotel, operation: 2 }], 'the read is named as stale');
  t.match(
    formatCheck(result),
    /stale_read: client 3 read 10 room\(s\) left, but claims acknowledged before the read began had left at most 7/,
    'printed',
  );
});

t.test('an impossible read: fewer rooms than every claim sent could have taken', async (t) => {
  const tooFew = check([...writes, read(3, 50, 55, 2)]);
  t.match(tooFew.anomalies, [{ kind: 'impossible_read', operation: 2 }], '2 left is below the 3 that every claim leaves');
  const soldOut = check([...writes, read(3, 50, 55, undefined)]);
  t.match(
    soldOut.anomalies,
    [{ kind: 'impossible_read', client: 3, read: null, bound: 3 }],
    'a listing without the hotel (sold out) is impossible with 3 left',
  );
  t.match(
    formatCheck(soldOut),
    /impossible_read: client 3 read sold out, but every claim sent before the read ended left at least 3$/m,
    'said in words where printed',
  );
  t.same(sentencesIn([tooFew, soldOut]), [], 'the result holds figures, not sentences');
});

t.test('a 201 the tables lost, and a row nothing explains', async (t) => {
  const lost = check(writes, { rows: [row('b', 4, 'r-2-15')], overlaps: [] });
  t.match(lost.anomalies, [{ kind: 'lost_write', row: 'a', client: 1 }], 'the 201 is missing from the tables');
  t.match(formatCheck(lost), /lost_write: client 1 was told a was made \(201\), and the tables do not have it$/m, 'said in words');
  const extra = check(writes, { rows: [...tables.rows, row('c', 2, 'r-9-9')], overlaps: [] });
  t.match(
    extra.anomalies,
    [{ kind: 'unexplained_write', row: 'c', request_id: 'r-9-9', xmin: '100' }],
    'a row with no 201 nor unanswered request behind it',
  );
  t.match(
    formatCheck(extra),
    /unexplained_write: c \(request r-9-9, xid 100\) is in the tables, and no 201 nor unanswered request accounts for it$/m,
    'said in words',
  );
  t.same(sentencesIn([lost, extra]), [], 'figures, not sentences');
  const written = { ...extra, anomalies: [{ kind: 'unexplained_write' as const, place: hotel, detail: 'as a file once said it' }] };
  t.match(formatCheck(written), /unexplained_write: as a file once said it$/m, "an older file's detail, as written");
  // A row without a request_id is explained by an unanswered claim without one, once.
  const anonymous = [claim(1, 10, 20, 3, 'ok', 'a'), { ...claim(2, 15, 40, 4, 'info'), request_id: null }];
  const once = check(anonymous, { rows: [row('a', 3), row('b', 4)], overlaps: [] });
  t.equal(once.valid, true, 'one anonymous row, one anonymous unanswered claim');
  const twice = check(anonymous, { rows: [row('a', 3), row('b', 4), row('c', 4)], overlaps: [] });
  t.match(twice.anomalies, [{ kind: 'unexplained_write', row: 'c' }], 'two anonymous rows, one unanswered claim');
});

t.test('reads are not bounded when the workload gives rooms back', async (t) => {
  const result = checkHistory({ operations: [...writes, read(3, 25, 30, 10)], tables, contracted, skipReads: 'rooms-come-back' });
  t.equal(result.valid, true, 'the stale-looking read is not judged');
  t.equal(result.reads_checked, 0, 'no read checked');
  t.equal(result.reads_skipped, 'rooms-come-back', 'and the result says why');
  t.match(
    formatCheck(result),
    /\(reads not checked: holds that lapse or are cancelled return rooms without an operation of a client/,
    'in words where printed',
  );
});

t.test('drift: the witness names the rooms counted without a row and the claims that may have been cut', async (t) => {
  const witnesses = findWitnesses({
    workload: 'rooms',
    anomaly: naive.anomaly,
    operations: writes,
    tables,
    hotels: [{ hotel_id: hotel, hotel_name: 'Hotel 001', contracted: 10, reserved: 11, locked: 0, confirmed: 7, held: 0, overbooked: 0, drift: 4 }],
  });
  t.equal(witnesses.length, 1, 'one witness');
  t.match(witnesses[0], { kind: 'drift', place: 'Hotel 001', naming: 'torn-write', counts: { counters: 11, rows: 7 } }, 'a drift witness');
  const words = witnesses[0] && witnessWords(witnesses[0], 'naive');
  t.match(words?.anomaly, /torn write/, 'named for what it is');
  t.match(words?.summary, /counters say 11 room\(s\), its reservation rows 7: 4 room\(s\) counted without a reservation row; 1 claim\(s\)/, 'says how');
  t.same(
    witnesses[0]?.operations.map((op) => op.request_id),
    ['r-2-15'],
    'the unanswered claim is the candidate',
  );
});

/** A claim that read version 41 with 3 rooms left and committed at `committed` µs. */
const stale = (client: number, rooms: number, committed: number, id: string): HistoryOp => ({
  ...claim(client, 1, 5, rooms, 'ok', id),
  read_version: '41',
  read_available: 3,
  txid: String(700 + client),
  committed_us: committed,
});

t.test('a crafted overbooking: the fewest claims that read the same version and took more than it had', async (t) => {
  const operations = [stale(1, 3, 2_000, 'a'), stale(2, 3, 1_000, 'b'), stale(3, 1, 3_000, 'c')];
  const rows = { rows: [row('a', 3), row('b', 3), row('c', 1)], overlaps: [] };
  const hotels = [{ hotel_id: hotel, hotel_name: 'Hotel 001', contracted: 3, reserved: 7, locked: 0, confirmed: 7, held: 0, overbooked: 4, drift: 0 }];
  const [witness] = findWitnesses({ workload: 'rooms', anomaly: transaction.anomaly, operations, tables: rows, hotels });
  t.match(witness, { kind: 'overbooking', naming: 'G-single', excess: { total: 4, explained: 4, groups: 1 } }, 'G-single, explaining the excess');
  t.match(witness, { group: { version: '41', available: 3, also_read: 1 } }, 'the version the group read, what it had left, and who else read it');
  t.same(
    witness?.operations.map((op) => [op.name, op.reservation_id]),
    [
      ['T1', 'b'],
      ['T2', 'a'],
    ],
    'the two claims of 3, in commit order',
  );
  const words = witness && witnessWords(witness, 'transaction');
  t.match(words?.anomaly, /G-single/, 'named so');
  t.match(
    words?.summary,
    /T1 and T2 both read version 41 .* with 3 room\(s\) left and took 3 \+ 3 = 6; T1 committed first, .* \(1 more claim\(s\) read that version too\)$/,
    'the summary',
  );
  const timeline = timelineOf(operations, witness ? [witness] : []);
  t.same(
    timeline.lanes.map((lane) => lane.lane),
    [1, 2, 3],
    'one lane per client',
  );
  t.same(
    timeline.lanes.flatMap((lane) => lane.bars.map((bar) => bar.witness ?? '')),
    ['T2', 'T1', ''],
    "the witness's operations are marked",
  );
});

t.test('a crafted overbooking without a shared version: the claim that wrote on a superseded read, and the one that superseded it', async (t) => {
  const wrote = (client: number, read: number, available: number, written: number, rooms: number, committed: number, id: string): HistoryOp => ({
    ...claim(client, 1, 5, rooms, 'ok', id),
    read_version: String(read),
    read_available: available,
    written_version: String(written),
    txid: String(800 + client),
    committed_us: committed,
  });
  // No version read by claims that together took more than it had: clients 1 and 2 read version 0
  // with 3 left and took 2 + 1; client 3 read version 1 with 1 left and took it. Client 2 wrote
  // last, version 3, on a read client 1 had superseded: with nothing left, its room is the excess.
  const operations = [wrote(1, 0, 3, 1, 2, 1_000, 'a'), wrote(3, 1, 1, 2, 1, 2_000, 'c'), wrote(2, 0, 3, 3, 1, 3_000, 'b')];
  const rows = { rows: [row('a', 2), row('b', 1), row('c', 1)], overlaps: [] };
  const hotels = [{ hotel_id: hotel, hotel_name: 'Hotel 001', contracted: 3, reserved: 4, locked: 0, confirmed: 4, held: 0, overbooked: 1, drift: 0 }];
  const [witness] = findWitnesses({ workload: 'rooms', anomaly: transaction.anomaly, operations, tables: rows, hotels });
  t.match(witness, { kind: 'overbooking', naming: 'G-single', stale: ['T2'] }, 'G-single');
  t.match(
    witness?.operations[1],
    { name: 'T2', beyond: 1, superseded_by: 'T1' },
    'the stale write, with the rooms it took beyond what was left and its superseder',
  );
  t.same(
    witness?.operations.map((op) => [op.name, op.reservation_id]),
    [
      ['T1', 'a'],
      ['T2', 'b'],
    ],
    'the claim that wrote version 1 first, then the one that read version 0 and wrote 3',
  );
  t.match(
    witness && witnessWords(witness, 'transaction').summary,
    /T2 read version 0 .*, T1 wrote version 1 first, and T2 then wrote version 3 taking 1 room\(s\), 1 beyond what was left.* 1 of the 1 over contract/,
    'the summary: the stale write, what superseded its read, and that it explains the whole excess',
  );
});

t.test('how a safe strategy stayed safe, from crafted operations', async (t) => {
  const conflict = (reason: string): HistoryOp => ({ ...claim(1, 0, 2, 1, 'fail'), status: 409, reason });
  const retried = keptSafe(optimistic.safeguard, [conflict('version_mismatch'), conflict('version_mismatch'), conflict('deadlock')]);
  t.match(retried, { mechanism: 'version conflicts retried', count: 2, ms: 4, other: { deadlock: { count: 1, ms: 2 } } }, 'optimistic');
  const waited: HistoryOp = { ...claim(1, 0, 2, 1, 'ok'), began_us: '1000', read_xmin: '5', read_committed_us: 1_500 };
  const clear: HistoryOp = { ...claim(2, 0, 2, 1, 'ok'), began_us: '2000', read_xmin: '6', read_committed_us: 1_800 };
  t.match(
    keptSafe(pessimistic.safeguard, [waited, clear]),
    { mechanism: 'lock waits', count: 1, ms: 0.5 },
    'one read waited for a commit after its transaction began',
  );
  const uncounted = keptSafe(pessimistic.safeguard, [{ ...waited, read_committed_us: undefined }]);
  t.match(uncounted, { count: null, uncounted: 'no-commit-times' }, 'unknown without commit times');
  t.equal(
    uncounted && formatKeptSafe('pessimistic', uncounted),
    'how pessimistic stayed safe: lock waits unknown (no commit times on this database)',
    'and said so',
  );
  t.equal(
    formatKeptSafe('pessimistic', { mechanism: 'lock waits', count: null, ms: null, note: 'as a file once said it', other: {} }),
    'how pessimistic stayed safe: lock waits unknown (as a file once said it)',
    "an older file's note, as written",
  );
  t.equal(keptSafe(naive.safeguard, [waited]), undefined, 'nothing for a strategy that promises nothing');
  const kept = keptSafe(pessimistic.safeguard, [waited, clear]);
  if (!kept) return t.fail('pessimistic is known');
  const outcome = {
    db_time: {
      samples: 100,
      interval_ms: 10,
      backend_samples: 400,
      shares: { 'Lock:tuple': 0.61, CPU: 0.2, IdleInTransaction: 0.15, 'Client:ClientRead': 0.04 },
    },
    attempts_per_reservation: { '1': 812, '2': 90, '3-4': 12, '5-8': 1, '9+': 0 },
  } as Partial<StrategyResult['outcome']> as StrategyResult['outcome'];
  t.equal(
    formatKeptSafe('pessimistic', kept, outcome),
    'how pessimistic stayed safe: lock waits 1 (0.5 ms); database time Lock:tuple 61%, CPU 20%, IdleInTransaction 15%; ' +
      'reservations by attempts (1 / 2 / 3-4 / 5-8 / 9+) 812 / 90 / 12 / 1 / 0',
    'the line cites the top waits and the attempts, as the table shows them',
  );
  t.equal(formatKeptSafe('pessimistic', kept), 'how pessimistic stayed safe: lock waits 1 (0.5 ms)', 'and without them, only what the history says');
});

t.test('what a strategy does not declare is said to be so: no safeguard counted, no anomaly named by default', async (t) => {
  const conflict: HistoryOp = { ...claim(1, 0, 2, 1, 'fail'), status: 409, reason: 'lock_timeout' };
  const kept = keptSafe('not declared', [conflict]);
  t.match(
    kept,
    { mechanism: 'not declared', count: null, ms: null, uncounted: 'not-declared', other: { lock_timeout: { count: 1 } } },
    'nothing counted, every 409 listed',
  );
  t.same(sentencesIn(kept), [], 'and no sentence in the data');
  if (!kept) return;
  t.equal(
    formatKeptSafe('mine', kept),
    'how mine stayed safe: not declared (the strategy does not declare its safeguard); also turned back: lock_timeout 1 (2 ms)',
    'the line says so',
  );
  const operations = [stale(1, 3, 2_000, 'a'), stale(2, 3, 1_000, 'b')];
  const tables = { rows: [row('a', 3), row('b', 3)], overlaps: [] };
  const hotels = [{ hotel_id: hotel, hotel_name: 'Hotel 001', contracted: 3, reserved: 6, locked: 0, confirmed: 6, held: 0, overbooked: 3, drift: 0 }];
  const named = (anomaly: Parameters<typeof findWitnesses>[0]['anomaly']) => {
    const [witness] = findWitnesses({ workload: 'rooms', anomaly, operations, tables, hotels });
    return witness && { naming: witness.naming, ...witnessWords(witness, 'mine') };
  };
  t.match(named('not declared'), { naming: 'not declared', anomaly: 'not declared', explanation: /mine does not declare/ }, 'undeclared: named so');
  t.notMatch(named('not declared')?.anomaly, /G-single|READ COMMITTED/, 'never the read-committed anomaly by default');
  t.match(
    named(null),
    { naming: 'promises-safety', anomaly: /none expected/, explanation: /mine promises safety/ },
    'a safe strategy that broke: no family to name',
  );
  t.match(named('statements-apart'), { anomaly: /check-then-act across transactions/ }, 'a declared family names it');
  t.match(named('G2'), { anomaly: /^G2/ }, 'whichever it is');
});

t.test('a witness carries data, not sentences; one written in words (older files) prints as written', async (t) => {
  const operations = [stale(1, 3, 2_000, 'a'), stale(2, 3, 1_000, 'b')];
  const tables = { rows: [row('a', 3), row('b', 3), row('c', 2, 'r-9-1'), row('d', 2, 'r-9-1')], overlaps: [] };
  const overbooked = { hotel_id: hotel, hotel_name: 'Hotel 001', contracted: 3, reserved: 8, locked: 0, confirmed: 6, held: 0, overbooked: 3, drift: 2 };
  const unexplained = { ...overbooked, hotel_id: 'elsewhere', hotel_name: 'Hotel 002', drift: 0 };
  const witnesses = findWitnesses({
    workload: 'rooms',
    anomaly: 'G-single',
    operations,
    tables,
    hotels: [overbooked, unexplained],
  });
  t.same(
    witnesses.map(({ kind, naming }) => `${kind} ${naming}`),
    ['overbooking G-single', 'overbooking not-explained', 'drift torn-write', 'duplicate applied-twice'],
    'every kind of witness',
  );
  t.same(sentencesIn(witnesses), [], 'no sentence in them');
  t.same(
    witnesses.filter((witness) => ['anomaly', 'summary', 'explanation'].some((field) => field in witness)),
    [],
    'nor the fields that held sentences',
  );
  t.ok(
    witnesses.every((witness) => witnessWords(witness, 'transaction').summary.length > 0),
    'each is worded where it is printed',
  );
  const worded = {
    kind: 'overbooking' as const,
    place: 'Hotel 001',
    anomaly: 'as named then',
    summary: 'as told then',
    explanation: 'as explained then',
    operations: [],
  };
  t.same(
    witnessWords(worded, 'transaction'),
    { anomaly: 'as named then', summary: 'as told then', explanation: 'as explained then' },
    'an older witness keeps its words',
  );
  t.equal(
    formatWitness(worded, 'transaction'),
    'witness: overbooking at Hotel 001: as named then\n  Then as told then.\n  as explained then',
    'and prints as it did',
  );
});

t.test('--history on run and race, and `evento witness` without its file, as the command line parses them', async (t) => {
  const run = await parseArguments(['node', 'evento', 'run', '--history']);
  t.equal(run.command === 'run' && run.config.history, true, 'run --history records a history');
  const race = await parseArguments(['node', 'evento', 'race']);
  t.equal(race.command === 'race' && race.config.history, undefined, 'race without it does not');
  const witness = await parseArguments(['node', 'evento', 'witness', 'x.json']);
  t.same(witness, { command: 'witness', file: 'x.json' }, 'witness takes a result file');
  let stderr = '';
  const code = await parseArguments(['node', 'evento', 'witness'], (text) => (stderr += text)).then(
    () => 0,
    (error: unknown) => exitCodeOf(error, () => undefined),
  );
  t.equal(code, 2, 'without the file: exit 2');
  t.equal(stderr.trim().split('\n').length, 1, 'with one line');
  t.match(stderr, /missing required argument 'result'/, 'naming what is missing');
});
