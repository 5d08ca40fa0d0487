import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { at } from '../../lib/at.js';
import { ServerConfigError, serverConfig, serverConfigVariable, type ServerConfig, type ServerConfigInput } from '../../server/config.js';
import { idempotencyOptionsFrom } from '../../server/idempotency.js';
import type { HarnessMessage, PhasesMessage, ServerMessage } from '../../server/main.js';
import type { EncodedPhases } from '../../strategies/phases.js';
import { EnvironmentError, UsageError } from '../model/errors.js';

export interface ServerFleet {
  /** Base URLs, one per server process; a replaced server's entry changes in place. */
  urls: string[];
  pids: number[];
  /** The application_name of the servers' database connections, and of no one else's. */
  applicationName: string;
  /** Server processes that exited on their own: neither stopped nor killed by replace(). */
  crashes(): number;
  /** How long its servers' request-id claims hold unrenewed (a dead server's lapse after this). */
  leaseMs: number;
  /** Pending while server `index` is being replaced. */
  restarting(index: number): Promise<void> | undefined;
  /** SIGKILLs server `index`, requests in flight and all, and starts another in its place on a new port. */
  replace(index: number): Promise<void>;
  /**
   * Each running server's app-tier phases since the last call (or its start), and it starts again:
   * a server that does not answer in time, or was replaced meanwhile, gives nothing of the time before.
   */
  takePhases(): Promise<EncodedPhases[]>;
  stop(): Promise<void>;
}

const serverEntry = fileURLToPath(new URL('../../server/main.js', import.meta.url));
// Generous: on a busy host a server's start (loading express and postgres.js, a first query) is slow, not stuck.
const startTimeoutMs = 120_000;

/** What a race sets of its servers' configuration (server/config.ts says what each is), and where their lines go. */
export type ServerOptions = Pick<ServerConfigInput, 'tenantDatabaseUrl' | 'prepare' | 'chaos' | 'strategyModules' | 'readPauseMs' | 'batchMs'> & {
  /** Off: a retried request runs again (the unsafe twin of idempotent retries); as EVENTO_IDEMPOTENCY says when unset. */
  idempotency?: boolean;
  /** Each line the servers print, when it must not go to evento's own stdout and stderr as it is. */
  output?: (line: string) => void;
  /** Node flags for the server processes alone (`--cpu-prof`, to profile them); none when unset. */
  nodeArgs?: readonly string[];
};

interface Started {
  child: ChildProcess;
  port: number;
  /** As the server reported it once listening: the child's pid, which a started process has. */
  pid: number;
}

/** Where a server is and who may call it: what `evento serve` sets, and a race's servers leave to their defaults. */
export type ServerPlace = Pick<ServerConfigInput, 'applicationName' | 'host' | 'port' | 'token'>;

/**
 * A server's configuration, for a race's server processes, the direct path's pools or `evento
 * serve`: request ids as the documented variables set them (docs/http-api.md) unless the options
 * say, the rest from the options. A variable set to what is not a number is the user's to fix.
 */
export function serverConfigOf(databaseUrl: string, poolSize: number, options: ServerOptions & ServerPlace, env = process.env): ServerConfig {
  const fromEnvironment = idempotencyOptionsFrom(env);
  try {
    return serverConfig({
      databaseUrl,
      poolSize,
      applicationName: options.applicationName,
      host: options.host,
      port: options.port,
      token: options.token,
      tenantDatabaseUrl: options.tenantDatabaseUrl,
      prepare: options.prepare,
      chaos: options.chaos,
      strategyModules: options.strategyModules,
      readPauseMs: options.readPauseMs,
      batchMs: options.batchMs,
      idempotency: { ...fromEnvironment, enabled: options.idempotency ?? fromEnvironment.enabled },
    });
  } catch (error) {
    throw error instanceof ServerConfigError ? new UsageError(error.message) : error;
  }
}

