import { fork } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { poolSizeFor } from '../cmd/flags/options.js';
import type { Sql } from '../db/connection.js';
import { seedEvent } from '../harness/workloads/event.js';
import { startServers } from '../harness/race/servers.js';
import { at } from '../lib/at.js';
import type { CannonadeJob } from './autocannon-run.js';
import { hotRowArgs, hotRows } from './ceiling.js';
import { serverProfileParts, summarizeCpuProfile } from './cpu-profile.js';
import { runEvento, type CliOptions } from './evento-cli.js';
import { groupBy, median, round2 } from './stats.js';

/** Connections of every server process on both sides: the default of one server, stated. */
export const loadgenPoolSize = poolSizeFor(1);
/** Before each measured run, as `evento run` warms its processes up (its default `--warmup`). */
const warmupSeconds = 2;
/** The share of the run's span, at each end, left out of the rate: the ramp-up and the stop. */
const trimmedShare = 0.1;

export type Generator = 'evento' | 'autocannon';

export interface LoadgenSample {
  generator: Generator;
  connections: number;
  round: number;
  /** Reservations written within the measured interval, counted in the database. */
  reservations: number;
  seconds: number;
  rate: number;
  /** Failed requests (network, timeouts, 5xx; autocannon: and any other non-2xx). */
  errors: number;
}

export interface LoadgenCell {
  connections: number;
  /** Medians over the rounds, reservations/s from the database. */
  evento: number;
  autocannon: number;
  /** Median over the rounds of evento ÷ autocannon, both run back to back in each round. */
  ratio: number;
  rounds: { evento: number; autocannon: number }[];
  /** The most of any run, each side. */
  errors: { evento: number; autocannon: number };
}

export interface LoadgenOptions extends Omit<CliOptions, 'limitMs' | 'watchRss'> {
  sql: Sql;
  connections: number[];
  seconds: number;
  runs: number;
  log(line: string): void;
}

/**
 * Reservations per second of one event as the database saw them: the rows created between its
 * first and last reservation, less `trimmedShare` of that span at each end, over what is left.
 */
async function databaseRate(sql: Sql, eventId: string) {
  const [row] = await sql<[{ reservations: number; seconds: number }?]>`
    with made as (
      select r.created_at from evento.reservations r
      join evento.event_hotel_rooms h on h.id = r.event_hotel_rooms_id
      where h.event_id = ${eventId}
    ), span as (
      select min(created_at) + (max(created_at) - min(created_at)) * ${trimmedShare} as lo,
             max(created_at) - (max(created_at) - min(created_at)) * ${trimmedShare} as hi
      from made
    )
    select count(*) filter (where created_at >= lo and created_at < hi)::int as reservations,
           coalesce(extract(epoch from hi - lo), 0)::float8 as seconds
    from made, span group by lo, hi`;
  const reservations = row?.reservations ?? 0;
  const seconds = row?.seconds ?? 0;
  return { reservations, seconds, rate: seconds > 0 ? Math.round(reservations / seconds) : 0 };
}

const limitMs = (seconds: number) => (seconds + warmupSeconds) * 1000 + 60_000;

const autocannonEntry = fileURLToPath(new URL('./autocannon-run.js', import.meta.url));

/** autocannon's warm-up and measured run in a fresh process; the failed requests of the measured run. */
function runAutocannon(job: CannonadeJob): Promise<number> {
  const child = fork(autocannonEntry, [JSON.stringify(job)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs(job.seconds));
  return new Promise<number>((resolve, reject) => {
    let errors: number | undefined;
    child.once('message', (message: { errors: number }) => (errors = message.errors));
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      if (errors === undefined) reject(new Error(`autocannon's process exited with ${signal ?? `code ${String(code)}`} before its result`));
      else resolve(errors);
    });
  });
}

async function autocannonSample(options: LoadgenOptions, url: string, connections: number) {
  const warmup = await seedEvent(options.sql, hotRows.hotels, hotRows.rooms, `evento bench autocannon warm-up ${new Date().toISOString()}`);
  const event = await seedEvent(options.sql, hotRows.hotels, hotRows.rooms, `evento bench autocannon ${new Date().toISOString()}`);
  const errors = await runAutocannon({
    url,
    warmupEventId: warmup.event_id,
    warmupSeconds,
    eventId: event.event_id,
    seconds: options.seconds,
    connections,
    maxRooms: hotRows.maxRooms,
  });
  return { ...(await databaseRate(options.sql, event.event_id)), errors };
}

