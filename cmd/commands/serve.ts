import { once } from 'node:events';
import { openDatabase } from '../../harness/database/database.js';
import { EnvironmentError, causeOf, codeOf } from '../../harness/model/errors.js';
import { serverConfigOf } from '../../harness/race/servers.js';
import { seedEvent } from '../../harness/workloads/event.js';
import { openServer } from '../../server/open.js';
import { expireHolds } from '../../strategies/hold-lifecycle.js';

/** Outside clients' abandoned holds expire as they do in a run. */
const sweepEveryMs = 1000;

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

/** One server in the foreground until Ctrl-C; seeds an event when the database is embedded. */
export async function serveCommand(flags: { port: number; host: string; hotels: number; rooms: number; poolSize: number; token?: string }) {
  const database = await openDatabase();
  try {
    const event = database.kind === 'embedded' ? await seedEvent(database.sql, flags.hotels, flags.rooms) : undefined;
    const config = serverConfigOf(database.url, flags.poolSize, { host: flags.host, port: flags.port, token: flags.token });
    const { port, sql, close } = await openServer(config).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).syscall !== 'listen') throw error;
      const cause = codeOf(error) === 'EADDRINUSE' ? `port ${flags.port} is in use; pick another with --port (0 for any)` : causeOf(error);
      throw new EnvironmentError(`cannot listen on ${flags.host}:${flags.port}: ${cause}`);
    });
    const url = `http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${port}`;
    if (!loopback.has(flags.host) && !flags.token) {
      process.stderr.write(`evento: warning: listening on ${flags.host}; the reservation API has no authentication (see --token)\n`);
    }
    process.stdout.write(`${JSON.stringify({ url, database: database.kind, ...event })}\n`);
    process.stderr.write(`evento: serving on ${url} (Ctrl-C to stop)\n`);
    const sweeper = setInterval(() => {
      expireHolds(sql).catch((error: unknown) => process.stderr.write(`evento: the hold sweeper failed: ${causeOf(error)}\n`));
    }, sweepEveryMs);
    try {
      await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    } finally {
      clearInterval(sweeper);
      await close();
    }
  } finally {
    await database.close();
  }
}
