import type { HistoryOp } from '../../client-sim/history.js';
import { meanShares } from '../../harness/analysis/db-time.js';
import type { CheckAnomaly, CheckResult, KeptSafe, ReadsSkipped, WitnessOp, WrittenWitness } from '../../harness/model/history-findings.js';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import { runLabel } from '../../harness/model/workload.js';
import { describeOperation, witnessWords } from '../../report/witness-text.js';
import { notDeclared } from '../../strategies/types.js';
import { attemptsText, waitText } from './report-table.js';

const ms = (ns: number) => (ns / 1e6).toFixed(3);

/** When a witness's operation committed, by the database's clock: first, or how long after (or before) T1; empty without commit times. */
function committed(op: WitnessOp, first: WitnessOp, all: readonly WitnessOp[]) {
  if (typeof op.committed_us !== 'number') return '';
  if (op === first || typeof first.committed_us !== 'number') {
    return all.every((other) => typeof other.committed_us !== 'number' || other.committed_us >= (op.committed_us ?? 0)) ? ', committed first' : '';
  }
  const apart = (op.committed_us - first.committed_us) / 1000;
  return `, committed ${Math.abs(apart).toFixed(3)} ms ${apart < 0 ? 'before' : 'after'} ${first.name}`;
}

function letLine(op: WitnessOp, first: WitnessOp, all: readonly WitnessOp[]) {
  const where = op.reservation_id === undefined ? '' : `, ${op.in_tables ? 'in the tables as' : 'NOT in the tables:'} ${op.reservation_id}`;
  return (
    `${op.name} = client ${op.client} via server ${op.server}, request ${op.request_id ?? '(no id)'}: ${describeOperation(op)}` +
    `, sent at ${ms(op.invoke_ns)} ms, answered at ${ms(op.complete_ns)} ms${committed(op, first, all)}${where}`
  );
}

const orderWords: Record<NonNullable<WrittenWitness['order']>, string> = {
  written_version: "in the order they wrote the row's versions",
  commit: 'in commit order (by when the client heard back without commit times)',
};

/** Operations given a Let line each; the rest share one line, so a long witness stays readable. */
const letsShown = 8;

/** Which operations get a Let line first: the group's claims and the stale writes before what superseded them. */
const rolePriority = (op: WitnessOp) => (op.role === 'superseder' ? 2 : op.role === 'stale' ? 1 : 0);

/** The operations past the first `letsShown` in one line: how many, their rooms, and who each is. */
function restLine(rest: readonly WitnessOp[]) {
  const rooms = rest.reduce((sum, op) => sum + (op.rooms ?? 0), 0);
  const who = rest.map(
    (op) =>
      `${op.name} = client ${op.client} via server ${op.server}, request ${op.request_id ?? '(no id)'}, ${op.rooms ?? '?'} room(s), xid ${op.txid ?? '?'}` +
      (op.reservation_id === undefined ? '' : `, ${op.in_tables ? 'as' : 'NOT in the tables:'} ${op.reservation_id}`),
  );
  return `      and ${rest.length} more operation(s) taking ${rooms} room(s): ${who.join('; ')}`;
}

/** Whose rooms the witness counts, how many of the excess, and what it leaves unexplained. */
function excessLine({ total, explained, groups, chain }: NonNullable<WrittenWitness['excess']>) {
  const who =
    chain && groups > 0
      ? `a group of claims that read the same version (of ${groups} such group(s)) and ${chain} claim(s) that wrote on a superseded read`
      : chain
        ? `${chain} claim(s) that wrote on a superseded read`
        : `${groups} group(s) of claims that read the same version`;
  const left =
    explained < total
      ? ` ${total - explained} room(s) stay unexplained: no other applied claim in the history wrote on a read another claim had superseded beyond what was left, so they came from writes the history lacks (claims without a decision, or changes outside the run).`
      : '';
  return `  ${who} explain ${explained} of the ${total} room(s) over contract here.${left}`;
}

