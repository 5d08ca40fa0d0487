import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { at } from '../lib/at.js';
import type { HarnessMessage, PhasesMessage, ServerMessage } from '../server/main.js';
import type { EncodedPhases } from '../strategies/phases.js';
import { EnvironmentError } from './errors.js';

export interface ServerFleet {
  /** Base URLs, one per server process; a replaced server's entry changes in place. */
  urls: string[];
  pids: number[];
  /** The application_name of the servers' database connections, and of no one else's. */
  applicationName: string;
  /** Server processes that exited on their own: neither stopped nor killed by replace(). */
  crashes(): number;
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

const serverEntry = fileURLToPath(new URL('../server/main.js', import.meta.url));
// Generous: on a busy host a server's start (loading express and postgres.js, a first query) is slow, not stuck.
const startTimeoutMs = 120_000;

export interface ServerOptions {
  /** Off: a retried request runs again (the unsafe twin of idempotent retries). */
  idempotency?: boolean;
  /** Fault injection (slow-db): pg_sleep this long after each read a strategy decides on. */
  readPauseMs?: number;
  /** How long a strategy that batches gathers a hotel's claims (--batch-ms); its default when unset. */
  batchMs?: number;
  /** Where the tenants workload's queries connect, as the role row-level security holds. */
  tenantDatabaseUrl?: string;
  /** Off behind a pooler that does not keep prepared statements. */
  prepare?: boolean;
  /** Faults will be injected: a server without the postgres.js fixes refuses to start. */
  chaos?: boolean;
  /** Strategy modules every server loads, by absolute path. */
  strategyModules?: string[];
  /** Each line the servers print, when it must not go to evento's own stdout and stderr as it is. */
  output?: (line: string) => void;
}

interface Started {
  child: ChildProcess;
  port: number;
  /** As the server reported it once listening: the child's pid, which a started process has. */
  pid: number;
}

function startServer(env: NodeJS.ProcessEnv, output: ServerOptions['output']): Promise<Started> {
  const child = fork(serverEntry, [], {
    env,
    // A server is its own program: the harness's own Node flags (a test runner's loaders, for one) only slow it down;
    // the bench profiles servers by naming Node flags for them alone.
    execArgv: process.env.EVENTO_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
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
  const env = {
    ...process.env,
    EVENTO_DATABASE_URL: databaseUrl,
    EVENTO_POOL_SIZE: String(poolSize),
    EVENTO_IDEMPOTENCY: options.idempotency === false ? 'off' : 'on',
    EVENTO_APPLICATION_NAME: applicationName,
    ...(options.readPauseMs && { EVENTO_CHAOS_LATENCY_MS: String(options.readPauseMs) }),
    ...(options.batchMs !== undefined && { EVENTO_BATCH_MS: String(options.batchMs) }),
    ...(options.tenantDatabaseUrl && { EVENTO_TENANT_DATABASE_URL: options.tenantDatabaseUrl }),
    ...(options.prepare === false && { EVENTO_PREPARE: 'off' }),
    ...(options.chaos && { EVENTO_CHAOS: 'on' }),
    ...(options.strategyModules?.length && { EVENTO_STRATEGY_MODULES: JSON.stringify(options.strategyModules) }),
  };
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
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServer(env, options.output).then(watch)));
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
    const next = watch(await startServer(env, options.output));
    children[index] = next;
    urls[index] = urlOf(next);
    pids[index] = next.pid;
  }

  return {
    urls,
    pids,
    applicationName,
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
