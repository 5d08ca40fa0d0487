import { readFile, writeFile } from 'node:fs/promises';
import type { HistoryOp } from '../../client-sim/history.js';
import type { Sql } from '../../db/connection.js';

/** How a result names its history (`history` in the result file). */
export interface HistoryInfo {
  /** The NDJSON file's name, in the result file's folder. */
  file: string;
  operations: number;
  /** How commits were ordered; null when the database could not say. */
  commit_order: 'pg_xact_commit_timestamp' | null;
  /** What the history lacks on this database, and how to get it. */
  missing: string[];
}

/** `<result file name without .json>.history.ndjson`, beside the result file. */
export const historyFileOf = (resultFile: string) => `${resultFile.replace(/\.json$/, '')}.history.ndjson`;

export const commitOrderMissing =
  'commit order and lock waits: track_commit_timestamp is off on this server (ALTER SYSTEM SET track_commit_timestamp = on, then restart PostgreSQL)';

/**
 * Fills in when each writing transaction committed, and when the one whose row version each
 * decision read did, from `pg_xact_commit_timestamp`: one query after the run, so that no
 * request waits for it. Returns how commits are ordered and what is missing.
 */
export async function addCommitTimes(sql: Sql, operations: HistoryOp[]): Promise<Pick<HistoryInfo, 'commit_order' | 'missing'>> {
  const [{ tracked }] = await sql<[{ tracked: string }]>`select current_setting('track_commit_timestamp') as tracked`;
  if (tracked !== 'on') return { commit_order: null, missing: [commitOrderMissing] };
  const xids = [...new Set(operations.flatMap((op) => [op.txid, op.read_xmin].filter((xid) => xid !== undefined)))];
  const rows = await sql<{ xid: string; us: string | null }[]>`
    select xid, (extract(epoch from pg_xact_commit_timestamp(xid::xid)) * 1000000)::bigint::text as us
    from unnest(${xids}::text[]) as xid
  `;
  const committed = new Map(rows.map((row) => [row.xid, row.us === null ? null : Number(row.us)]));
  for (const op of operations) {
    if (op.txid !== undefined) op.committed_us = committed.get(op.txid) ?? null;
    if (op.read_xmin !== undefined) op.read_committed_us = committed.get(op.read_xmin) ?? null;
  }
  return { commit_order: 'pg_xact_commit_timestamp', missing: [] };
}

export async function writeHistory(path: string, operations: HistoryOp[]) {
  await writeFile(path, operations.map((op) => `${JSON.stringify(op)}\n`).join(''));
}

export async function readHistory(path: string): Promise<HistoryOp[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HistoryOp);
}
