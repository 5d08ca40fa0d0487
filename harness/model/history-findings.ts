import type { HistoryOp } from '../../client-sim/history.js';

/** What the history checker found wrong, beside the audit's verdict (docs/histories.md). */
export interface CheckAnomaly {
  kind: 'stale_read' | 'impossible_read' | 'lost_write' | 'unexplained_write';
  /** The hotel (or resource) it concerns. */
  place: string;
  detail: string;
  /** The operation it is about (a read, a 201), by its place in the history. */
  operation?: number;
  /** The row it is about, for a write. */
  row?: string;
}

export interface CheckResult {
  /** No anomaly found. */
  valid: boolean;
  reads_checked: number;
  acknowledged_checked: number;
  rows_checked: number;
  /** Why reads were not checked, when they were not. */
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
  /** How often it acted; null when the history cannot tell (`note` says why). */
  count: number | null;
  /** What it cost in ms: time held behind locks (at least), or spent on attempts turned back. */
  ms: number | null;
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
}

export type WitnessRole = 'group' | 'stale' | 'superseder';

/**
 * The smallest set of operations that shows how one anomaly the audit found came about
 * (docs/histories.md), named as Adya (and Hermitage's tests of PostgreSQL) name it.
 */
export interface Witness {
  kind: 'overbooking' | 'overlap' | 'drift' | 'duplicate';
  /** The hotel or the resource it happened at. */
  place: string;
  /** Adya's / Hermitage's name, or what it is when it is no isolation anomaly. */
  anomaly: string;
  /** What the operations show, in one sentence naming them. */
  summary: string;
  /** Why it is named so. */
  explanation: string;
  operations: WitnessOp[];
  /**
   * Overbooking: rooms over contract at the place, how many of them the witness explains, the
   * groups of claims that read one version and took more than it had, and the claims that wrote
   * on superseded reads it names to cover what no group explains (or the whole excess when no
   * group did).
   */
  excess?: { total: number; explained: number; groups: number; chain?: number };
  /** How T1, T2, … are numbered: by the row version each wrote when every one says, else by commit. */
  order?: 'written_version' | 'commit';
}
