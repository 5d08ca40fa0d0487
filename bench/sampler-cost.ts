// What one sample of the database's waits costs, in CPU, on each side: the process that samples,
// and the PostgreSQL backend that answers it. Sessions of a made-up run stand in for the servers:
// some waiting in pg_sleep, one idle in a transaction, the rest idle; nothing else runs in the
// sampling process, so its CPU is the sampler's, and its wake-ups are not shared with the clients'
// work as they are in evento's CLI. The backend's CPU is read from /proc in 10 ms ticks, so
// PostgreSQL must run on this machine.
import { setTimeout } from 'node:timers/promises';
import { connect } from '../db/connection.js';
import { openWaitSampler } from '../harness/race/wait-sampling.js';
import { ownTicks } from './proc.js';

const applicationName = 'evento-sampler-cost';
const sessions = { sleeping: 4, idleInTransaction: 1, idle: 3 };
const microsecondsPerTick = 10_000;

/** One round's CPU per sample, µs: the sampling process's, its backend's, and both. */
export interface SamplerRound {
  samples: number;
  process: number;
  backend: number;
  all: number;
}

/**
 * `rounds` rounds of `seconds` of sampling every `intervalMs` against a made-up run, each counted
 * from a first sampling's end, once the connection is open and the statement prepared.
 */
export async function measureSamplerCost(options: {
  databaseUrl: string;
  intervalMs: number;
  seconds: number;
  rounds: number;
}): Promise<SamplerRound[]> {
  const { databaseUrl, intervalMs, seconds, rounds } = options;
  const sessionCount = sessions.sleeping + sessions.idleInTransaction + sessions.idle;
  const servers = connect(databaseUrl, sessionCount, applicationName);
  // Every connection opened, then the ones that stay busy made so.
  await Promise.all(Array.from({ length: sessionCount }, () => servers`select pg_sleep(0.05)`));
  const sleeping = Array.from({ length: sessions.sleeping }, () => servers`select pg_sleep(${seconds * rounds + 30})`.catch(() => undefined));
  const held = await Promise.all(Array.from({ length: sessions.idleInTransaction }, () => servers.reserve()));
  for (const connection of held) await connection`begin`;
  try {
    const measured: SamplerRound[] = [];
    for (let round = 0; round < rounds; round += 1) measured.push(await cpuPerSample(databaseUrl, intervalMs, seconds));
    return measured;
  } finally {
    for (const connection of held) connection.release();
    await servers.end({ timeout: 1 });
    await Promise.all(sleeping);
  }
}

async function cpuPerSample(databaseUrl: string, intervalMs: number, seconds: number): Promise<SamplerRound> {
  const sampler = openWaitSampler(databaseUrl, intervalMs);
  const lookup = connect(databaseUrl, 1, 'evento-sampler-cost-lookup');
  try {
    const opening = sampler.start(applicationName);
    await setTimeout(200);
    const [{ pid }] = await lookup<[{ pid: number }]>`select pid from pg_stat_activity where application_name = 'evento-wait-sampler'`;
    await opening.stop();
    const [cpuBefore, ticksBefore] = [process.cpuUsage(), await ownTicks(pid)];
    const sampling = sampler.start(applicationName);
    await setTimeout(seconds * 1000);
    const dbTime = await sampling.stop();
    const { user, system } = process.cpuUsage(cpuBefore);
    const backendTicks = (await ownTicks(pid)) - ticksBefore;
    if (dbTime === 'hidden') throw new Error('this database role cannot see the sessions in pg_stat_activity');
    const processMicros = (user + system) / dbTime.samples;
    const backendMicros = (backendTicks * microsecondsPerTick) / dbTime.samples;
    return { samples: dbTime.samples, process: processMicros, backend: backendMicros, all: processMicros + backendMicros };
  } finally {
    await Promise.all([sampler.close(), lookup.end({ timeout: 1 })]);
  }
}
