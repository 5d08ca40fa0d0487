import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { HistoryOp } from '../../client-sim/history.js';
import type { WrittenWitness } from '../model/history-findings.js';

/** One operation as a bar of a timeline, in ms since the clients started. */
export interface TimelineBar {
  client: number;
  server: number;
  start_ms: number;
  end_ms: number;
  op: HistoryOp['op'];
  type: HistoryOp['type'];
  /** The operation it draws, whose request, answer and decision the bar says on hover. */
  operation: HistoryOp;
  /** The name it has in a witness (T1, T2, …; 2·T1 in the second of several), when it is in one. */
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

/**
 * The timeline of a history, with the witnesses' operations marked: what an HTML report draws
 * (Jepsen's timeline.html: one lane per process, bars coloured by type).
 */
export function timelineOf(
  operations: readonly HistoryOp[],
  witnesses: readonly Pick<WrittenWitness, 'operations'>[],
  by: Timeline['by'] = 'client',
): Timeline {
  const named = new Map<string, string>();
  // Several witnesses each have a T1: the second's is 2·T1.
  for (const [index, witness] of witnesses.entries()) {
    for (const op of witness.operations) named.set(`${op.client}/${op.invoke_ns}`, witnesses.length > 1 ? `${index + 1}·${op.name}` : op.name);
  }
  const lanes = new Map<number, TimelineBar[]>();
  for (const op of operations) {
    const lane = by === 'client' ? op.client : op.server;
    const witness = named.get(`${op.client}/${op.invoke_ns}`);
    const bar: TimelineBar = {
      client: op.client,
      server: op.server,
      start_ms: ms(op.invoke_ns),
      end_ms: ms(op.complete_ns),
      op: op.op,
      type: op.type,
      operation: op,
    };
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

/** Bars a timeline window draws at most: a browser draws them at once, and a report may hold several. */
export const timelineBars = 1200;

/** Past this many clients in a window, one lane per server: a lane a client would be a pixel high. */
export const clientLanes = 64;

/** The part of a history a timeline draws, and what it leaves out. */
export interface TimelineWindow {
  timeline: Timeline;
  /** The window, in ms since the clients started. */
  from_ms: number;
  to_ms: number;
  /** Around the witnesses' operations, or from the start when there is no witness. */
  around: 'witnesses' | 'start';
  /** Operations in the whole history, and how many the window draws. */
  operations: number;
  drawn: number;
}

/**
 * The `limit` operations of a history file nearest the witnesses' operations (every one of those
 * included), or its first invocations when there is none, as a timeline: read line by line, so
 * that a long history is never held whole.
 */
export async function readTimelineWindow(
  path: string,
  witnesses: readonly Pick<WrittenWitness, 'operations'>[],
  limit = timelineBars,
): Promise<TimelineWindow> {
  const own = witnesses.flatMap((witness) => witness.operations);
  const from = Math.min(...own.map((op) => op.invoke_ns));
  const to = Math.max(...own.map((op) => op.complete_ns));
  const ownKeys = new Set(own.map((op) => `${op.client}/${op.invoke_ns}`));
  // How far an operation lies outside the witnesses' span (from the start without one); theirs first.
  const distance = (op: HistoryOp) =>
    own.length === 0 ? op.invoke_ns : ownKeys.has(`${op.client}/${op.invoke_ns}`) ? -1 : Math.max(0, from - op.complete_ns, op.invoke_ns - to);
  let kept: { op: HistoryOp; distance: number }[] = [];
  const trim = () => {
    kept = kept.sort((a, b) => a.distance - b.distance).slice(0, limit);
  };
  let operations = 0;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    operations += 1;
    const op = JSON.parse(line) as HistoryOp;
    kept.push({ op, distance: distance(op) });
    // Sorting a batch at a time keeps the selection linear in the history's length.
    if (kept.length >= 2 * limit) trim();
  }
  trim();
  const reach = Math.max(0, ...kept.map((entry) => entry.distance));
  const window = own.length === 0 ? { from_ms: 0, to_ms: ms(reach) } : { from_ms: ms(Math.max(0, from - reach)), to_ms: ms(to + reach) };
  const drawn = kept.map((entry) => entry.op);
  const by = new Set(drawn.map((op) => op.client)).size > clientLanes ? 'server' : 'client';
  return { timeline: timelineOf(drawn, witnesses, by), ...window, around: own.length === 0 ? 'start' : 'witnesses', operations, drawn: drawn.length };
}
