import { WitnessOp, WitnessRole, Witness } from '../model/history-findings.js';
import type { HistoryOp } from '../../client-sim/history.js';
import { at } from '../../lib/at.js';
import type { HotelAudit } from '../model/seeded-event.js';
import type { HistoryTables, TableRow } from './history-tables.js';
import { notDeclared, type StrategyKnowledge } from '../../strategies/types.js';
import type { WorkloadName } from '../model/workload.js';

/** The input of `findWitnesses`: the run's history, the tables after it, and the audit. */
export interface WitnessInput {
  workload: WorkloadName;
  strategy: string;
  /** The family the strategy declares its anomalies to be of, which names them. */
  anomaly: StrategyKnowledge['anomaly'];
  operations: HistoryOp[];
  tables: HistoryTables;
  hotels: Pick<HotelAudit, 'hotel_id' | 'hotel_name' | 'contracted' | 'reserved' | 'locked' | 'confirmed' | 'held' | 'overbooked' | 'drift'>[];
}

/** Duplicates shown one by one; the first says how many there are. */
const duplicatesShown = 3;

/** Commit order: by the database's commit timestamp when known, else by when the client heard back. */
function commitKey(op: HistoryOp): number {
  return op.committed_us ?? op.complete_ns / 1000;
}

const byCommit = (a: HistoryOp, b: HistoryOp) => commitKey(a) - commitKey(b);

const named = (operations: HistoryOp[], rows: Map<string, TableRow>, roles?: Map<HistoryOp, WitnessRole>): WitnessOp[] =>
  operations.map((op, index) => {
    const role = roles?.get(op);
    return { ...op, name: `T${index + 1}`, in_tables: op.reservation_id !== undefined && rows.has(op.reservation_id), ...(role && { role }) };
  });

/**
 * Claims named in the order they wrote the row's versions when every one says which it wrote:
 * a commit time can disagree (naive's insert commits apart from its update), the version cannot.
 */
function inOrder(operations: HistoryOp[], rows: Map<string, TableRow>, roles?: Map<HistoryOp, WitnessRole>) {
  const order: NonNullable<Witness['order']> = operations.every((op) => op.written_version !== undefined) ? 'written_version' : 'commit';
  const sorted = [...operations].sort(order === 'written_version' ? (a, b) => Number(a.written_version) - Number(b.written_version) : byCommit);
  return { operations: named(sorted, rows, roles), order };
}

const firstWord = (order: NonNullable<Witness['order']>) => (order === 'written_version' ? 'updated the row first' : 'committed first');

/** Applied claims (reserve, hold) whose reservation the tables hold and count (CONFIRMED or HELD). */
function countedClaims(operations: HistoryOp[], rows: Map<string, TableRow>, place: string) {
  return operations.filter((op) => {
    if ((op.op !== 'reserve' && op.op !== 'hold') || op.type !== 'ok' || op.hotel_id !== place || op.reservation_id === undefined) return false;
    const row = rows.get(op.reservation_id);
    return row !== undefined && (row.status === 'CONFIRMED' || row.status === 'HELD');
  });
}

/**
 * Claims that read the same row version and together took more than it had left, grouped by
 * that version; in each, the fewest claims that went over it (the largest first), in commit
 * order, are the witness's core.
 */
function staleGroups(claims: HistoryOp[]) {
  const byVersion = new Map<string, HistoryOp[]>();
  for (const claim of claims) {
    if (claim.read_version === undefined || claim.read_available === undefined) continue;
    const group = byVersion.get(claim.read_version) ?? [];
    group.push(claim);
    byVersion.set(claim.read_version, group);
  }
  return [...byVersion.values()].flatMap((group) => {
    const available = group[0]?.read_available ?? 0;
    const taken = group.reduce((sum, op) => sum + (op.rooms ?? 0), 0);
    if (taken <= available) return [];
    let sum = 0;
    const fewest = [...group]
      .sort((a, b) => (b.rooms ?? 0) - (a.rooms ?? 0) || byCommit(a, b))
      .filter((op) => {
        const before = sum;
        sum += op.rooms ?? 0;
        return before <= available;
      });
    return [{ core: fewest.sort(byCommit), available, excess: taken - available, size: group.length }];
  });
}