/** `evento run` as the evento side of a round: atomic, think 0, one server of the fixed pool size. */
function eventoArgs(seconds: number, connections: number) {
  return [
    '--strategy',
    'atomic',
    '--think-ms',
    '0',
    '--duration',
    `${seconds}s`,
    '--warmup',
    `${warmupSeconds}s`,
    '--clients',
    String(connections),
    '--servers',
    '1',
    '--pool-size',
    String(loadgenPoolSize),
    ...hotRowArgs,
  ];
}

async function eventoSample(options: Omit<LoadgenOptions, 'connections' | 'runs'>, connections: number) {
  const { result } = await runEvento(eventoArgs(options.seconds, connections), { ...options, limitMs: limitMs(options.seconds) });
  if (!result.verdict.safe) throw new Error(`atomic was not safe in a bench run: ${result.verdict.label}`);
  return { ...(await databaseRate(options.sql, result.event_id)), errors: result.outcome.errors };
}

/**
 * One more evento run under `node --cpu-prof`: where the CLI running the clients spends its
 * time, summarized to its `top` functions and origins by self time.
 */
export async function profileClients(options: Omit<LoadgenOptions, 'connections' | 'runs'>, connections: number, top: number) {
  const dir = await mkdtemp(join(tmpdir(), 'evento-bench-profile-'));
  try {
    const { result } = await runEvento(eventoArgs(options.seconds, connections), {
      ...options,
      limitMs: limitMs(options.seconds),
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
    });
    const [file] = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('node --cpu-prof wrote no profile');
    return { connections, reservations: result.outcome.reservations, ...(await summarizeCpuProfile(join(dir, file), top)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One more evento run with its server under `node --cpu-prof`: its busy time by part
 * (postgres.js, the replies, evento's routes, node:http, GC, the rest), what is left per request.
 */
export async function profileServer(options: Omit<LoadgenOptions, 'connections' | 'runs'>, connections: number) {
  const dir = await mkdtemp(join(tmpdir(), 'evento-bench-server-profile-'));
  try {
    const { result } = await runEvento(eventoArgs(options.seconds, connections), {
      ...options,
      limitMs: limitMs(options.seconds),
      env: { EVENTO_SERVER_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${dir}` },
    });
    const [file] = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('the server wrote no profile under node --cpu-prof');
    return { connections, reservations: result.outcome.reservations, ...(await serverProfileParts(join(dir, file))) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * evento's clients and autocannon driving one server each of the same pool size, with the same
 * two requests, back to back in each round and in alternating order; both counted from the tables.
 */
export async function measureLoadgen(options: LoadgenOptions): Promise<{ cells: LoadgenCell[]; samples: LoadgenSample[] }> {
  const samples: LoadgenSample[] = [];
  for (let round = 1; round <= options.runs; round += 1) {
    for (const connections of options.connections) {
      const order: Generator[] = round % 2 === 1 ? ['evento', 'autocannon'] : ['autocannon', 'evento'];
      for (const generator of order) {
        let measured;
        if (generator === 'evento') measured = await eventoSample(options, connections);
        else {
          const fleet = await startServers(1, options.databaseUrl, loadgenPoolSize);
          try {
            measured = await autocannonSample(options, at(fleet.urls, 0), connections);
          } finally {
            await fleet.stop();
          }
        }
        options.log(
          `loadgen round ${round}: ${generator} at ${connections} connections: ${measured.rate} reservations/s (${measured.reservations} in ${measured.seconds.toFixed(1)} s), ${measured.errors} errors`,
        );
        samples.push({ generator, connections, round, ...measured });
      }
    }
  }
  const cells = groupBy(samples, (sample) => String(sample.connections)).map((group) => {
    const rounds = groupBy(group, (sample) => String(sample.round)).map((pair) => ({
      evento: pair.find((sample) => sample.generator === 'evento')?.rate ?? 0,
      autocannon: pair.find((sample) => sample.generator === 'autocannon')?.rate ?? 0,
    }));
    return {
      connections: at(group, 0).connections,
      evento: median(rounds.map((r) => r.evento)),
      autocannon: median(rounds.map((r) => r.autocannon)),
      ratio: round2(median(rounds.map((r) => (r.autocannon > 0 ? r.evento / r.autocannon : 0)))),
      rounds,
      errors: {
        evento: Math.max(...group.filter((sample) => sample.generator === 'evento').map((sample) => sample.errors)),
        autocannon: Math.max(...group.filter((sample) => sample.generator === 'autocannon').map((sample) => sample.errors)),
      },
    };
  });
  return { cells, samples };
}
