import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
export { randomUUID };
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import type { ListedHotel } from '../client-sim/replies.js';
import { exitCodeOf } from '../cmd/exit-codes.js';
import { parseArguments } from '../cmd/program.js';
import { readResultFile, readResultsIn } from '../harness/results/results-file.js';
import { openDatabase, type Database } from '../harness/database/database.js';
import { prepareRace, runRace, trialOrder, type RaceOptions, type RaceOutcome, type RaceRun } from '../harness/race/race.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { workloadSettings, type WorkloadSettingsInput } from '../harness/model/workload-settings.js';
import type { ReservationView } from '../strategies/hold-lifecycle.js';
import { findStrategy } from '../strategies/registry.js';
import type { Strategy, StrategyInfo } from '../strategies/types.js';
import { createApp, type AppOptions } from '../server/app.js';
import { connect, type Sql } from '../db/connection.js';
import { listen } from '../server/listen.js';

export const cliPath = fileURLToPath(new URL('../../bin/evento.js', import.meta.url));

/** One database per test file: DATABASE_URL when set, else an embedded one stopped at teardown. */
export async function useDatabase(t: Test): Promise<Database> {
  const database = await openDatabase();
  t.teardown(() => database.close());
  return database;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Every process of this invocation carries this tag in its environment. */
  tag: string;
}

/**
 * Runs `evento …` as a user would. `onStderr` sees the progress output as it comes, e.g. to
 * interrupt the run; the whole run is killed if it outlives `timeoutMs`.
 */
export function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    /** Another installation's bin/evento.js. */
    cliPath?: string;
    timeoutMs?: number;
    tag?: string;
    onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
    /** When this test fails, its output says how to replay the run: the command and its seed. */
    replayIn?: Test;
    /** Where the command runs, for files it writes where it stands. */
    cwd?: string;
  } = {},
): Promise<CliRun> {
  const tag = options.tag ?? randomUUID();
  options.replayIn?.teardown(() => {
    if (options.replayIn?.passing() === false) options.replayIn.comment(`replay: ${replayCommand(args, stderr)}`);
  });
  const child = spawn(process.execPath, [options.cliPath ?? cliPath, ...args], {
    // A test's runs stay out of the summary of a GitHub Actions job that runs the tests.
    env: { ...process.env, CI: 'true', GITHUB_STEP_SUMMARY: '', ...options.env, EVENTO_TEST_TAG: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onStderr?.(stderr, child);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, tag });
    });
  });
}

/** The command line that replays a CLI run: its arguments, and the seed it printed when it chose one. */
export function replayCommand(args: string[], stderr: string): string {
  const seed = /, seed (\d+)$/m.exec(stderr)?.[1];
  const seeded = seed === undefined || args.includes('--seed') ? args : [...args, '--seed', seed];
  return `evento ${seeded.join(' ')}`;
}

/** When the test fails, its output names the seed and parameters that replay the race. */
function replayRaceIn(t: Test, options: RaceOptions) {
  t.teardown(() => {
    if (t.passing()) return;
    const runs = options.runs
      .map(({ settings, strategy, seed }) => `${JSON.stringify(settings)}:${strategy.name}${seed === undefined ? '' : ` (seed ${seed})`}`)
      .join(', ');
    t.comment(`replay: runRace of ${runs} with seed ${options.config.seed} and ${JSON.stringify(options.config)}`);
  });
}

/** Runs a race in this process; when the test fails, its output names the seed and parameters to replay it. */
export function raceIn(t: Test, options: RaceOptions): ReturnType<typeof runRace> {
  replayRaceIn(t, options);
  return runRace(options);
}

/** A race on servers a file shares. */
export type SharedRace = (t: Test, runs: RaceRun[]) => Promise<RaceOutcome>;

/**
 * Servers started once for a file's races of one setting, stopped at the file's end: each race
 * runs its runs on them as raceIn would (a fresh event each), without paying for servers of its own.
 */