/** Check and write in separate transactions: no isolation level is involved. */
const checkThenAct = 'check-then-act across transactions (no isolation anomaly)';

/** What the strategy's declaration says an anomaly it shows is, when it declares none that names it. */
function undeclaredNaming(input: Pick<WitnessInput, 'strategy' | 'anomaly'>) {
  return input.anomaly === null
    ? {
        anomaly: 'none expected: the strategy promises safety',
        explanation: `${input.strategy} promises safety, so it declares no anomaly family; the operations show where its safeguard failed.`,
      }
    : {
        anomaly: notDeclared,
        explanation: `${input.strategy} does not declare which family of anomaly it shows, so the witness names none; the operations show what happened.`,
      };
}

function overbookingNaming(input: Pick<WitnessInput, 'strategy' | 'anomaly'>) {
  switch (input.anomaly) {
    case 'statements-apart':
      return {
        anomaly: checkThenAct,
        explanation:
          `${input.strategy} runs its read, its update and its insert as separate statements, each its own transaction: ` +
          'no isolation level is broken. Every increment lands (no lost update); each claim acted on a check that a committed claim had already made stale.',
      };
    case 'G-single':
      return {
        anomaly: 'G-single (Adya): read skew on one row',
        explanation:
          'each later transaction read the version the first also read (T2 -rw-> T1), then updated the row after T1 had (T1 -ww-> T2): a cycle with one anti-dependency, G-single. ' +
          'READ COMMITTED proscribes only G0 and G1, and Hermitage shows PostgreSQL allowing G-single there. Not a lost update (P4): both increments land; the check rested on a read made stale.',
      };
    case 'G2':
      return {
        anomaly: 'G2 (Adya): write skew',
        explanation: "each read what the other's write then changed (T1 -rw-> T2 -rw-> T1): G2, which only SERIALIZABLE proscribes.",
      };
    default:
      return undeclaredNaming(input);
  }
}

function overlapNaming(input: Pick<WitnessInput, 'strategy' | 'anomaly'>) {
  switch (input.anomaly) {
    case 'statements-apart':
      return {
        anomaly: checkThenAct,
        explanation: `${input.strategy} looks for an overlap and inserts in separate statements: each insert acted on a check the other's insert made stale.`,
      };
    case 'G2':
      return {
        anomaly: 'G2 (Adya): write skew on a predicate',
        explanation:
          "each read the predicate (bookings overlapping its window) that the other's insert then changed: T1 -rw-> T2 -rw-> T1, G2, which only SERIALIZABLE proscribes.",
      };
    default:
      return input.anomaly === 'G-single' ? overbookingNaming(input) : undeclaredNaming(input);
  }
}

/**
 * The stale writes beyond `core` that cover the excess (largest first), and how many of its rooms
 * the witness's claims then explain: what they took beyond what was left when each wrote.
 */
function explainedBy(hotel: WitnessInput['hotels'][number], core: HistoryOp[], writes: ReturnType<typeof staleWrites>) {
  const inCore = new Set(core);
  // Rooms beyond what was left when each wrote: the group's core first, then the stale writes largest first.
  let covered = core.reduce((sum, op) => sum + writes.over(op), 0);
  const candidates = writes.stale.filter((op) => !inCore.has(op));
  const chain = candidates.filter((op) => {
    const before = covered;
    if (before < hotel.overbooked) covered += writes.over(op);
    return before < hotel.overbooked;
  });
  return { chain, covered, explained: Math.min(hotel.overbooked, covered) };
}

