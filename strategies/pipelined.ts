import { AsyncLocalStorage } from 'node:async_hooks';
import type { PendingQuery, Row, Sql } from 'postgres';
import { onOwnConnection } from './own-connection.js';
import { endingTimed } from './phases.js';
import type { Db } from '../db/connection.js';
import type { Isolation } from './types.js';

/** A BEGIN that names its level, so that a strategy's rung does not hang on the database's default. */
export const beginAt = (isolation: Isolation) => `begin isolation level ${isolation}`;

/** A statement every pipelined transaction started inside withPrologue() sends right after BEGIN. */
const prologues = new AsyncLocalStorage<(tx: Db) => PendingQuery<Row[]>>();

/**
 * Runs `run` so that each transaction it opens through pipelinedTransaction starts with
 * `statement` (a transaction-local setting, say), whichever strategy opens it.
 */
export function withPrologue<T>(statement: (tx: Db) => PendingQuery<Row[]>, run: () => Promise<T>): Promise<T> {
  return prologues.run(statement, run);
}

/**
 * A transaction on a connection of its own whose statements do not wait where they need not:
 * BEGIN goes out with the first read, and `commit()` sends COMMIT right behind the writes queued
 * before it (`after`, the last of them), so a lock taken by the read is held for one trip to this process instead of three
 * (update, insert and COMMIT each waited for the one before); figures in docs/performance.md.
 * Atomicity is PostgreSQL's: a statement that fails aborts the transaction, and the COMMIT
 * queued behind it then only rolls back.
 * `begin` is the whole BEGIN statement, e.g. 'begin isolation level serializable'.
 */
export function pipelinedTransaction<T>(
  sql: Sql,
  begin: string,
  body: (tx: Db, commit: (after: Promise<unknown>) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  return onOwnConnection(sql, async (tx) => {
    let commitSent: Promise<unknown> | undefined;
    // `after`: the last statement queued before it, whose answer starts the commit's time.
    const commit = (after: Promise<unknown>) => (commitSent = endingTimed(sql, after, tx`commit`.execute()));
    try {
      // Queued before the body's first statement (postgres.js runs queries in the order they are executed).
      const began = tx.unsafe(begin).execute();
      const prologue = prologues.getStore()?.(tx).execute();
      const [result] = await Promise.all([body(tx, commit), began, prologue]);
      // Nothing to write (no rooms left, say): end the transaction, and any lock, before the connection goes back.
      if (!commitSent) await endingTimed(sql, undefined, tx`rollback`.execute());
      return result;
    } catch (error) {
      // A reservation that lost its connection refuses it at once (patches/, #004).
      await tx`rollback`.catch(() => undefined);
      throw error;
    }
  });
}