/** One witness of a `strategy`'s run in Elle's "Let … Then …" form. */
export function formatWitness(witness: WrittenWitness, strategy: string): string {
  const words = witnessWords(witness, strategy);
  const kept = new Set([...witness.operations].sort((a, b) => rolePriority(a) - rolePriority(b)).slice(0, letsShown));
  const shown = witness.operations.filter((op) => kept.has(op));
  const rest = witness.operations.filter((op) => !kept.has(op));
  const [first] = shown;
  const lets = first ? shown.map((op, index) => `  ${index === 0 ? 'Let' : '   '} ${letLine(op, first, witness.operations)}`) : [];
  const order = witness.order && witness.operations.length > 1 ? [`  (T1, T2, … named ${orderWords[witness.order]}.)`] : [];
  return [
    `witness: ${witness.kind} at ${witness.place}: ${words.anomaly}`,
    ...lets,
    ...(rest.length > 0 ? [restLine(rest)] : []),
    `  Then ${words.summary}.`,
    `  ${words.explanation}`,
    ...(witness.excess ? [excessLine(witness.excess)] : []),
    ...order,
  ].join('\n');
}

/** Why a safeguard's work is not counted, in words. */
const uncountedWords: Record<NonNullable<KeptSafe['uncounted']>, string> = {
  'no-row-read': 'the strategy sent back no row it read',
  'no-commit-times': 'no commit times on this database',
  'not-declared': 'the strategy does not declare its safeguard',
};

/** With the run's outcome, the line also cites what the table shows of it: its top waits in the database, and its reservations by attempts. */
export function formatKeptSafe(strategy: string, kept: KeptSafe, outcome?: StrategyResult['outcome']): string {
  const amount = (count: number | null, ms: number | null) => (count === null ? 'unknown' : `${count.toLocaleString('en-US')} (${ms ?? 0} ms)`);
  const other = Object.entries(kept.other).map(([reason, { count, ms }]) => `${reason} ${amount(count, ms)}`);
  const waits = meanShares([outcome?.db_time]).slice(0, 3);
  const cited = [
    ...(waits.length > 0 ? [`database time ${waits.map((wait) => waitText(wait)).join(', ')}`] : []),
    ...(outcome?.attempts_per_reservation
      ? [`reservations by attempts (1 / 2 / 3-4 / 5-8 / 9+) ${attemptsText([outcome.attempts_per_reservation])}`]
      : []),
  ];
  // A safeguard not declared has nothing to count: the note says so.
  const counted = kept.mechanism === notDeclared ? '' : ` ${amount(kept.count, kept.ms)}`;
  // A file written before `uncounted` says why in its `note`.
  const why = kept.uncounted ? uncountedWords[kept.uncounted] : kept.note;
  return `how ${strategy} stayed safe: ${kept.mechanism}${counted}${why ? ` (${why})` : ''}${other.length > 0 ? `; also turned back: ${other.join(', ')}` : ''}${cited.map((text) => `; ${text}`).join('')}`;
}

/** Why reads were not checked, in words; a file written before `ReadsSkipped` holds its own. */
const readsSkippedWords: Partial<Record<string, string>> = {
  'rooms-come-back': 'holds that lapse or are cancelled return rooms without an operation of a client, so reads have no bound to keep',
  'no-reads': 'the slots workload reads no availability',
} satisfies Record<ReadsSkipped, string>;

/** What one anomaly of the history check is, in words; a file written before anomalies held figures says it in its `detail`. */
function checkAnomalyText(anomaly: CheckAnomaly): string {
  const client = `client ${anomaly.client ?? '?'}`;
  const rooms = (read: number | null | undefined) => (read === null ? 'sold out' : `${read ?? '?'} room(s) left`);
  if (anomaly.detail !== undefined) return anomaly.detail;
  switch (anomaly.kind) {
    case 'stale_read':
      return `${client} read ${rooms(anomaly.read)}, but claims acknowledged before the read began had left at most ${anomaly.bound ?? '?'}`;
    case 'impossible_read':
      return `${client} read ${rooms(anomaly.read)}, but every claim sent before the read ended left at least ${anomaly.bound ?? '?'}`;
    case 'lost_write':
      return `${client} was told ${anomaly.row ?? '?'} was made (201), and the tables do not have it`;
    case 'unexplained_write':
      return `${anomaly.row ?? '?'} (request ${anomaly.request_id ?? 'without an id'}, xid ${anomaly.xmin ?? '?'}) is in the tables, and no 201 nor unanswered request accounts for it`;
  }
}

