import type { ReservedSql, Sql } from 'postgres';

/**
 * Runs `body` on a connection of its own and gives the connection back after. Through the pool,
 * postgres.js pipelines every request's statements onto the same few connections, so a write
 * that depends on a read queues behind all the statements that arrived in between: for a
 * compare-and-swap that is a stale version nearly every time. On its own connection the write
 * follows its read by one trip to this process, with the same statements and the same safety
 * (figures in docs/performance.md).
 * A connection lost meanwhile is left to its pool (patches/, #004).
 */
export async function onOwnConnection<T>(sql: Sql, body: (db: ReservedSql) => Promise<T>): Promise<T> {
  const db = await sql.reserve();
  try {
    return await body(db);
  } finally {
    db.release();
  }
}
