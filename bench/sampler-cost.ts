// `node dist/bench/sampler-cost.js`: what one sample of the database's waits costs, in CPU, on
// each side: the process that samples, and the PostgreSQL backend that answers it. Sessions of a
// made-up run stand in for the servers: some waiting in pg_sleep, one idle in a transaction, the
// rest idle; nothing else runs in this process, so its CPU is the sampler's. The backend's CPU is
// read from /proc in 10 ms ticks, so PostgreSQL must run on this machine.
import { setTimeout } from 'node:timers/promises';
import { connect } from '../db/connection.js';
import { openDatabase } from '../harness/database/database.js';
import { median } from '../harness/analysis/stats.js';
import { openWaitSampler } from '../harness/race/wait-sampling.js';
import { ownTicks } from './proc.js';

const applicationName = 'evento-sampler-cost';
const sessions = { sleeping: 4, idleInTransaction: 1, idle: 3 };
const seconds = 4;
const rounds = 5;
const intervalsMs = [1, 10];
const microsecondsPerTick = 10_000;

const database = await openDatabase();
const sessionCount = sessions.sleeping + sessions.idleInTransaction + sessions.idle;
const servers = connect(database.url, sessionCount, applicationName);
// Every connection opened, then the ones that stay busy made so.
await Promise.all(Array.from({ length: sessionCount }, () => servers`select pg_sleep(0.05)`));
const sleeping = Array.from({ length: sessions.sleeping }, () =>
  servers`select pg_sleep(${seconds * rounds * intervalsMs.length + 30})`.catch(() => undefined),
);
const held = await Promise.all(Array.from({ length: sessions.idleInTransaction }, () => servers.reserve()));
for (const connection of held) await connection`begin`;

/**
 * CPU µs per sample over `seconds` of sampling every `intervalMs`: this process's and the sampler
 * backend's, counted from a first sampling's end, once the connection is open and the statement prepared.
 */
async function cpuPerSample(intervalMs: number) {
  const sampler = openWaitSampler(database.url, intervalMs);
  const opening = sampler.start(applicationName);
  await setTimeout(200);
  const [{ pid }] = await database.sql<[{ pid: number }]>`select pid from pg_stat_activity where application_name = 'evento-wait-sampler'`;
  await opening.stop();
  const [cpuBefore, ticksBefore] = [process.cpuUsage(), await ownTicks(pid)];
  const sampling = sampler.start(applicationName);
  await setTimeout(seconds * 1000);
  const dbTime = await sampling.stop();
  const { user, system } = process.cpuUsage(cpuBefore);
  const backendTicks = (await ownTicks(pid)) - ticksBefore;
  await sampler.close();
  if (dbTime === 'hidden') throw new Error('this database role cannot see the sessions in pg_stat_activity');
  return { samples: dbTime.samples, process: (user + system) / dbTime.samples, backend: (backendTicks * microsecondsPerTick) / dbTime.samples };
}

for (const intervalMs of intervalsMs) {
  const runs = [];
  for (let round = 0; round < rounds; round += 1) runs.push(await cpuPerSample(intervalMs));
  process.stdout.write(
    `sampler cost at --sample-ms ${intervalMs}, ${rounds} rounds of ${seconds} s: ${median(runs.map((run) => run.samples))} samples a round; ` +
      `CPU µs per sample: sampling process ${median(runs.map((run) => run.process)).toFixed(1)}, its PostgreSQL backend ${median(runs.map((run) => run.backend)).toFixed(1)}\n`,
  );
}
for (const connection of held) connection.release();
await servers.end({ timeout: 1 });
await Promise.all(sleeping);
await database.close();
