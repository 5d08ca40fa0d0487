import postgres from 'postgres';

/**
 * One pool per process, always on schema evento, so nothing else in the database is touched.
 * `applicationName` tells its connections apart in pg_stat_activity (fault injection terminates
 * those of one run's servers, never the harness's own).
 */
export function connect(url: string, max: number, applicationName = 'evento') {
  return postgres(url, {
    max,
    // postgres.js's default, stated because it matters most: named prepared statements gave
    // 3.4x the reservations/s of unnamed ones (a describe round trip per query) in the bench.
    prepare: true,
    connect_timeout: 5,
    idle_timeout: 30,
    onnotice: () => {},
    connection: { search_path: 'evento', application_name: applicationName },
  });
}

export type Sql = ReturnType<typeof connect>;
