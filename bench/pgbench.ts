import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { SeededEvent } from '../harness/model/seeded-event.js';
import { postgresTarget, type Sql } from '../db/connection.js';
import { at } from '../lib/at.js';
import { atomic } from '../strategies/atomic.js';
import { listAvailable } from '../strategies/rooms.js';

/** pgbench as the ceiling: PostgreSQL running the atomic strategy's statement with no HTTP in between. */

const run = promisify(execFile);

const isExecutable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

/** pgbench on PATH, else the newest /usr/lib/postgresql/<version>/bin/pgbench; undefined if none. */
export async function findPgbench(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (await isExecutable(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  }
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const path = `/usr/lib/postgresql/${version}/bin/pgbench`;
    if (await isExecutable(path)) return path;
  }
  return undefined;
}

// Values no real request carries, so each parameter of the captured statement maps to one field.
const probeRooms = 987;
const probeEmail = 'pgbench@evento.test';

interface Statement {
  /** The statement for one hotel's variable, e.g. `:hotel_1`. */
  text(hotelVariable: string): string;
  /** Whether it names a hotel, so that the script picks one per transaction. */
  perHotel: boolean;
  /** Values of the statement's constant parameters (a status, …), as pgbench variables. */
  constants: Record<string, string>;
}

/**
 * The one statement `call` sends, as it reaches PostgreSQL, captured from one real call, with its
 * parameters turned into pgbench variables (`prefix` names its constants). pgbench has no null
 * variable: a null parameter (the request_id the Evento client does not send) becomes the literal null.
 */
async function capturedStatement(
  url: string,
  event: SeededEvent,
  prefix: string,
  call: (sql: Sql, hotelId: string) => Promise<unknown>,
): Promise<Statement> {
  const captured: { query: string; parameters: unknown[] }[] = [];
  const target = postgresTarget(url);
  const sql = postgres(target.url, {
    path: target.path,
    max: 1,
    // Notices (a schema statement's `if not exists` that skipped, say) are not for the user.
    onnotice: () => undefined,
    connection: { search_path: 'evento' },
    // Otherwise the first query on the connection is a catalog lookup of array types.
    fetch_types: false,
    debug: (_connection, query, parameters) => captured.push({ query, parameters }),
  });
  try {
    const hotelId = at(event.hotels, 0).hotel_id;
    await call(sql, hotelId);
    // postgres.js reports a statement when it describes it and again when it runs it.
    const statements = new Set(captured.map(({ query }) => query));
    if (statements.size !== 1) throw new Error(`expected one statement, saw ${statements.size}`);
    const { query, parameters } = at(captured, 0);
    const constants: Record<string, string> = {};
    // What each $n becomes; the hotel's variable differs per branch of the script.
    const names = parameters.map((value, index) => {
      if (value === event.event_id) return ':event_id';
      if (value === hotelId) return undefined;
      if (String(value) === String(probeRooms)) return ':rooms';
      if (value === probeEmail) return ':email';
      if (value === null) return 'null';
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new Error(`parameter $${index + 1} is a ${typeof value}, which pgbench cannot take as a variable`);
      constants[`${prefix}${index + 1}`] = String(value);
      return `:${prefix}${index + 1}`;
    });
    const oneLine = query.replace(/\s+/g, ' ').trim();
    const text = (hotel: string) => `${oneLine.replace(/\$([0-9]+)/g, (_, n: string) => names[Number(n) - 1] ?? hotel)};`;
    return { text, perHotel: names.includes(undefined), constants };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** The atomic strategy's claim: the one statement of a reservation that takes the rooms. */
const atomicClaim = (url: string, event: SeededEvent) =>
  capturedStatement(url, event, 'p', async (sql, hotelId) => {
    const outcome = await atomic.reserve(sql, { eventId: event.event_id, hotelId, rooms: probeRooms, email: probeEmail, requestId: null });
    if (outcome.status !== 'reserved') throw new Error(`the atomic strategy's probe claim was ${outcome.status}`);
  });

/** The availability read every client sends before it claims (GET /{event}/available). */
const availabilityRead = (url: string, event: SeededEvent) =>
  capturedStatement(url, event, 'r', async (sql) => {
    if (!(await listAvailable(sql, event.event_id))?.length) throw new Error('the availability probe listed no hotel');
  });

/**
 * A custom script of `statements`, in order, per transaction: 1..maxRooms rooms at one of the
 * event's hotels, chosen at random per transaction, for those that name a hotel.
 */
function scriptOf(statements: Statement[], event: SeededEvent, maxRooms: number): { script: string; variables: Record<string, string> } {
  const lines = [`\\set rooms random(1, ${maxRooms})`, `\\set hotel random(1, ${event.hotels.length})`];
  for (const statement of statements) {
    if (!statement.perHotel) {
      lines.push(statement.text(''));
      continue;
    }
    event.hotels.forEach((_, index) => {
      lines.push(`${index === 0 ? '\\if' : '\\elif'} :hotel = ${index + 1}`, statement.text(`:hotel_${index + 1}`));
    });
    lines.push('\\endif');
  }
  const variables: Record<string, string> = { event_id: event.event_id, email: probeEmail };
  for (const statement of statements) Object.assign(variables, statement.constants);
  event.hotels.forEach((hotel, index) => (variables[`hotel_${index + 1}`] = hotel.hotel_id));
  return { script: `${lines.join('\n')}\n`, variables };
}

/** A custom script of the atomic strategy's claim alone. */
export async function atomicScript(url: string, event: SeededEvent, maxRooms: number) {
  return scriptOf([await atomicClaim(url, event)], event, maxRooms);
}

/** What evento's clients send per reservation, as pgbench runs it: the availability read, then the atomic claim. */
export async function readThenClaimScript(url: string, event: SeededEvent, maxRooms: number) {
  return scriptOf([await availabilityRead(url, event), await atomicClaim(url, event)], event, maxRooms);
}

export interface PgbenchResult {
  tps: number;
  transactions: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number) {
  return sorted.length === 0 ? 0 : at(sorted, Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length)));
}

