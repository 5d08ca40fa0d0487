import type { TransactionSql } from 'postgres';

/**
 * postgres.js as evento loads it: the copy built at install with the fixes of patches/
 * (vendor/postgres, see docs/faults.md), or, in an installation that lacks it, the release as
 * published, which fault injection would crash: `patchedPostgres` tells which.
 */
const driver = await import('#postgres').then(
  (module) => ({ postgres: module.default, patched: true }),
  async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const module = await import('postgres');
    return { postgres: module.default, patched: false };
  },
);

export const patchedPostgres = driver.patched;

/**
 * A URL as postgres.js takes it. A socket directory given the libpq way (`?host=/dir`, as psql
 * and pgbench read it) becomes postgres.js's `path`, which it reads from no URL: local
 * connections then skip TCP. The embedded database is reached so (see harness/database/embedded-postgres.ts).
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
 * parameters every connection starts with (a `search_path` there replaces evento's, to read a
 * database evento does not own); `prepare` is off behind a pooler that drops prepared statements.
 */
export function connect(url: string, max: number, applicationName = 'evento', options: { prepare?: boolean; settings?: Record<string, string> } = {}) {
  const target = postgresTarget(url);
  return driver.postgres(target.url, {
    path: target.path,
    max,
    // postgres.js's default, stated because it matters most: unnamed statements cost a describe
    // round trip per query (figures in docs/performance.md). Off only behind a pooler that
    // hands connections between transactions and does not carry prepared statements along.
    prepare: options.prepare ?? true,
    connect_timeout: 5,
    // postgres.js waits up to 20 s before reconnecting, longer with every connection of the pool
    // lost: after a burst of terminated backends a pool sat empty that long while the database
    // was up (docs/faults.md), so the wait stops at a second.
    backoff: (retries: number) => Math.min(3 ** retries / 100, 1),
    idle_timeout: 30,
    // Notices (a schema statement's `if not exists` that skipped, say) are not for the user.
    onnotice: () => undefined,
    connection: { search_path: 'evento', ...options.settings, application_name: applicationName },
  });
}

export type Sql = ReturnType<typeof connect>;

/** A connection pool or a transaction scope: strategies accept either. */
export type Db = Sql | TransactionSql;
