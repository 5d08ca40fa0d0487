import { connect, type Sql } from '../../db/connection.js';
import { checkedDatabaseUrl, describeUrl } from '../database/database.js';
import { EnvironmentError, UsageError, causeOf } from '../model/errors.js';
import type { KeyAudit, SqlAudit, StrategyResult } from '../model/result-schema.js';
import type { EventAudit } from '../model/seeded-event.js';

/** A database evento does not own: no migration, and the server's own search_path, so that the user's query reads as it does in psql. */
export async function openAuditDatabase(url: string): Promise<{ sql: Sql; postgresVersion: string; close(): Promise<void> }> {
  const sql = connect(checkedDatabaseUrl(url), 1, 'evento-audit', { settings: { search_path: '"$user", public' } });
  const close = () => sql.end({ timeout: 2 });
  try {
    const [{ server_version }] = await sql<[{ server_version: string }]>`show server_version`;
    return { sql, postgresVersion: server_version, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw new EnvironmentError(`cannot use the database at ${describeUrl(url)}: ${causeOf(error)}`);
  }
}

/** A row's count as a number: PostgreSQL's sum() and count() are bigint, which arrive as strings. */
function countOf(row: Record<string, unknown>, column: 'capacity' | 'sold', file: string): number {
  const value = Number(row[column]);
  if (row[column] === null || row[column] === undefined || !Number.isSafeInteger(value)) {
    throw new UsageError(`--audit-sql ${file}: column ${column} must be a whole number in every row, got ${JSON.stringify(row[column] ?? null)}`);
  }
  return value;
}

const keyAudit = (key: string, capacity: number, sold: number): KeyAudit => ({
  key,
  capacity,
  sold,
  overbooked: Math.max(0, sold - capacity),
  unsold: Math.max(0, capacity - sold),
});

/** Rows and their totals. */
export function sqlAuditOf(file: string, rows: KeyAudit[]): SqlAudit {
  const total = (field: 'capacity' | 'sold' | 'overbooked' | 'unsold') => rows.reduce((sum, row) => sum + row[field], 0);
  return { file, rows, capacity: total('capacity'), sold: total('sold'), overbooked: total('overbooked'), unsold: total('unsold') };
}

/**
 * Runs the user's audit query (`$1`: the event id; rows `key, capacity, sold`) read-only. A query
 * that fails or returns no such rows is the user's to fix (a UsageError naming the file).
 */
export async function auditWithSql(sql: Sql, file: string, eventId: string): Promise<SqlAudit> {
  let rows: Record<string, unknown>[];
  try {
    rows = await sql.begin('read only', (tx) => tx.file<Record<string, unknown>[]>(file, [eventId]));
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') throw new UsageError(`--audit-sql ${file}: no such file`);
    throw new UsageError(`--audit-sql ${file} failed: ${causeOf(error)}`);
  }
  if (rows.length === 0)
    throw new UsageError(`--audit-sql ${file} returned no rows for event ${eventId}; it should return one per key: key, capacity, sold`);
  const missing = ['key', 'capacity', 'sold'].filter((column) => !(column in (rows[0] ?? {})));
  if (missing.length > 0) throw new UsageError(`--audit-sql ${file}: its rows have no column ${missing.join(', ')}; they need key, capacity, sold`);
  return sqlAuditOf(
    file,
    rows.map((row) => keyAudit(String(row.key), countOf(row, 'capacity', file), countOf(row, 'sold', file))),
  );
}

/** evento's own audit of its own schema (sql/audit.sql) as rows of the same form, one per hotel, by name. */
export const keyAuditOfEvent = (audit: EventAudit): KeyAudit[] =>
  audit.hotels.map((hotel) => keyAudit(hotel.hotel_name, hotel.contracted, hotel.confirmed + hotel.held));

/** A target run's result judged by the user's audit instead of the 201s: the figures, hotels and verdict become the audit's. */
export function withSqlAudit(result: StrategyResult, audit: SqlAudit, postgresVersion: string): StrategyResult {
  return {
    ...result,
    environment: { ...result.environment, postgres: postgresVersion, database: 'url' },
    outcome: {
      ...result.outcome,
      rooms_reserved: audit.sold,
      contracted: audit.capacity,
      overbooked_rooms: audit.overbooked,
      audit_sql: audit,
    },
    hotels: audit.rows.map((row) => ({
      hotel_id: row.key,
      name: row.key,
      contracted: row.capacity,
      booked: row.sold,
      overbooked: row.overbooked,
      drift: 0,
    })),
    verdict: { ...result.verdict, safe: audit.overbooked === 0, label: audit.overbooked > 0 ? `OVERBOOKED by ${audit.overbooked}` : 'SAFE' },
    ...(result.target && { target: { ...result.target, audited_by: 'sql' } }),
  };
}