export async function sharedServers(t: Test, options: RaceOptions): Promise<SharedRace> {
  const prepared = await prepareRace(options);
  t.teardown(() => prepared.close());
  await prepared.warmUp();
  return async (t: Test, runs: RaceRun[]): Promise<RaceOutcome> => {
    replayRaceIn(t, { ...options, runs });
    const results: StrategyResult[] = [];
    for (const { run, trial } of trialOrder(runs, 1, options.config.seed)) {
      const { result, stoppedBy } = await prepared.runTrial(run, trial);
      results.push(result);
      if (stoppedBy === 'timeout' || stoppedBy === 'interrupted') return { results, stoppedBy };
    }
    return { results, stoppedBy: 'done' };
  };
}

/** PIDs of live processes whose environment holds the tag (servers and postgres inherit it). */
export async function processesTagged(tag: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const status = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // A zombie waiting to be reaped is gone already.
    if (environ.includes(`EVENTO_TEST_TAG=${tag}`) && !status.includes(') Z ')) pids.push(Number(entry));
  }
  return pids;
}

/** Waits up to `ms` for the tagged processes to be gone; returns those still alive. */
export async function tagGone(tag: string, ms = 5_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = await processesTagged(tag);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The fields of the server's JSON objects, every route's together: a reply carries those of its route. */
export interface ReplyBody {
  error?: string;
  detail?: string;
  reason?: string;
  retryable?: boolean;
  /** A refused transition's current status. */
  status?: string;
  /** A 422: the rooms left. */
  available?: number;
  /** An unknown strategy: the known ones. */
  strategies?: string[];
  reservation?: ReservationView;
  booking?: BookingJson;
}

/** A slot booking as the server sends it: in a reply's `booking`, and as a line of GET /slots. */
export interface BookingJson {
  resource_id: string;
  user_id: string;
  start: string;
  end: string;
  status: string;
}

export interface AppReply {
  status: number;
  /** The body parsed, when it was JSON. */
  json: unknown;
  /** The body's fields when it is a JSON object; none otherwise, so that a field's check fails. */
  body: ReplyBody;
  text: string;
  headers: Headers;
}

/** A field the test needs the reply to carry (its reservation, say); a reply without it fails the test here, with what it was. */
export function fieldOf<K extends keyof ReplyBody>(reply: AppReply, key: K): NonNullable<ReplyBody[K]> {
  const value = reply.body[key];
  if (value === undefined) throw new Error(`no ${key} in a ${reply.status} reply: ${reply.text}`);
  return value;
}

/** GET /{event}/available's hotels; none when the reply is not a list. */
export const listingOf = (reply: AppReply): ListedHotel[] => (Array.isArray(reply.json) ? (reply.json as ListedHotel[]) : []);

/** One of an outcome's counts by kind, which the test expects to be there. */
export function countOf(outcome: Pick<StrategyResult['outcome'], 'counts'>, kind: string): number {
  const count = outcome.counts[kind];
  if (count === undefined) throw new Error(`no ${kind} among the counts: ${Object.keys(outcome.counts).join(', ')}`);
  return count;
}

/** A result file, or what `run --json` wrote: one run, read as every command reads it. */
export const readResult = readResultFile;

/** What `race --json` wrote: every run, in order. */
export const readResults = readResultsIn;

/** Time to a reservation, which every result written since format 2 has. */
export function waitOf(outcome: Pick<StrategyResult['outcome'], 'time_to_reservation_ms'>) {
  if (!outcome.time_to_reservation_ms) throw new Error('no time_to_reservation_ms in a result written today');
  return outcome.time_to_reservation_ms;
}

/**
 * The app in this process on 127.0.0.1:0, with its own pool. `call` sends an object as JSON, or a
 * string as it is (malformed bodies included), and parses the answer when it is JSON.
 */
export async function serveApp(t: Test, databaseUrl: string, options: AppOptions = {}) {
  const sql = connect(databaseUrl, 4);
  const { server, port } = await listen(createApp(sql, options), '127.0.0.1', 0);
  t.teardown(async () => {
    server.closeAllConnections();
    server.close();
    await sql.end({ timeout: 1 });
  });
  async function call(method: string, path: string, body?: object | string, contentType = 'application/json'): Promise<AppReply> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': contentType },
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const fields = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as ReplyBody) : {};
    return { status: response.status, json, body: fields, text, headers: response.headers };
  }
  return { call, sql, port };
}