export function formatCheck(check: CheckResult): string {
  const counted = `${check.reads_checked.toLocaleString('en-US')} read bound(s), ${check.acknowledged_checked.toLocaleString('en-US')} acknowledged write(s), ${check.rows_checked.toLocaleString('en-US')} row(s) checked`;
  const skipped = check.reads_skipped ? ` (reads not checked: ${readsSkippedWords[check.reads_skipped] ?? check.reads_skipped})` : '';
  if (check.valid) return `history check: valid; ${counted}${skipped}`;
  const kinds = Object.entries(check.anomalies_by_kind).map(([kind, count]) => `${count} ${kind}`);
  // The first of each kind says what it looks like.
  const shown = Object.keys(check.anomalies_by_kind).flatMap((kind) => {
    const first = check.anomalies.find((anomaly) => anomaly.kind === kind);
    return first ? [`  ${kind}: ${checkAnomalyText(first)}`] : [];
  });
  return [
    `history check: ${check.anomaly_count} anomal${check.anomaly_count === 1 ? 'y' : 'ies'} (${kinds.join(', ')}); ${counted}${skipped}`,
    ...shown,
  ].join('\n');
}

/**
 * What a result's history says: its witnesses (each followed by `more(witness)`, when given),
 * how it stayed safe, the check; empty without a history.
 */
export function formatHistoryOutcome(result: StrategyResult, more?: (witness: WrittenWitness) => string): string {
  const { witnesses, kept_safe: kept, history_check: check } = result.outcome;
  if (!result.history || !check) return '';
  const label = runLabel(result.workload, result.params.strategy, result.params.via);
  const trial = result.trial && result.trial.count > 1 ? ` (trial ${result.trial.index})` : '';
  const missing = result.history.missing.map((text) => `history lacks ${text}`);
  return [
    `${label}${trial}: ${result.history.operations.toLocaleString('en-US')} operations in ${result.history.file}`,
    ...(witnesses ?? []).map((witness) => {
      const text = formatWitness(witness, result.params.strategy);
      return more ? `${text}\n${more(witness)}` : text;
    }),
    ...(kept ? [formatKeptSafe(label, kept, result.outcome)] : []),
    formatCheck(check),
    ...missing,
  ].join('\n');
}

/**
 * A witness's operations, invocations and answers together, in the order they happened, and
 * how many other operations of the history were in flight meanwhile.
 */
export function formatTimeOrder(witness: WrittenWitness, history: HistoryOp[]): string {
  const events = witness.operations.flatMap((op) => [
    { at: op.invoke_ns, line: `${op.name} sent      ${describeOperation(op).split(' → ')[0] ?? ''} (client ${op.client} → server ${op.server})` },
    { at: op.complete_ns, line: `${op.name} answered  ${describeOperation(op)}` },
  ]);
  const commits = witness.operations
    .filter((op): op is WitnessOp & { committed_us: number } => typeof op.committed_us === 'number')
    .sort((a, b) => a.committed_us - b.committed_us)
    .map((op) => `${op.name} (xid ${op.txid ?? '?'})`);
  const from = Math.min(...witness.operations.map((op) => op.invoke_ns));
  const to = Math.max(...witness.operations.map((op) => op.complete_ns));
  const own = new Set(witness.operations.map((op) => `${op.client}/${op.invoke_ns}`));
  const meanwhile = history.filter((op) => op.invoke_ns < to && op.complete_ns > from && !own.has(`${op.client}/${op.invoke_ns}`));
  return [
    `  in time order (ms since the clients started):`,
    ...events.sort((a, b) => a.at - b.at).map((event) => `  ${ms(event.at).padStart(12)}  ${event.line}`),
    ...(commits.length > 0 ? [`  commit order (the database's clock): ${commits.join(', then ')}`] : []),
    `  meanwhile ${meanwhile.length} other operation(s) were in flight, ${meanwhile.filter((op) => op.op !== 'available' && op.type === 'ok').length} of them applied writes`,
  ].join('\n');
}
