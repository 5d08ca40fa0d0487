import type { HistoryOp } from '../client-sim/history.js';
import { duplicatesShown } from '../harness/history/witness.js';
import type { Witness, WitnessOp, WrittenWitness } from '../harness/model/history-findings.js';
import { at } from '../lib/at.js';
import { notDeclared } from '../strategies/types.js';

/** What a witness is named and says, in words: its anomaly, what its operations show, and why it is named so. */
export interface WitnessWords {
  anomaly: string;
  summary: string;
  explanation: string;
}

/** Check and write in separate transactions: no isolation level is involved. */
const checkThenAct = 'check-then-act across transactions (no isolation anomaly)';

const readSkew = {
  anomaly: 'G-single (Adya): read skew on one row',
  explanation:
    'each later transaction read the version the first also read (T2 -rw-> T1), then updated the row after T1 had (T1 -ww-> T2): a cycle with one anti-dependency, G-single. ' +
    'READ COMMITTED proscribes only G0 and G1, and Hermitage shows PostgreSQL allowing G-single there. Not a lost update (P4): both increments land; the check rested on a read made stale.',
};

/** The name and the reason of an overbooking's or an overlap's witness, from what the strategy declares. */
function declaredWords(witness: Witness, strategy: string): Omit<WitnessWords, 'summary'> {
  const overlap = witness.kind === 'overlap';
  switch (witness.naming) {
    case 'statements-apart':
      return {
        anomaly: checkThenAct,
        explanation: overlap
          ? `${strategy} looks for an overlap and inserts in separate statements: each insert acted on a check the other's insert made stale.`
          : `${strategy} runs its read, its update and its insert as separate statements, each its own transaction: ` +
            'no isolation level is broken. Every increment lands (no lost update); each claim acted on a check that a committed claim had already made stale.',
      };
    case 'G-single':
      return readSkew;
    case 'G2':
      return overlap
        ? {
            anomaly: 'G2 (Adya): write skew on a predicate',
            explanation:
              "each read the predicate (bookings overlapping its window) that the other's insert then changed: T1 -rw-> T2 -rw-> T1, G2, which only SERIALIZABLE proscribes.",
          }
        : {
            anomaly: 'G2 (Adya): write skew',
            explanation: "each read what the other's write then changed (T1 -rw-> T2 -rw-> T1): G2, which only SERIALIZABLE proscribes.",
          };
    case 'promises-safety':
      return {
        anomaly: 'none expected: the strategy promises safety',
        explanation: `${strategy} promises safety, so it declares no anomaly family; the operations show where its safeguard failed.`,
      };
    // Declared as none (a strategy module's `not declared`); the kinds named by what they are never come here.
    default:
      return {
        anomaly: notDeclared,
        explanation: `${strategy} does not declare which family of anomaly it shows, so the witness names none; the operations show what happened.`,
      };
  }
}

/** Stale writes told one by one; the rest are counted. */
const stepsShown = 4;

/** What each of the witness's stale writes did, by the names of its operations, the first few in full. */
function staleStepsText(witness: Witness) {
  const byName = new Map(witness.operations.map((op) => [op.name, op]));
  const chain = (witness.stale ?? []).map((name) => byName.get(name)).filter((op): op is WitnessOp => op !== undefined);
  const steps = chain.slice(0, stepsShown).map((op) => {
    const superseder = op.superseded_by === undefined ? undefined : byName.get(op.superseded_by);
    return (
      `${op.name} read version ${op.read_version ?? '?'} of ${witness.place}'s row with ${op.read_available ?? '?'} room(s) left, ` +
      (superseder ? `${superseder.name} wrote version ${superseder.written_version ?? '?'} first, ` : '') +
      `and ${op.name} then wrote version ${op.written_version ?? '?'} taking ${op.rooms ?? '?'} room(s), ${op.beyond ?? 0} beyond what was left`
    );
  });
  const rest = chain.slice(stepsShown);
  const more =
    rest.length > 0
      ? `; so did ${rest.length} more (${rest.map((op) => op.name).join(', ')}), ${rest.reduce((sum, op) => sum + (op.beyond ?? 0), 0)} room(s) beyond what was left`
      : '';
  return `${steps.join('; ')}${more}: each check rested on a state another claim had already changed`;
}

