import postgres from 'postgres';

/** One pool per process, always on schema evento, so nothing else in the database is touched. */
export function connect(url: string, max: number) {
  return postgres(url, {
    max,
    connect_timeout: 5,
    idle_timeout: 30,
    onnotice: () => {},
    connection: { search_path: 'evento', application_name: 'evento' },
  });
}

export type Sql = ReturnType<typeof connect>;