/** One pgbench run of `script` with prepared statements; latency from its per-transaction log. */
export async function runPgbench(
  pgbench: string,
  url: string,
  options: { script: string; variables: Record<string, string>; clients: number; seconds: number },
): Promise<PgbenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'evento-pgbench-'));
  try {
    const scriptFile = join(dir, 'atomic.sql');
    await writeFile(scriptFile, options.script);
    const threads = Math.min(options.clients, cpus().length);
    const args = ['-n', '-M', 'prepared', '-c', String(options.clients), '-j', String(threads), '-T', String(options.seconds)];
    for (const [name, value] of Object.entries(options.variables)) args.push('-D', `${name}=${value}`);
    args.push('-f', scriptFile, '-l', '--log-prefix', join(dir, 'log'), url);
    const { stdout } = await run(pgbench, args, {
      env: { ...process.env, PGOPTIONS: '-c search_path=evento' },
      timeout: (options.seconds + 60) * 1000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tps = Number(/^tps = ([0-9.]+)/m.exec(stdout)?.[1]);
    const transactions = Number(/number of transactions actually processed: ([0-9]+)/.exec(stdout)?.[1]);
    const failed = Number(/number of failed transactions: ([0-9]+)/.exec(stdout)?.[1] ?? 0);
    if (!Number.isFinite(tps) || failed > 0) throw new Error(`pgbench: ${failed} failed transactions or no tps in:\n${stdout}`);
    // Log lines: client_id transaction_no latency_us script_no epoch epoch_us.
    const latencies: number[] = [];
    for (const file of (await readdir(dir)).filter((name) => name.startsWith('log'))) {
      for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
        const latency = Number(line.split(' ')[2]);
        if (line && Number.isFinite(latency)) latencies.push(latency);
      }
    }
    latencies.sort((a, b) => a - b);
    return { tps: Math.round(tps), transactions, p99Ms: Math.round(percentile(latencies, 99) / 10) / 100 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