function overbookingWitness(input: WitnessInput, rows: Map<string, TableRow>, hotel: WitnessInput['hotels'][number]): Witness {
  const claims = countedClaims(input.operations, rows, hotel.hotel_id);
  const groups = staleGroups(claims);
  const explained = Math.min(
    hotel.overbooked,
    groups.reduce((sum, group) => sum + group.excess, 0),
  );
  const excess = { total: hotel.overbooked, explained, groups: groups.length };
  // The shortest core shows the anomaly most plainly; among equals, the earliest.
  const chosen = [...groups].sort((a, b) => a.core.length - b.core.length || byCommit(at(a.core, 0), at(b.core, 0)))[0];
  if (!chosen) return staleWitness(input, rows, hotel, claims, excess);
  // Where the core's rooms beyond what was left fall short of the excess, stale writes beyond it cover the rest.
  const writes = staleWrites(claims);
  const { chain, covered, explained: all } = explainedBy(hotel, chosen.core, writes);
  const roles = new Map<HistoryOp, WitnessRole>(chosen.core.map((op) => [op, 'group']));
  const chosenOps = chain.length > 0 ? withSuperseders([...chosen.core, ...chain], writes.supersederOf, roles, chain) : chosen.core;
  const { operations, order } = inOrder(chosenOps, rows, roles);
  const core = operations.filter((op) => op.role === 'group');
  const names = core.map((op) => op.name);
  const first = at(core, 0);
  const later = names.slice(1).join(', ');
  const rooms = core.map((op) => op.rooms ?? 0);
  const others = chosen.size - core.length;
  return {
    kind: 'overbooking',
    place: hotel.hotel_name,
    ...overbookingNaming(input),
    summary:
      `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''} ${names.length === 2 ? 'both' : 'all'} read version ${first.read_version ?? '?'} of ${hotel.hotel_name}'s row with ${chosen.available} room(s) left ` +
      `and took ${rooms.join(' + ')} = ${rooms.reduce((sum, n) => sum + n, 0)}; ${first.name} ${firstWord(order)}, and the decisions of ${later} rested on a state it had already changed` +
      (others > 0 ? ` (${others} more claim(s) read that version too)` : '') +
      (chain.length > 0
        ? `; beyond them, ${chainSteps(chain, operations, writes, hotel)}; with them the witness's claims took ${covered} room(s) beyond what was left when each wrote`
        : ''),
    operations,
    excess: { ...excess, explained: all, ...(chain.length > 0 && { chain: chain.length }) },
    order,
  };
}

/** A claim that wrote more than one version past the one it read: others committed in between. */
const wroteOnStaleRead = (op: HistoryOp) =>
  op.read_version !== undefined && op.written_version !== undefined && Number(op.written_version) > Number(op.read_version) + 1;

/**
 * Rooms left at each row version the history shows: what its readers read, else what the version
 * before it left less what its writer took (the rooms workload: only claims move the counter).
 */
function roomsLeftByVersion(claims: HistoryOp[]) {
  const left = new Map<number, number>();
  for (const claim of claims) {
    if (claim.read_version !== undefined && claim.read_available !== undefined) left.set(Number(claim.read_version), claim.read_available);
  }
  const writers = [...claims].filter((op) => op.written_version !== undefined).sort((a, b) => Number(a.written_version) - Number(b.written_version));
  for (const writer of writers) {
    const version = Number(writer.written_version);
    const before = left.get(version - 1);
    if (!left.has(version) && before !== undefined) left.set(version, before - (writer.rooms ?? 0));
  }
  return left;
}

/**
 * The claims that wrote on a read another claim had superseded, each with the claim that
 * superseded it (the first to write after reading the same version, else the writer of the
 * version after the one it read) and the rooms it took beyond what was left when it wrote;
 * largest first. Every claim that read the current version checked what was really left, so an
 * excess no group explains is wholly theirs.
 */
function staleWrites(claims: HistoryOp[]) {
  const writers = claims.filter((op) => op.written_version !== undefined).sort((a, b) => Number(a.written_version) - Number(b.written_version));
  const writerOf = new Map(writers.map((op) => [Number(op.written_version), op]));
  const firstWriterOf = new Map<string | undefined, HistoryOp>();
  for (const op of writers) if (!firstWriterOf.has(op.read_version)) firstWriterOf.set(op.read_version, op);
  // A claim that read the same version and wrote first shows the stale read most plainly; in the
  // rooms workload that is the writer of the next version, unless that one's read was stale too.
  const supersederOf = (op: HistoryOp) => {
    const first = firstWriterOf.get(op.read_version);
    return first && first !== op ? first : writerOf.get(Number(op.read_version) + 1);
  };
  const sameVersion = (op: HistoryOp) => (supersederOf(op)?.read_version === op.read_version ? 0 : 1);
  const left = roomsLeftByVersion(claims);
  // Beyond what was left just before its write; all its rooms when the history cannot say what was left.
  const over = (op: HistoryOp) => {
    const rooms = op.rooms ?? 0;
    const before = left.get(Number(op.written_version) - 1);
    return before === undefined ? rooms : Math.min(rooms, Math.max(0, rooms - before));
  };
  const stale = claims
    .filter((op) => wroteOnStaleRead(op) && supersederOf(op) !== undefined && over(op) > 0)
    .sort((a, b) => over(b) - over(a) || sameVersion(a) - sameVersion(b) || byCommit(a, b));
  return { supersederOf, over, stale };
}

