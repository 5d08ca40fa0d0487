import { connect, patchedPostgres, type Sql } from '../db/connection.js';
import { loadStrategyModule } from '../strategies/module.js';
import type { PhaseRecorder } from '../strategies/phases.js';
import { StrategyRegistry } from '../strategies/registry.js';
import { createApp } from './app.js';
import type { ServerConfig } from './config.js';
import { serverConnectionSettings, startKeySweeper } from './idempotency.js';
import { listen } from './listen.js';

/** A server listening, and how to end it. */
export interface OpenServer {
  port: number;
  /** Its pool, for work beside the routes (`evento serve` sweeps lapsed holds through it). */
  sql: Sql;
  /** Stops listening, drops its connections and closes its pools. */
  close: () => Promise<void>;
}

/** Faults crash a server on the postgres.js release as published, and a crash would read as the strategy's failure. */
export const chaosNeedsPatchedPostgres =
  "--chaos needs evento's postgres.js fixes (vendor/postgres, built from patches/ by npm install or npm pack in evento's source) and this installation lacks them: install it again without --ignore-scripts, or run without --chaos";

/**
 * The strategies a server routes to: the built-ins and its configuration's strategy modules, by
 * absolute path (the CLI checked them already, so a failure here is the environment's).
 */
export async function servedRegistry(config: Pick<ServerConfig, 'strategyModules'>): Promise<StrategyRegistry> {
  const registry = new StrategyRegistry();
  for (const file of config.strategyModules) registry.register(await loadStrategyModule(file, registry));
  return registry;
}

/** A pool of the server's size and name, its connections set up as a server's, to `url` (its database by default). */
export const serverPool = (config: ServerConfig, url = config.databaseUrl): Sql =>
  connect(url, config.poolSize, config.applicationName, { prepare: config.prepare, settings: serverConnectionSettings });

/**
 * Sets a server up as its configuration says: its pools (checked with a first query), its
 * strategy modules, its request-id sweeper; then listens. With `phases`, each reservation's
 * time in the app tier is recorded there.
 */
export async function openServer(config: ServerConfig, phases?: PhaseRecorder): Promise<OpenServer> {
  if (config.chaos && !patchedPostgres) throw new Error(chaosNeedsPatchedPostgres);
  const registry = await servedRegistry(config);
  const sql = serverPool(config);
  const tenantSql = config.tenantDatabaseUrl === undefined ? undefined : serverPool(config, config.tenantDatabaseUrl);
  const endPools = () => Promise.all([sql.end({ timeout: 2 }), tenantSql?.end({ timeout: 2 })]);
  let stopSweeper: (() => void) | undefined;
  try {
    await sql`select 1`;
    if (tenantSql) await tenantSql`select 1`;
    stopSweeper = startKeySweeper(sql, config.idempotency.ttlMs);
    const { readPauseMs, batchMs, token, idempotency } = config;
    const { server, port } = await listen(
      createApp(sql, { token, idempotency, tenantSql, registry, readPauseMs, batchMs, phases }),
      config.host,
      config.port,
    );
    return {
      port,
      sql,
      async close() {
        stopSweeper?.();
        server.closeAllConnections();
        server.close();
        await endPools();
      },
    };
  } catch (error) {
    stopSweeper?.();
    await endPools().catch(() => undefined);
    throw error;
  }
}
