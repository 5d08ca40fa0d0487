import { cpus } from 'node:os';
import { seedEvent } from '../harness/workloads/event.js';
import type { Sql } from '../db/connection.js';
import { at } from '../lib/at.js';
import { runEvento, type CliOptions } from './evento-cli.js';
import type { Via } from '../harness/model/run-config.js';
import { atomicScript, readThenClaimScript, runPgbench } from './pgbench.js';
import { cpuSplit, medianCpu, reapedChildrenTicks, sampleCpu, type CpuSplit } from './proc.js';
import { groupBy, median, round2 } from './stats.js';

/** The table shape both sides run against: 4 hot rows that never sell out. */
export const hotRows = { hotels: 4, rooms: 1_000_000, maxRooms: 5 };

/** evento's flags for the hot rows, each client picking among them at random. */
export const hotRowArgs = [
  '--hotels',
  String(hotRows.hotels),
  '--rooms',
  String(hotRows.rooms),
  '--max-rooms',
  String(hotRows.maxRooms),
  '--pick',
  'random',
];

export interface CeilingOptions extends Omit<CliOptions, 'limitMs' | 'watchRss'> {
  sql: Sql;
  /** Absent: the ceiling is skipped and only evento's figures are taken. */
  pgbench?: string;
  clients: number[];
  servers: number[];
  seconds: number;
  runs: number;
  log(line: string): void;
}

/** One measurement: pgbench (servers undefined) or evento with `servers` server processes. */
export interface Sample {
  clients: number;
  servers?: number;
  /** evento's path (--via); undefined for pgbench, and for evento where only http was run. */
  via?: Via;
  rate: number;
  /** evento's rate over pgbench's in the same round; undefined for pgbench or without it. */
  ratio?: number;
  p99Ms: number;
  cpu?: CpuSplit;
  /** CPU per reservation (pgbench: per transaction) by process, µs; absent without a CPU split. */
  cpuUs?: CpuPerReservation;
  errors: number;
}

/**
 * µs of CPU per reservation: `clients` is the process running them (evento's CLI, or pgbench),
 * `servers` evento's server processes (0 on the direct path, which has none).
 */
export interface CpuPerReservation {
  clients: number;
  servers: number;
  postgres: number;
}

/** A run's CPU split (shares of all cores) as µs per reservation at `rate` reservations per second. */
export function cpuPerReservation(cpu: CpuSplit | undefined, rate: number, pgbench = false): CpuPerReservation | undefined {
  if (!cpu || rate <= 0) return undefined;
  const us = (percent: number) => Math.round(((percent / 100) * cpus().length * 1_000_000) / rate);
  return pgbench
    ? { clients: us(cpu.harness), servers: 0, postgres: us(cpu.postgres) }
    : { clients: us(cpu.cli), servers: us(cpu.harness - cpu.cli), postgres: us(cpu.postgres) };
}

/** Medians over the runs of one clients × runner combination; `errors` is the most of any run. */
export interface CeilingCell extends Sample {
  /** Every run's rate, in run order. */
  rates: number[];
}

async function pgbenchSample(options: CeilingOptions, pgbench: string, clients: number, scriptOf = atomicScript): Promise<Sample> {
  const event = await seedEvent(options.sql, hotRows.hotels, hotRows.rooms);
  const { script, variables } = await scriptOf(options.databaseUrl, event, hotRows.maxRooms);
  const before = await sampleCpu(reapedChildrenTicks, options.postgresPid);
  const run = await runPgbench(pgbench, options.databaseUrl, { script, variables, clients, seconds: options.seconds });
  const cpu = options.postgresPid ? cpuSplit(before, await sampleCpu(reapedChildrenTicks, options.postgresPid)) : undefined;
  return { clients, rate: run.tps, p99Ms: run.p99Ms, cpu, cpuUs: cpuPerReservation(cpu, run.tps, true), errors: 0 };
}

async function eventoSample(options: CeilingOptions, clients: number, servers: number, ceiling?: number, via?: Via): Promise<Sample> {
  const args = [
    '--strategy',
    'atomic',
    '--think-ms',
    '0',
    '--duration',
    `${options.seconds}s`,
    '--clients',
    String(clients),
    '--servers',
    String(servers),
    ...hotRowArgs,
    ...(via ? ['--via', via] : []),
  ];
  const run = await runEvento(args, { ...options, limitMs: options.seconds * 1000 + 60_000 });
  const { outcome, verdict } = run.result;
  if (!verdict.safe) throw new Error(`atomic was not safe in a bench run: ${verdict.label}`);
  const rate = outcome.reservations_per_s;
  return {
    clients,
    servers,
    via,
    rate,
    ratio: ceiling ? rate / ceiling : undefined,
    p99Ms: outcome.latency_ms.p99,
    cpu: run.cpu,
    cpuUs: cpuPerReservation(run.cpu, rate),
    errors: outcome.errors,
  };
}

