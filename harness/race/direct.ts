import { randomBytes } from 'node:crypto';
import { format } from 'node:util';
import type { DirectServers } from '../../client-sim/transport.js';
import { patchedPostgres } from '../../db/connection.js';
import { at } from '../../lib/at.js';
import { roomRequest } from '../../server/fast-path.js';
import { idempotency, startKeySweeper } from '../../server/idempotency.js';
import { chaosNeedsPatchedPostgres, servedRegistry, serverPool } from '../../server/open.js';
import { errorReply } from '../../server/replies.js';
import { roomRoutes } from '../../server/room-routes.js';
import { createPhaseRecorder, type EncodedPhases } from '../../strategies/phases.js';
import { EnvironmentError } from '../model/errors.js';
import { serverConfigOf, type ServerOptions } from './servers.js';

/** The servers' routes in this process (--via direct), each "server" a pool of its own. */
export interface DirectFleet {
  servers: DirectServers;
  /** The application_name of the pools' connections, and of no one else's. */
  applicationName: string;
  /** How long its request-id claims hold unrenewed, as a server's do. */
  leaseMs: number;
  /** Each pool's app-tier phases since the last call, as a server process hands over its own (ServerFleet.takePhases). */
  takePhases(): Promise<EncodedPhases[]>;
  close(): Promise<void>;
}

/**
 * `count` servers without their processes: each a pool of `poolSize` connections, set up as a
 * server process sets up its own (server/main.ts), behind the same route functions, so that a
 * run measures the database's cost without the app tier's.
 */
export async function openDirectServers(
  count: number,
  databaseUrl: string,
  poolSize: number,
  options: Pick<ServerOptions, 'idempotency' | 'readPauseMs' | 'batchMs' | 'prepare' | 'chaos' | 'output' | 'strategyModules'> = {},
): Promise<DirectFleet> {
  const applicationName = `evento-${randomBytes(4).toString('hex')}`;
  const config = serverConfigOf(databaseUrl, poolSize, { ...options, applicationName });
  if (config.chaos && !patchedPostgres) throw new EnvironmentError(chaosNeedsPatchedPostgres);
  const pools = Array.from({ length: count }, () => serverPool(config));
  const stopSweepers = pools.map((sql) => startKeySweeper(sql, config.idempotency.ttlMs));
  const registry = await servedRegistry(config);
  // Timed as a server process times its own, around each strategy call.
  const recorders = pools.map(() => createPhaseRecorder());
  const routes = pools.map((sql, index) =>
    roomRoutes(sql, idempotency(sql, config.idempotency), {
      registry,
      readPauseMs: config.readPauseMs,
      batchMs: config.batchMs,
      phases: at(recorders, index),
    }),
  );
  const { output } = options;
  // What a server would print goes where the servers' lines go.
  const print = output ? (message: unknown) => format(message).split('\n').forEach(output) : undefined;
  const close = async () => {
    stopSweepers.forEach((stop) => stop());
    await Promise.all(pools.map((sql) => sql.end({ timeout: 2 })));
  };
  try {
    await Promise.all(pools.map((sql) => sql`select 1`));
  } catch (error) {
    await close();
    throw new EnvironmentError(`the direct path's pools could not reach the database: ${String(error)}`);
  }
  return {
    applicationName,
    leaseMs: config.idempotency.leaseMs,
    takePhases: () => Promise.resolve(recorders.map((recorder) => recorder.take())),
    servers: {
      count,
      request(server, method, path, body, headers) {
        const answer = roomRequest(at(routes, server), method, path, body, headers);
        if (!answer) return Promise.reject(new Error(`--via direct answers the rooms workload's requests only, not ${method} ${path}`));
        return answer().catch((error: unknown) => errorReply(error, print));
      },
    },
    close,
  };
}
