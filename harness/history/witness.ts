import type { HistoryOp } from '../../client-sim/history.js';
import { at } from '../../lib/at.js';
import type { StrategyKnowledge } from '../../strategies/types.js';
import type { Witness, WitnessNaming, WitnessOp, WitnessRole } from '../model/history-findings.js';
import type { HotelAudit } from '../model/seeded-event.js';
import type { WorkloadName } from '../model/workload.js';
import type { HistoryTables, TableRow } from './history-tables.js';

/** The input of `findWitnesses`: the run's history, the tables after it, and the audit. */
export interface WitnessInput {
  workload: WorkloadName;
  /** The family the strategy declares its anomalies to be of, which names them. */
  anomaly: StrategyKnowledge['anomaly'];
  operations: HistoryOp[];
  tables: HistoryTables;
  hotels: Pick<HotelAudit, 'hotel_id' | 'hotel_name' | 'contracted' | 'reserved' | 'locked' | 'confirmed' | 'held' | 'overbooked' | 'drift'>[];
}

/** Duplicates shown one by one; the first says how many there are. */
export const duplicatesShown = 3;

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
  return { operations: named(sorted, rows, roles), order, sorted };
}

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
  return [...byVersion].flatMap(([version, group]) => {
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
    return [{ core: fewest.sort(byCommit), version, available, excess: taken - available, size: group.length }];
  });
}

/** What names an overbooking or an overlap: the family the strategy declares, or what it declares instead. */
const declaredNaming = (anomaly: WitnessInput['anomaly']): WitnessNaming => anomaly ?? 'promises-safety';

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
  const ordered = inOrder(chosenOps, rows, roles);
  const { operations, stale } = staleSteps(ordered, chain, writes);
  return {
    kind: 'overbooking',
    place: hotel.hotel_name,
    naming: declaredNaming(input.anomaly),
    operations,
    excess: { ...excess, explained: all, ...(chain.length > 0 && { chain: chain.length, beyond: covered }) },
    order: ordered.order,
    group: { version: chosen.version, available: chosen.available, also_read: chosen.size - chosen.core.length },
    ...(chain.length > 0 && { stale }),
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

/**
 * The operations in the witness's order, each stale write of `chain` with the rooms it took beyond
 * what was left and the name of the claim that superseded its read; and the chain's names, in its order.
 */
function staleSteps(ordered: { operations: WitnessOp[]; sorted: HistoryOp[] }, chain: HistoryOp[], writes: ReturnType<typeof staleWrites>) {
  const nameOf = new Map(ordered.sorted.map((op, index) => [op, at(ordered.operations, index).name]));
  const inChain = new Set(chain);
  const operations = ordered.operations.map((named, index) => {
    const op = at(ordered.sorted, index);
    if (!inChain.has(op)) return named;
    const superseder = writes.supersederOf(op);
    const supersededBy = superseder && nameOf.get(superseder);
    return { ...named, beyond: writes.over(op), ...(supersededBy !== undefined && { superseded_by: supersededBy }) };
  });
  return { operations, stale: chain.map((op) => nameOf.get(op) ?? '?') };
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
  if (chain.length === 0) return { kind: 'overbooking', place: hotel.hotel_name, naming: 'not-explained', operations: [], excess };
  const roles = new Map<HistoryOp, WitnessRole>();
  const ordered = inOrder(withSuperseders(chain, writes.supersederOf, roles, chain), rows, roles);
  const { operations, stale } = staleSteps(ordered, chain, writes);
  return {
    kind: 'overbooking',
    place: hotel.hotel_name,
    naming: declaredNaming(input.anomaly),
    operations,
    excess: { ...excess, explained, chain: chain.length, beyond, stale_writes: writes.stale.length },
    order: ordered.order,
    stale,
  };
}

function overlapWitnesses(input: WitnessInput, rows: Map<string, TableRow>): Witness[] {
  const bookings = new Map(input.operations.filter((op) => op.op === 'slot' && op.reservation_id !== undefined).map((op) => [op.reservation_id, op]));
  const seen = new Set<string>();
  return input.tables.overlaps.flatMap(({ resource_id, first, second }) => {
    const pair = [bookings.get(first), bookings.get(second)].filter((op) => op !== undefined);
    if (seen.has(resource_id) || pair.length < 2) return [];
    seen.add(resource_id);
    return [{ kind: 'overlap', place: resource_id, naming: declaredNaming(input.anomaly), operations: named(pair.sort(byCommit), rows) }];
  });
}

function driftWitnesses(input: WitnessInput, rows: Map<string, TableRow>): Witness[] {
  return input.hotels
    .filter((hotel) => hotel.drift > 0)
    .map((hotel) => {
      const uncertain = input.operations.filter(
        (op) => (op.op === 'reserve' || op.op === 'hold') && op.type === 'info' && op.hotel_id === hotel.hotel_id,
      );
      return {
        kind: 'drift',
        place: hotel.hotel_name,
        naming: 'torn-write',
        operations: named(uncertain.sort(byCommit), rows),
        counts: { counters: hotel.reserved + hotel.locked, rows: hotel.confirmed + hotel.held },
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
      naming: 'applied-twice',
      operations: named(sent.sort(byCommit), rows),
      duplicate: { request_id: requestId, copies: applied.map(({ id, xmin }) => ({ id, xmin })), requests: duplicated.length },
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
