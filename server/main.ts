// A server process forked by `evento run`: it reports its port to the parent over IPC and
// exits when told to, or when the parent disappears (the IPC channel closes).
import { pauseAfterReads } from '../strategies/rooms.js';
import { createApp } from './app.js';
import { connect } from '../db/connection.js';
import { idempotencyOptionsFrom, serverConnectionSettings, startKeySweeper } from './idempotency.js';
import { listen } from './listen.js';

export type ServerMessage = { type: 'listening'; port: number; pid: number } | { type: 'failed'; message: string; code?: string };

const send = (message: ServerMessage) => process.send?.(message);

async function main() {
  const url = process.env.EVENTO_DATABASE_URL;
  if (!url) throw new Error('EVENTO_DATABASE_URL is not set');
  const sql = connect(url, Number(process.env.EVENTO_POOL_SIZE ?? 8), process.env.EVENTO_APPLICATION_NAME, serverConnectionSettings);
  const latencyMs = Number(process.env.EVENTO_CHAOS_LATENCY_MS ?? 0);
  if (latencyMs > 0) pauseAfterReads(latencyMs);
  await sql`select 1`;
  const idempotency = idempotencyOptionsFrom(process.env);
  const stopSweeper = startKeySweeper(sql, idempotency.ttlMs);
  const { server, port } = await listen(createApp(sql, { idempotency }), process.env.EVENTO_HOST ?? '127.0.0.1', 0);
  let stopping = false;
  // An event handler's returned promise is dropped, so a failure to close the pool is reported here.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stopSweeper();
    server.closeAllConnections();
    server.close();
    sql.end({ timeout: 2 }).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`evento server: closing the database pool failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('message', (message) => {
    if (message === 'stop') stop();
  });
  send({ type: 'listening', port, pid: process.pid });
}

main().catch((error: unknown) => {
  const { message, code } = error instanceof Error ? (error as NodeJS.ErrnoException) : { message: String(error), code: undefined };
  send({ type: 'failed', message, code });
  process.exit(1);
});