/**
 * The witness's claims with the claims that superseded their reads, and theirs in turn, so that
 * every stale write in it comes with the write that made it stale; `roles` learns who is who.
 */
function withSuperseders(
  claims: HistoryOp[],
  supersederOf: (op: HistoryOp) => HistoryOp | undefined,
  roles: Map<HistoryOp, WitnessRole>,
  chain: HistoryOp[],
) {
  for (const op of chain) roles.set(op, 'stale');
  const all = new Set(claims);
  for (const op of all) {
    const superseder = wroteOnStaleRead(op) ? supersederOf(op) : undefined;
    if (superseder && !all.has(superseder)) {
      all.add(superseder);
      roles.set(superseder, 'superseder');
    }
  }
  return [...all];
}

/** Stale writes shown one by one in a summary; the rest are counted. */
const stepsShown = 4;

/** What each stale write of `chain` did, by the names of `operations`, the first few in full. */
function chainSteps(chain: HistoryOp[], operations: WitnessOp[], writes: ReturnType<typeof staleWrites>, hotel: WitnessInput['hotels'][number]) {
  const name = (op: HistoryOp) => operations.find((named) => named.invoke_ns === op.invoke_ns && named.client === op.client)?.name ?? '?';
  const steps = chain.slice(0, stepsShown).map((op) => {
    const superseder = writes.supersederOf(op);
    return (
      `${name(op)} read version ${op.read_version ?? '?'} of ${hotel.hotel_name}'s row with ${op.read_available ?? '?'} room(s) left, ` +
      (superseder ? `${name(superseder)} wrote version ${superseder.written_version ?? '?'} first, ` : '') +
      `and ${name(op)} then wrote version ${op.written_version ?? '?'} taking ${op.rooms ?? '?'} room(s), ${writes.over(op)} beyond what was left`
    );
  });
  const rest = chain.slice(stepsShown);
  const more =
    rest.length > 0
      ? `; so did ${rest.length} more (${rest.map(name).join(', ')}), ${rest.reduce((sum, op) => sum + writes.over(op), 0)} room(s) beyond what was left`
      : '';
  return `${steps.join('; ')}${more}: each check rested on a state another claim had already changed`;
}

/**
 * When no version's readers together took more than it had left: the fewest stale writes whose
 * rooms beyond what was left when they wrote cover the excess (largest first), each with the
 * claim that superseded its read.
 */
function staleWitness(
  input: WitnessInput,
  rows: Map<string, TableRow>,
  hotel: WitnessInput['hotels'][number],
  claims: HistoryOp[],
  excess: NonNullable<Witness['excess']>,
): Witness {
  const writes = staleWrites(claims);
  const { chain, covered: beyond, explained } = explainedBy(hotel, [], writes);
  if (chain.length === 0) {
    return {
      kind: 'overbooking',
      place: hotel.hotel_name,
      anomaly: 'not explained by the history',
      summary: `${hotel.hotel_name} is ${hotel.overbooked} room(s) over contract, but no applied claim in the history wrote on a read another claim had superseded`,
      explanation: 'the strategy sent no decision back, or the rooms came from writes the history does not hold.',
      operations: [],
      excess,
    };
  }
  const roles = new Map<HistoryOp, WitnessRole>();
  const { operations, order } = inOrder(withSuperseders(chain, writes.supersederOf, roles, chain), rows, roles);
  return {
    kind: 'overbooking',
    place: hotel.hotel_name,
    ...overbookingNaming(input),
    summary:
      `${chainSteps(chain, operations, writes, hotel)}, ` +
      `and together they took ${beyond} room(s) beyond what was left, ${Math.min(hotel.overbooked, beyond)} of the ${hotel.overbooked} over contract ` +
      `(${writes.stale.length} claim(s) here wrote on a superseded read beyond what was left)`,
    operations,
    excess: { ...excess, explained, chain: chain.length },
    order,
  };
}

