// A server process forked by `evento run`: it reports its port to the parent over IPC and
// exits when told to, or when the parent disappears (the IPC channel closes).
import { loadStrategyModule } from '../strategies/module.js';
import { StrategyRegistry } from '../strategies/registry.js';
import { gatherFor } from '../strategies/batch.js';
import { createPhaseRecorder, type EncodedPhases } from '../strategies/phases.js';
import { createApp } from './app.js';
import { connect, patchedPostgres } from '../db/connection.js';
import { idempotencyOptionsFrom, serverConnectionSettings, startKeySweeper } from './idempotency.js';
import { listen } from './listen.js';

export type ServerMessage = { type: 'listening'; port: number; pid: number } | { type: 'failed'; message: string; code?: string };

/** The answer to `phases`: the reservations' app-tier phases since the last such answer. */
export interface PhasesMessage {
  type: 'phases';
  phases: EncodedPhases;
}

/** What the harness tells a server: stop, or hand over (and start again) the phases recorded so far. */
export type HarnessMessage = 'stop' | 'phases';

const send = (message: ServerMessage | PhasesMessage) => process.send?.(message);

async function main() {
  const url = process.env.EVENTO_DATABASE_URL;
  if (!url) throw new Error('EVENTO_DATABASE_URL is not set');
  // Faults crash a server on the postgres.js release as published, and a crash would read as the strategy's failure.
  if (process.env.EVENTO_CHAOS === 'on' && !patchedPostgres) {
    throw new Error(
      "--chaos needs evento's postgres.js fixes (vendor/postgres, built from patches/ by npm install or npm pack in evento's source) and this installation lacks them: install it again without --ignore-scripts, or run without --chaos",
    );
  }
  // Strategy modules, by absolute path: the CLI checked them already, so a failure here is the environment's.
  const registry = new StrategyRegistry();
  for (const file of JSON.parse(process.env.EVENTO_STRATEGY_MODULES ?? '[]') as string[]) registry.register(await loadStrategyModule(file, registry));
  const poolSize = Number(process.env.EVENTO_POOL_SIZE ?? 8);
  const prepare = process.env.EVENTO_PREPARE !== 'off';
  const sql = connect(url, poolSize, process.env.EVENTO_APPLICATION_NAME, { prepare, settings: serverConnectionSettings });
  const tenantUrl = process.env.EVENTO_TENANT_DATABASE_URL;
  const tenantSql = tenantUrl
    ? connect(tenantUrl, poolSize, process.env.EVENTO_APPLICATION_NAME, { prepare, settings: serverConnectionSettings })
    : undefined;
  const readPauseMs = Number(process.env.EVENTO_CHAOS_LATENCY_MS ?? 0);
  if (process.env.EVENTO_BATCH_MS !== undefined) gatherFor(Number(process.env.EVENTO_BATCH_MS));
  await sql`select 1`;
  if (tenantSql) await tenantSql`select 1`;
  const idempotency = idempotencyOptionsFrom(process.env);
  const stopSweeper = startKeySweeper(sql, idempotency.ttlMs);
  const phases = createPhaseRecorder();
  const { server, port } = await listen(
    createApp(sql, { idempotency, tenantSql, registry, readPauseMs: readPauseMs > 0 ? readPauseMs : undefined, phases }),
    process.env.EVENTO_HOST ?? '127.0.0.1',
    0,
  );
  let stopping = false;
  // An event handler's returned promise is dropped, so a failure to close the pool is reported here.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stopSweeper();
    server.closeAllConnections();
    server.close();
    Promise.all([sql.end({ timeout: 2 }), tenantSql?.end({ timeout: 2 })]).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`evento server: closing the database pool failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('message', (message: HarnessMessage) => {
    if (message === 'stop') stop();
    if (message === 'phases') send({ type: 'phases', phases: phases.take() });
  });
  send({ type: 'listening', port, pid: process.pid });
}

main().catch((error: unknown) => {
  const { message, code } = error instanceof Error ? (error as NodeJS.ErrnoException) : { message: String(error), code: undefined };
  send({ type: 'failed', message, code });
  process.exit(1);
});
