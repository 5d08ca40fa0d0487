import postgres, { type TransactionSql } from 'postgres';

/**
 * A URL as postgres.js takes it. A socket directory given the libpq way (`?host=/dir`, as psql
 * and pgbench read it) becomes postgres.js's `path`, which it reads from no URL: local
 * connections then skip TCP. The embedded database is reached so (see harness/embedded-postgres.ts).
 */
export function postgresTarget(url: string): { url: string; path?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  const directory = parsed.searchParams.get('host');
  if (!directory?.startsWith('/')) return { url };
  parsed.searchParams.delete('host');
  return { url: parsed.toString(), path: `${directory}/.s.PGSQL.${parsed.port || 5432}` };
}

/**
 * One pool per process, always on schema evento, so nothing else in the database is touched.
 * `applicationName` tells its connections apart in pg_stat_activity (fault injection terminates
 * those of one run's servers, never the harness's own); `settings` are further run-time
 * parameters every connection starts with.
 */
export function connect(url: string, max: number, applicationName = 'evento', settings: Record<string, string> = {}) {
  const target = postgresTarget(url);
  return postgres(target.url, {
    path: target.path,
    max,
    // postgres.js's default, stated because it matters most: unnamed statements cost a describe
    // round trip per query (figures in docs/performance.md).
    prepare: true,
    connect_timeout: 5,
    idle_timeout: 30,
    // Notices (a schema statement's `if not exists` that skipped, say) are not for the user.
    onnotice: () => undefined,
    connection: { ...settings, search_path: 'evento', application_name: applicationName },
  });
}

export type Sql = ReturnType<typeof connect>;

/** A connection pool or a transaction scope: strategies accept either. */
export type Db = Sql | TransactionSql;