/** The contended room scenario of the issue: 100 clients on 2 servers fight for 2 hotels × 20 rooms. */
export const contendedRace = {
  config: {
    clients: 100,
    servers: 2,
    hotels: 2,
    rooms: 20,
    maxRooms: 5,
    thinkMs: { min: 0, max: 0, text: '0' },
    seed: 7,
    pick: 'first',
    inFlight: 256,
    poolSize: 8,
    timeoutMs: 300_000,
  },
} satisfies Omit<RaceOptions, 'runs'>;

/** The room strategy of that name; a name the registry does not know fails the test here. */
export function strategyNamed(name: string): Strategy {
  const strategy = findStrategy(name);
  if (!strategy) throw new Error(`no room strategy is named ${name}`);
  return strategy;
}

/** A run of `strategy` under the workload `settings` name, their defaults filled in. */
export const runOf = (settings: WorkloadSettingsInput, strategy: StrategyInfo, more: Pick<RaceRun, 'via' | 'seed'> = {}): RaceRun => ({
  settings: workloadSettings(settings),
  strategy,
  ...more,
});

/** Runs of the rooms workload, one per strategy, in order. */
export const roomRuns = (strategies: readonly StrategyInfo[]): RaceRun[] => strategies.map((strategy) => runOf({ workload: 'rooms' }, strategy));

/** What `evento <args>` answers, parsed in this process as the CLI parses it: the exit code and what it wrote to stderr. */
export async function parsedCli(args: string[]) {
  let stderr = '';
  const writeErr = (text: string) => {
    stderr += text;
  };
  try {
    await parseArguments(['node', 'evento', ...args], writeErr);
    return { code: 0, stderr };
  } catch (error) {
    return { code: exitCodeOf(error, writeErr), stderr };
  }
}

/** The one-statement claim as a project's module writes it without evento's helpers: `row` is the reservation it made, if any. */
export const claimStatement = (sql = 'sql') => `const [row] = await ${sql}\`
    with claimed as (
      update event_hotel_rooms set reserved = reserved + \${rooms}, version = version + 1, updated_at = now()
      where event_id = \${eventId} and hotel_id = \${hotelId} and contracted - (reserved + locked) >= \${rooms}
      returning id
    )
    insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
    select gen_random_uuid(), id, \${email}, \${rooms}, 'CONFIRMED', \${requestId}, now() from claimed
    returning id
  \`;`;

/** A transaction of another client, beside a race: what it holds, and how it lets go. */
export interface OtherTransaction<Held> {
  /** Takes the locks, inside the transaction. */
  take(tx: Sql): Promise<Held>;
  /** Whether it may let go: asked every 20 ms, for 20 s at most. */
  until(held: Held): Promise<boolean>;
  /** How long it still holds on once `until` said so. */
  lingerMs?: number;
  end: 'commit' | 'rollback';
}

/** Runs `other` on a connection of its own: `locked` once it holds its locks, `done` once it let go. */
export function holdInAnotherTransaction<Held>(sql: Sql, other: OtherTransaction<Held>) {
  let lockTaken: () => void = () => undefined;
  const locked = new Promise<void>((resolve) => (lockTaken = resolve));
  const done = (async () => {
    const connection = await sql.reserve();
    try {
      await connection`begin`;
      const held = await other.take(connection);
      lockTaken();
      for (let waited = 0; waited < 20_000 && !(await other.until(held)); waited += 20) await sleep(20);
      await sleep(other.lingerMs ?? 0);
      await connection.unsafe(other.end);
    } finally {
      lockTaken();
      connection.release();
    }
  })();
  return { locked, done };
}