/**
 * pgbench and evento in alternation, round after round, so that both see the same machine:
 * each round runs every client count with pgbench and then evento on each server count.
 */
export async function measureCeiling(options: CeilingOptions): Promise<CeilingCell[]> {
  const samples: Sample[] = [];
  for (let round = 1; round <= options.runs; round += 1) {
    for (const clients of options.clients) {
      let ceiling: number | undefined;
      if (options.pgbench) {
        const sample = await pgbenchSample(options, options.pgbench, clients);
        options.log(`round ${round}: pgbench ${clients} clients: ${sample.rate} tps`);
        samples.push(sample);
        ceiling = sample.rate;
      }
      for (const servers of options.servers) {
        const sample = await eventoSample(options, clients, servers, ceiling);
        const ratio = sample.ratio !== undefined ? ` (${sample.ratio.toFixed(2)}× pgbench)` : '';
        options.log(`round ${round}: evento ${clients} clients, ${servers} server(s): ${sample.rate} reservations/s${ratio}`);
        samples.push(sample);
      }
    }
  }
  return cellsOf(samples);
}

/** Each process's median over the runs that have a figure. */
function medianCpuUs(runs: (CpuPerReservation | undefined)[]): CpuPerReservation | undefined {
  const known = runs.filter((run) => run !== undefined);
  if (known.length === 0) return undefined;
  const of = (part: keyof CpuPerReservation) => Math.round(median(known.map((run) => run[part])));
  return { clients: of('clients'), servers: of('servers'), postgres: of('postgres') };
}

/** Medians over the runs of each clients × runner combination, in the order they first ran. */
function cellsOf(samples: Sample[]): CeilingCell[] {
  return groupBy(samples, (sample) => `${sample.clients}/${String(sample.servers)}/${String(sample.via)}`).map((group) => ({
    clients: at(group, 0).clients,
    servers: at(group, 0).servers,
    via: at(group, 0).via,
    rate: Math.round(median(group.map((sample) => sample.rate))),
    ratio: at(group, 0).ratio === undefined ? undefined : round2(median(group.map((sample) => sample.ratio).filter((ratio) => ratio !== undefined))),
    p99Ms: median(group.map((sample) => sample.p99Ms)),
    cpu: medianCpu(group.map((sample) => sample.cpu)),
    cpuUs: medianCpuUs(group.map((sample) => sample.cpuUs)),
    rates: group.map((sample) => sample.rate),
    errors: Math.max(...group.map((sample) => sample.errors)),
  }));
}

/**
 * evento's atomic through its servers (--via http) and called in its own process (--via direct)
 * on `servers` pools, against pgbench running the two statements its clients cause per
 * reservation (the availability read, then the claim), in alternation round after round: the
 * app tier's share is the gap between the two paths, the harness's the gap to pgbench.
 */
export async function measurePaths(options: Omit<CeilingOptions, 'servers'> & { servers: number }): Promise<CeilingCell[]> {
  const samples: Sample[] = [];
  for (let round = 1; round <= options.runs; round += 1) {
    for (const clients of options.clients) {
      let ceiling: number | undefined;
      if (options.pgbench) {
        const sample = await pgbenchSample({ ...options, servers: [options.servers] }, options.pgbench, clients, readThenClaimScript);
        options.log(`round ${round}: pgbench read then claim, ${clients} clients: ${sample.rate} tps`);
        samples.push(sample);
        ceiling = sample.rate;
      }
      for (const via of ['http', 'direct'] as const) {
        const sample = await eventoSample({ ...options, servers: [options.servers] }, clients, options.servers, ceiling, via);
        const ratio = sample.ratio !== undefined ? ` (${sample.ratio.toFixed(2)}× pgbench)` : '';
        options.log(`round ${round}: evento via ${via}, ${clients} clients: ${sample.rate} reservations/s${ratio}`);
        samples.push(sample);
      }
    }
  }
  return cellsOf(samples);
}