function startServer(env: NodeJS.ProcessEnv, { output, nodeArgs = [] }: Pick<ServerOptions, 'output' | 'nodeArgs'>): Promise<Started> {
  const child = fork(serverEntry, [], {
    env,
    // A server is its own program: the harness's own Node flags (a test runner's loaders, for one) only slow it down.
    execArgv: [...nodeArgs],
    // Its own process group: a terminal Ctrl-C goes to evento, which stops servers in order.
    detached: true,
    stdio: ['ignore', output ? 'pipe' : 'inherit', output ? 'pipe' : 'inherit', 'ipc'],
  });
  if (output) {
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', output);
  }
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new EnvironmentError(`a server process did not start: ${message}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${startTimeoutMs / 1000}s`), startTimeoutMs);
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${String(code)}`}`));
    child.once('message', (message: ServerMessage) => {
      if (message.type === 'failed') {
        fail(message.message);
        return;
      }
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, port: message.port, pid: message.pid });
    });
  });
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

const exited = (child: ChildProcess) => (hasExited(child) ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve())));

function stopServer(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
  if (child.connected) child.send('stop' satisfies HarnessMessage);
  else child.kill('SIGTERM');
  return exited(child).finally(() => clearTimeout(force));
}

/** Generous, as for a start: a server busy with a run's last requests answers late, not never. */
const phasesTimeoutMs = 10_000;

/** Asks one server for its phases over IPC; undefined when it is gone or does not answer in time. */
function takePhasesOf(child: ChildProcess): Promise<EncodedPhases | undefined> {
  if (!child.connected) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (phases: EncodedPhases | undefined) => {
      clearTimeout(timer);
      child.off('message', answered);
      child.off('exit', gone);
      resolve(phases);
    };
    const answered = (message: ServerMessage | PhasesMessage) => {
      if (message.type === 'phases') done(message.phases);
    };
    const gone = () => done(undefined);
    const timer = setTimeout(gone, phasesTimeoutMs);
    child.on('message', answered);
    child.once('exit', gone);
    child.send('phases' satisfies HarnessMessage);
  });
}

const urlOf = ({ port }: Started) => `http://127.0.0.1:${port}`;

/** N server processes, each with its own pool, on 127.0.0.1 and a port the OS chose. */
export async function startServers(count: number, databaseUrl: string, poolSize: number, options: ServerOptions = {}): Promise<ServerFleet> {
  const applicationName = `evento-${randomBytes(4).toString('hex')}`;
  const config = serverConfigOf(databaseUrl, poolSize, { ...options, applicationName });
  const env = { ...process.env, [serverConfigVariable]: JSON.stringify(config) };
  // Exits the fleet asked for; any other is a crash.
  const expected = new WeakSet<ChildProcess>();
  let crashes = 0;
  const watch = (server: Started) => {
    server.child.once('exit', () => {
      if (!expected.has(server.child)) crashes += 1;
    });
    return server;
  };
  const restarts: (Promise<void> | undefined)[] = [];
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServer(env, options).then(watch)));
  const children = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.allSettled(restarts.filter((restart) => restart !== undefined));
    await Promise.all(
      children.map(({ child }) => {
        expected.add(child);
        return stopServer(child);
      }),
    );
  };
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  const urls = children.map(urlOf);
  const pids = children.map(({ pid }) => pid);

  async function restart(index: number) {
    const { child } = at(children, index);
    expected.add(child);
    child.kill('SIGKILL');
    await exited(child);
    const next = watch(await startServer(env, options));
    children[index] = next;
    urls[index] = urlOf(next);
    pids[index] = next.pid;
  }

  return {
    urls,
    pids,
    applicationName,
    leaseMs: config.idempotency.leaseMs,
    crashes: () => crashes,
    restarting: (index) => restarts[index],
    replace(index) {
      const restarting = restarts[index] ?? restart(index).finally(() => (restarts[index] = undefined));
      restarts[index] = restarting;
      return restarting;
    },
    async takePhases() {
      const taken = await Promise.all(children.map(({ child }) => takePhasesOf(child)));
      return taken.filter((phases) => phases !== undefined);
    },
    stop,
  };
}