function overlapWitnesses(input: WitnessInput, rows: Map<string, TableRow>): Witness[] {
  const bookings = new Map(input.operations.filter((op) => op.op === 'slot' && op.reservation_id !== undefined).map((op) => [op.reservation_id, op]));
  const seen = new Set<string>();
  return input.tables.overlaps.flatMap(({ resource_id, first, second }) => {
    const pair = [bookings.get(first), bookings.get(second)].filter((op) => op !== undefined);
    if (seen.has(resource_id) || pair.length < 2) return [];
    seen.add(resource_id);
    const operations = named(pair.sort(byCommit), rows);
    const [t1, t2] = operations as [WitnessOp, WitnessOp];
    const free = (op: WitnessOp) => (op.read_available === 1 ? 'found its window free' : 'booked');
    return [
      {
        kind: 'overlap',
        place: resource_id,
        ...overlapNaming(input),
        summary: `${t1.name} (${t1.start ?? '?'} to ${t1.end ?? '?'}) ${free(t1)} and ${t2.name} (${t2.start ?? '?'} to ${t2.end ?? '?'}) ${free(t2)}; both committed, and the windows overlap`,
        operations,
      },
    ];
  });
}

function driftWitnesses(input: WitnessInput, rows: Map<string, TableRow>): Witness[] {
  return input.hotels
    .filter((hotel) => hotel.drift > 0)
    .map((hotel) => {
      const uncertain = input.operations.filter(
        (op) => (op.op === 'reserve' || op.op === 'hold') && op.type === 'info' && op.hotel_id === hotel.hotel_id,
      );
      const counted = hotel.reserved + hotel.locked;
      const rowsSay = hotel.confirmed + hotel.held;
      const side = counted > rowsSay ? 'counted without a reservation row' : 'in reservation rows the counters never counted';
      return {
        kind: 'drift',
        place: hotel.hotel_name,
        anomaly: 'a torn write (no isolation anomaly): one of two writes landed',
        summary:
          `${hotel.hotel_name}'s counters say ${counted} room(s), its reservation rows ${rowsSay}: ${Math.abs(counted - rowsSay)} room(s) ${side}; ` +
          `${uncertain.length} claim(s) here got no answer and may have been cut between the two writes`,
        explanation: 'the counter update and the reservation insert were not one transaction, or one of them was lost.',
        operations: named(uncertain.sort(byCommit), rows),
      };
    });
}

function duplicateWitnesses(input: WitnessInput, rows: Map<string, TableRow>): Witness[] {
  const copies = new Map<string, TableRow[]>();
  for (const row of input.tables.rows) {
    if (row.request_id === null) continue;
    const applied = copies.get(row.request_id) ?? [];
    applied.push(row);
    copies.set(row.request_id, applied);
  }
  const duplicated = [...copies].filter(([, applied]) => applied.length > 1);
  return duplicated.slice(0, duplicatesShown).map(([requestId, applied]) => {
    const sent = input.operations.filter((op) => op.request_id === requestId);
    return {
      kind: 'duplicate',
      place: applied[0]?.place ?? '',
      anomaly: 'a request applied twice (no isolation anomaly)',
      summary:
        `request ${requestId} is in the tables ${applied.length} times (reservations ${applied.map((row) => `${row.id} by xid ${row.xmin}`).join(', ')})` +
        (duplicated.length > duplicatesShown ? `; ${duplicated.length} requests in all were applied more than once` : ''),
      explanation: 'its answer was lost and the client sent it again; the server ran it again instead of answering from its idempotency record.',
      operations: named(sent.sort(byCommit), rows),
    };
  });
}

/** A witness for every overbooked hotel, overlapping resource, drifted row and duplicated request. */
export function findWitnesses(input: WitnessInput): Witness[] {
  const rows = new Map(input.tables.rows.map((row) => [row.id, row]));
  const overbooked = input.workload === 'slots' ? [] : input.hotels.filter((hotel) => hotel.overbooked > 0);
  return [
    ...overbooked.map((hotel) => overbookingWitness(input, rows, hotel)),
    ...overlapWitnesses(input, rows),
    ...driftWitnesses(input, rows),
    ...duplicateWitnesses(input, rows),
  ];
}
