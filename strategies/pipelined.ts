import type { Sql } from 'postgres';
import { onOwnConnection } from './own-connection.js';
import type { Db } from '../db/connection.js';

/**
 * A transaction on a connection of its own whose statements do not wait where they need not:
 * BEGIN goes out with the first read, and `commit()` sends COMMIT right behind the writes queued
 * before it, so a lock taken by the read is held for one trip to this process instead of three
 * (update, insert and COMMIT each waited for the one before); figures in docs/performance.md.
 * Atomicity is PostgreSQL's: a statement that fails aborts the transaction, and the COMMIT
 * queued behind it then only rolls back.
 * `begin` is the whole BEGIN statement, e.g. 'begin isolation level serializable'.
 */
export function pipelinedTransaction<T>(sql: Sql, begin: string, body: (tx: Db, commit: () => Promise<unknown>) => Promise<T>): Promise<T> {
  return onOwnConnection(sql, async (tx) => {
    let commitSent: Promise<unknown> | undefined;
    const commit = () => (commitSent = tx`commit`.execute());
    try {
      // Queued before the body's first statement (postgres.js runs queries in the order they are executed).
      const began = tx.unsafe(begin).execute();
      const [result] = await Promise.all([body(tx, commit), began]);
      // Nothing to write (no rooms left, say): end the transaction, and any lock, before the connection goes back.
      if (!commitSent) await tx`rollback`;
      return result;
    } catch (error) {
      // A reservation that lost its connection refuses it at once (patches/, #004).
      await tx`rollback`.catch(() => undefined);
      throw error;
    }
  });
}
