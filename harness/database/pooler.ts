import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError, causeOf } from '../model/errors.js';
import type { PoolerInfo } from '../model/run-config.js';
import { databaseOwner, freePort } from './embedded-postgres.js';

const run = promisify(execFile);

export interface Pooler {
  info: PoolerInfo;
  /** Each database URL given to startPgBouncer, as the servers reach it through the pooler. */
  urls: string[];
  /** Where it listens on 127.0.0.1. */
  port: number;
  stop(): Promise<void>;
}

const installHint = 'install it (Debian, Ubuntu: apt install pgbouncer) or run without --pooler';
const startTimeoutMs = 10_000;

/** `pgbouncer` from PATH, else from /usr/sbin, where Debian puts it outside a user's PATH. */
export async function pgbouncerBinary(searchPath = process.env.PATH ?? '', fallback = '/usr/sbin'): Promise<string> {
  const directories = [...searchPath.split(delimiter).filter(Boolean), fallback];
  for (const directory of directories) {
    const candidate = join(directory, 'pgbouncer');
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new EnvironmentError(`--pooler pgbouncer: no pgbouncer on PATH or in /usr/sbin; ${installHint}`);
}

/** A value in PgBouncer's files: quoted, with a quote doubled. */
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`;

interface Target {
  user: string;
  password: string;
  host: string;
  port: string;
  database: string;
}

function targetOf(url: string): Target {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username) || 'postgres';
  return {
    user,
    password: decodeURIComponent(parsed.password),
    // A socket directory given the libpq way (?host=/dir), as the embedded database is reached.
    host: parsed.searchParams.get('host') ?? parsed.hostname,
    port: parsed.port || '5432',
    database: decodeURIComponent(parsed.pathname.slice(1)) || user,
  };
}

/**
 * PgBouncer in transaction pooling mode on 127.0.0.1 and a free port, with its own files in a
 * directory of its own, in front of the database that `urls` (one per role) point to; stop()
 * ends it and deletes the directory. `serverConnections` is how many database connections it may
 * open per role: as many as the servers would open without it, so that only the pooling changes.
 */
export async function startPgBouncer(urls: string[], serverConnections: number, clientConnections: number): Promise<Pooler> {
  const binary = await pgbouncerBinary();
  const { stdout } = await run(binary, ['--version']);
  const version = /PgBouncer\s+(\S+)/.exec(stdout)?.[1] ?? 'unknown';
  const targets = urls.map(targetOf);
  const [first] = targets;
  if (!first) throw new Error('startPgBouncer needs a database URL');
  const port = await freePort();
  const directory = await mkdtemp(join(tmpdir(), 'evento-pgbouncer-'));
  const config = [
    '[databases]',
    // Tables are named without their schema; the pooler keeps no search_path of its clients, so every server connection sets it once.
    `${first.database} = host=${first.host} port=${first.port} dbname=${first.database} connect_query='set search_path = evento'`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    // Only this machine's loopback reaches it, for one run; the database checks the passwords.
    'auth_type = trust',
    `auth_file = ${join(directory, 'users.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${serverConnections}`,
    `max_client_conn = ${clientConnections + 100}`,
    'ignore_startup_parameters = search_path, extra_float_digits, options, client_connection_check_interval',
    '',
  ].join('\n');
  const users = targets.map((target) => `${quoted(target.user)} ${quoted(target.password)}`).join('\n');
  await writeFile(join(directory, 'pgbouncer.ini'), config);
  await writeFile(join(directory, 'users.txt'), `${users}\n`, { mode: 0o600 });
  // PgBouncer refuses to run as root: as root, it runs as the user the embedded database runs as.
  const owner = await databaseOwner();
  if (owner) {
    await chown(directory, owner.uid, owner.gid);
    await chown(join(directory, 'users.txt'), owner.uid, owner.gid);
  }
  const child = spawn(binary, [...(owner ? ['-u', 'postgres'] : []), join(directory, 'pgbouncer.ini')], {
    // Its own process group, as the servers: a terminal Ctrl-C goes to evento, which stops it last.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => child.kill('SIGTERM');
  process.once('exit', kill);
  const stop = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      kill();
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  };
  let log = '';
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), startTimeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes('listening on 127.0.0.1')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('error', (error) => {
      log += causeOf(error);
      resolve(false);
    });
    void exited.then(() => resolve(false));
  });
  if (!listening) {
    await stop();
    throw new EnvironmentError(`PgBouncer did not start: ${log.trim().split('\n').slice(-3).join(' | ') || 'no answer'}`);
  }
  const through = (target: Target) =>
    `postgres://${encodeURIComponent(target.user)}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@127.0.0.1:${port}/${encodeURIComponent(first.database)}`;
  return {
    info: { name: 'pgbouncer', version, pool_mode: 'transaction', prepared_statements: false },
    urls: targets.map(through),
    port,
    stop,
  };
}
