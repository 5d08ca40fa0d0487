import { connect, type Sql } from '../../db/connection.js';
import { EnvironmentError, causeOf } from '../model/errors.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { migrate } from './migrations.js';

export interface Database {
  /** The URL the server processes connect with. */
  url: string;
  kind: 'embedded' | 'url';
  sql: Sql;
  postgresVersion: string;
  close(): Promise<void>;
}

/** Where a URL points, without its password, for messages. */
export function describeUrl(url: string) {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL (not a valid URL)';
  }
}

/** `url` if it is one; postgres.js would throw a bare TypeError from deep inside. */
export function checkedDatabaseUrl(url: string): string {
  if (URL.canParse(url)) return url;
  throw new EnvironmentError(
    'DATABASE_URL is not a valid URL; give one like postgres://user:password@host:5432/database, or unset it for an embedded PostgreSQL',
  );
}

/** The database at `databaseUrl`, or an embedded one started for the purpose; an empty URL counts as unset. */
async function databaseAt(databaseUrl: string | undefined) {
  if (databaseUrl) return { url: checkedDatabaseUrl(databaseUrl), embedded: undefined };
  const embedded = await startEmbeddedPostgres();
  return { url: embedded.url, embedded };
}

/** DATABASE_URL when set, otherwise an embedded PostgreSQL that lives as long as the returned handle. */
export async function openDatabase(databaseUrl = process.env.DATABASE_URL): Promise<Database> {
  const { url, embedded } = await databaseAt(databaseUrl);
  // Named apart from the servers' connections, which fault injection may terminate.
  const sql = connect(url, 4, 'evento-harness');
  const close = async () => {
    await sql.end({ timeout: 2 });
    await embedded?.stop();
  };
  try {
    const [{ server_version }] = await sql<[{ server_version: string }]>`show server_version`;
    await migrate(sql);
    return { url, kind: embedded ? 'embedded' : 'url', sql, postgresVersion: server_version, close };
  } catch (error) {
    await close().catch(() => undefined);
    const where = embedded ? 'the embedded PostgreSQL' : describeUrl(url);
    throw new EnvironmentError(`cannot use the database at ${where}: ${causeOf(error)}`);
  }
}