function overbookingSummary(witness: Witness): string {
  const { place, group, excess } = witness;
  if (witness.naming === 'not-explained') {
    return `${place} is ${excess?.total ?? 0} room(s) over contract, but no applied claim in the history wrote on a read another claim had superseded`;
  }
  const staleText = witness.stale ? staleStepsText(witness) : '';
  if (!group) {
    return (
      `${staleText}, and together they took ${excess?.beyond ?? 0} room(s) beyond what was left, ${excess?.explained ?? 0} of the ${excess?.total ?? 0} over contract ` +
      `(${excess?.stale_writes ?? 0} claim(s) here wrote on a superseded read beyond what was left)`
    );
  }
  const core = witness.operations.filter((op) => op.role === 'group');
  const names = core.map((op) => op.name);
  const rooms = core.map((op) => op.rooms ?? 0);
  const first = at(core, 0);
  return (
    `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''} ${names.length === 2 ? 'both' : 'all'} read version ${group.version} of ${place}'s row with ${group.available} room(s) left ` +
    `and took ${rooms.join(' + ')} = ${rooms.reduce((sum, n) => sum + n, 0)}; ${first.name} ${witness.order === 'written_version' ? 'updated the row first' : 'committed first'}, ` +
    `and the decisions of ${names.slice(1).join(', ')} rested on a state it had already changed` +
    (group.also_read > 0 ? ` (${group.also_read} more claim(s) read that version too)` : '') +
    (witness.stale
      ? `; beyond them, ${staleText}; with them the witness's claims took ${excess?.beyond ?? 0} room(s) beyond what was left when each wrote`
      : '')
  );
}

function overlapSummary(witness: Witness): string {
  const [t1, t2] = witness.operations;
  const booking = (op: WitnessOp | undefined) =>
    `${op?.name ?? '?'} (${op?.start ?? '?'} to ${op?.end ?? '?'}) ${op?.read_available === 1 ? 'found its window free' : 'booked'}`;
  return `${booking(t1)} and ${booking(t2)}; both committed, and the windows overlap`;
}

function driftSummary(witness: Witness): string {
  const { counters = 0, rows = 0 } = witness.counts ?? {};
  const side = counters > rows ? 'counted without a reservation row' : 'in reservation rows the counters never counted';
  return (
    `${witness.place}'s counters say ${counters} room(s), its reservation rows ${rows}: ${Math.abs(counters - rows)} room(s) ${side}; ` +
    `${witness.operations.length} claim(s) here got no answer and may have been cut between the two writes`
  );
}

function duplicateSummary(witness: Witness): string {
  const { request_id = '?', copies = [], requests = 0 } = witness.duplicate ?? {};
  return (
    `request ${request_id} is in the tables ${copies.length} times (reservations ${copies.map((row) => `${row.id} by xid ${row.xmin}`).join(', ')})` +
    (requests > duplicatesShown ? `; ${requests} requests in all were applied more than once` : '')
  );
}

/**
 * A witness in words, for `evento witness`, the run's lines, CI reports and the HTML report alike;
 * `strategy` is the run's. A witness written in words (older files) keeps its own.
 */
export function witnessWords(witness: WrittenWitness, strategy: string): WitnessWords {
  if (!('naming' in witness)) return { anomaly: witness.anomaly, summary: witness.summary, explanation: witness.explanation };
  switch (witness.kind) {
    case 'drift':
      return {
        anomaly: 'a torn write (no isolation anomaly): one of two writes landed',
        summary: driftSummary(witness),
        explanation: 'the counter update and the reservation insert were not one transaction, or one of them was lost.',
      };
    case 'duplicate':
      return {
        anomaly: 'a request applied twice (no isolation anomaly)',
        summary: duplicateSummary(witness),
        explanation: 'its answer was lost and the client sent it again; the server ran it again instead of answering from its idempotency record.',
      };
    case 'overlap':
      return { ...declaredWords(witness, strategy), summary: overlapSummary(witness) };
    case 'overbooking':
      return witness.naming === 'not-explained'
        ? {
            anomaly: 'not explained by the history',
            summary: overbookingSummary(witness),
            explanation: 'the strategy sent no decision back, or the rooms came from writes the history does not hold.',
          }
        : { ...declaredWords(witness, strategy), summary: overbookingSummary(witness) };
  }
}

/** What one operation did, in a few words: for a timeline's bar and for `evento witness`. */
export function describeOperation(op: HistoryOp): string {
  const what =
    op.op === 'available'
      ? `read ${op.hotels?.length ?? 0} hotel(s) listed`
      : op.op === 'slot'
        ? `book ${op.start ?? '?'} to ${op.end ?? '?'}`
        : op.op === 'confirm' || op.op === 'cancel'
          ? `${op.op} ${op.reservation_id ?? ''}`
          : `${op.op} ${op.rooms ?? '?'} room(s)`;
  const answer = op.status === null ? 'no answer' : `${op.status}${op.reason ? ` ${op.reason}` : ''}`;
  const decision = [
    op.read_version !== undefined && `read version ${op.read_version} (${op.read_available ?? '?'} left)`,
    op.read_version === undefined && op.read_available !== undefined && `read the window ${op.read_available === 1 ? 'free' : 'taken'}`,
    op.written_version !== undefined && `wrote version ${op.written_version}`,
    op.txid !== undefined && `xid ${op.txid}`,
  ].filter(Boolean);
  return [`${what} → ${answer} (${op.type})`, ...decision].join(', ');
}
