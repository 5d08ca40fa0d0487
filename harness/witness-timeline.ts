import type { HistoryOp } from '../client-sim/history.js';
import type { Witness } from './witness.js';

/** One operation as a bar of a timeline, in ms since the clients started. */
export interface TimelineBar {
  start_ms: number;
  end_ms: number;
  op: HistoryOp['op'];
  type: HistoryOp['type'];
  /** What the bar says on hover: the request, the answer, the decision. */
  label: string;
  /** The name it has in a witness (T1, T2, …), when it is in one. */
  witness?: string;
}

/** One lane per client or per server, as Jepsen's timeline draws one column per process. */
export interface Timeline {
  by: 'client' | 'server';
  lanes: { lane: number; bars: TimelineBar[] }[];
  /** The whole history's span. */
  end_ms: number;
}

const ms = (ns: number) => Math.round(ns / 1000) / 1000;

/** What one operation did, in a few words: for a timeline's label and for `evento witness`. */
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
    op.txid !== undefined && `xid ${op.txid}`,
  ].filter(Boolean);
  return [`${what} → ${answer} (${op.type})`, ...decision].join(', ');
}

/**
 * The timeline of a history, with the witnesses' operations marked: what an HTML report draws
 * (Jepsen's timeline.html: one lane per process, bars coloured by type).
 */
export function timelineOf(operations: HistoryOp[], witnesses: Witness[], by: Timeline['by'] = 'client'): Timeline {
  const named = new Map<string, string>();
  for (const witness of witnesses) {
    for (const op of witness.operations) named.set(`${op.client}/${op.invoke_ns}`, op.name);
  }
  const lanes = new Map<number, TimelineBar[]>();
  for (const op of operations) {
    const lane = by === 'client' ? op.client : op.server;
    const witness = named.get(`${op.client}/${op.invoke_ns}`);
    const bar: TimelineBar = { start_ms: ms(op.invoke_ns), end_ms: ms(op.complete_ns), op: op.op, type: op.type, label: describeOperation(op) };
    const bars = lanes.get(lane) ?? [];
    bars.push(witness === undefined ? bar : { ...bar, witness });
    lanes.set(lane, bars);
  }
  return {
    by,
    lanes: [...lanes].sort(([a], [b]) => a - b).map(([lane, bars]) => ({ lane, bars: bars.sort((a, b) => a.start_ms - b.start_ms) })),
    end_ms: ms(Math.max(0, ...operations.map((op) => op.complete_ns))),
  };
}
