import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerMessage } from '../server/main.js';
import { EnvironmentError } from './errors.js';

export interface ServerFleet {
  /** Base URLs, one per server process. */
  urls: string[];
  pids: number[];
  stop(): Promise<void>;
}

const serverEntry = fileURLToPath(new URL('../server/main.js', import.meta.url));
const startTimeoutMs = 15_000;

export interface ServerOptions {
  /** Off: a retried request runs again (the unsafe twin of idempotent retries). */
  idempotency?: boolean;
}

function startServer(databaseUrl: string, poolSize: number, options: ServerOptions): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(serverEntry, [], {
    env: {
      ...process.env,
      EVENTO_DATABASE_URL: databaseUrl,
      EVENTO_POOL_SIZE: String(poolSize),
      EVENTO_IDEMPOTENCY: options.idempotency === false ? 'off' : 'on',
    },
    // Its own process group: a terminal Ctrl-C goes to evento, which stops servers in order.
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new EnvironmentError(`a server process did not start: ${message}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${startTimeoutMs / 1000}s`), startTimeoutMs);
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
    child.once('message', (message: ServerMessage) => {
      if (message.type === 'failed') return fail(message.message);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, port: message.port });
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
  });
}

/** N server processes, each with its own pool, on 127.0.0.1 and a port the OS chose. */
export async function startServers(count: number, databaseUrl: string, poolSize: number, options: ServerOptions = {}): Promise<ServerFleet> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServer(databaseUrl, poolSize, options)));
  const children = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.all(children.map(({ child }) => stopServer(child)));
  };
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  return {
    urls: children.map(({ port }) => `http://127.0.0.1:${port}`),
    pids: children.map(({ child }) => child.pid!),
    stop,
  };
}
