import type { HistoryOp } from '../../client-sim/history.js';
import type { AnomalyFamily, NotDeclared } from '../../strategies/types.js';

/** What the history checker found wrong, beside the audit's verdict (docs/histories.md). */
export interface CheckAnomaly {
  kind: 'stale_read' | 'impossible_read' | 'lost_write' | 'unexplained_write';
  /** The hotel (or resource) it concerns. */
  place: string;
  /** The operation it is about (a read, a 201), by its place in the history. */
  operation?: number;
  /** The client that read, or was told of a write. */
  client?: number;
  /** A read: the rooms it saw left, null for sold out. */
  read?: number | null;
  /** A read: the bound it broke, at most (stale) or at least (impossible) the rooms left. */
  bound?: number;
  /** The row it is about, for a write; an unexplained one with its request id and the transaction that wrote it. */
  row?: string;
  request_id?: string | null;
  xmin?: string;
  /** What it is, in words, as files written before it held the figures above. */
  detail?: string;
}

/** Why reads are not checked: rooms come back without a client's operation (holds lapse or are cancelled), or there are none (slots). */
export type ReadsSkipped = 'rooms-come-back' | 'no-reads';

export interface CheckResult {
  /** No anomaly found. */
  valid: boolean;
  reads_checked: number;
  acknowledged_checked: number;
  rows_checked: number;
  /** Why reads were not checked, when they were not: a `ReadsSkipped`, in words in files written before it. */
  reads_skipped?: string;
  /** All anomalies found; the first 20 of each kind are kept in `anomalies`. */
  anomaly_count: number;
  anomalies_by_kind: Partial<Record<CheckAnomaly['kind'], number>>;
  anomalies: CheckAnomaly[];
}

/** How a safe strategy kept its promise, counted from the history (docs/histories.md). */
export interface KeptSafe {
  /** What the strategy relies on: "lock waits", "version conflicts retried", … */
  mechanism: string;
  /** How often it acted; null when the history cannot tell (`uncounted` says why). */
  count: number | null;
  /** What it cost in ms: time held behind locks (at least), or spent on attempts turned back. */
  ms: number | null;
  /** Why nothing is counted: no row read came back, no commit times, or no safeguard declared. */
  uncounted?: 'no-row-read' | 'no-commit-times' | 'not-declared';
  /** Why nothing is counted, in words, as files written before `uncounted` held it. */
  note?: string;
  /** Every other way requests were turned back, by the 409's reason. */
  other: Record<string, { count: number; ms: number }>;
}

/** One operation of a witness, named T1, T2, … in the witness's `order`, with where the tables have it. */
export interface WitnessOp extends HistoryOp {
  name: string;
  /** Its reservation (or booking) is in the tables. */
  in_tables: boolean;
  /**
   * Overbooking: a claim of the group that read one version (`group`), a claim that wrote on a
   * superseded read (`stale`), or a claim that superseded such a read (`superseder`).
   */
  role?: WitnessRole;
  /** A stale write: the rooms it took beyond what was left when it wrote. */
  beyond?: number;
  /** A stale write: the name of the claim that superseded its read. */
  superseded_by?: string;
}

export type WitnessRole = 'group' | 'stale' | 'superseder';

/**
 * What names a witness: the family of anomaly the strategy declares; that it promises safety or
 * declares nothing; or what the anomaly is when it is none of isolation, or the history lacks it.
 */
export type WitnessNaming = AnomalyFamily | 'promises-safety' | NotDeclared | 'not-explained' | 'torn-write' | 'applied-twice';

/**
 * The smallest set of operations that shows how one anomaly the audit found came about
 * (docs/histories.md), with what names it as Adya (and Hermitage's tests of PostgreSQL) name it
 * and the figures its text is made of: data only, worded where it is printed.
 */
export interface Witness {
  kind: 'overbooking' | 'overlap' | 'drift' | 'duplicate';
  /** The hotel or the resource it happened at. */
  place: string;
  /** What names it, which the printed words follow. */
  naming: WitnessNaming;
  operations: WitnessOp[];
  /**
   * Overbooking: rooms over contract at the place, how many of them the witness explains, the
   * groups of claims that read one version and took more than it had, and the claims that wrote
   * on superseded reads it names to cover what no group explains (or the whole excess when no
   * group did); with those, the rooms its claims took beyond what was left when each wrote, and
   * (without a group) how many claims at the place wrote on a superseded read beyond what was left.
   */
  excess?: { total: number; explained: number; groups: number; chain?: number; beyond?: number; stale_writes?: number };
  /** How T1, T2, … are numbered: by the row version each wrote when every one says, else by commit. */
  order?: 'written_version' | 'commit';
  /** Overbooking by a group: the version its claims read, the rooms it had left, and how many more claims read it. */
  group?: { version: string; available: number; also_read: number };
  /** Overbooking: the claims that wrote on a superseded read, by name, in the order they cover the excess. */
  stale?: string[];
  /** Drift: the rooms the row's counters count, and those its reservation rows hold. */
  counts?: { counters: number; rows: number };
  /** Duplicate: the request, its copies in the tables, and how many requests in all were applied more than once. */
  duplicate?: { request_id: string; copies: { id: string; xmin: string }[]; requests: number };
}

/**
 * A witness as evento wrote it before witnesses carried data (format 1 files and early format 2
 * ones): named and told in English, without the figures of the text; still read, printed as written.
 */
export interface WordedWitness extends Omit<Witness, 'naming'> {
  anomaly: string;
  summary: string;
  explanation: string;
}

/** A witness as a result file holds it. */
export type WrittenWitness = Witness | WordedWitness;
