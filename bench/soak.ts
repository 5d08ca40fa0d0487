// `npm run soak`: the contended room scenario of test/contention.test.ts, many times over for every
// strategy that promises safety, each run with a random seed and a random number of servers.
// With --chaos, faults hit every run and the holds workload joins in; with --duration, rounds of
// runs go on until the time is up, and the servers' memory is sampled each minute. Prints the
// totals and, for any run that was not SAFE or did not sell out, the command that replays it.
import Table from 'cli-table3';
import { Command, Option } from '@commander-js/extra-typings';
import { randomInt } from 'node:crypto';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import pidusage from 'pidusage';
import { chaosConfig, chaosEveryOption, chaosLatencyOption, chaosList } from '../cmd/flags/chaos-options.js';
import { duration, integer } from '../cmd/flags/options.js';
import { formatThousands } from '../cmd/output/report-table.js';
import { openDatabase } from '../harness/database/database.js';
import { chaosFaults } from '../harness/model/faults.js';
import { runRace, type RaceRun } from '../harness/race/race.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import type { RunConfig } from '../harness/model/run-config.js';
import { runLabel, type WorkloadName } from '../harness/model/workload.js';
import { workloadSettings } from '../harness/model/workload-settings.js';
import { findStrategy, strategies, strategyNames } from '../strategies/registry.js';

const safeNames = strategies.filter((strategy) => strategy.promisesSafety).map((strategy) => strategy.name);

const program = new Command('soak')
  .description('contended runs of every safe strategy, random seeds and server counts; exit 1 if any overbooked, drifted or did not sell out')
  .addOption(new Option('--runs <n>', 'runs per strategy (and workload, with --chaos)').argParser(integer(1, 100_000)).default(200))
  .addOption(new Option('--max-servers <n>', 'each run has 1 to n server processes').argParser(integer(1, 16)).default(4))
  .addOption(
    new Option('--strategies <list>', 'comma-separated room strategies (an unsafe one shows what a failing run looks like)')
      .argParser((value) => value.split(',').map((name) => name.trim()))
      .default(safeNames, safeNames.join(',')),
  )
  .addOption(new Option('--seed <x>', "seed of the soak's own draws (run seeds, server counts); default random").argParser(integer(0, 2 ** 31 - 1)))
  .addOption(
    new Option('--chaos [faults]', `inject faults into every run (default all: ${chaosFaults.join(', ')}) and add the holds workload`).argParser(
      chaosList,
    ),
  )
  .addOption(chaosEveryOption())
  .addOption(chaosLatencyOption())
  .addOption(
    new Option('--duration <time>', 'go on in rounds (one run per strategy and workload) until this time is up; replaces --runs').argParser(duration),
  );

/** The soak's mean time between kills, unless --chaos-every says otherwise. */
const soakEveryMs = 5_000;

program.parse();
const flags = program.opts();
const chosen = flags.strategies.flatMap((name) => findStrategy(name) ?? []);
if (chosen.length < flags.strategies.length) program.error(`error: --strategies takes room strategies: ${strategyNames.join(', ')}`, { exitCode: 2 });
const faults = flags.chaos === true ? [...chaosFaults] : flags.chaos;
const kills = faults?.some((fault) => fault !== 'slow-db') ?? false;
const chaos = (() => {
  try {
    // Kills further apart than a single run's default: a restart on a busy 2-core host takes seconds,
    // and a fleet that is always restarting tests nothing but the timeout.
    return chaosConfig({ ...flags, chaos: faults, chaosEvery: flags.chaosEvery ?? (kills ? soakEveryMs : undefined) });
  } catch (error) {
    return program.error(`error: ${(error as Error).message}`, { exitCode: 2 });
  }
})();
const workloads: WorkloadName[] = chaos ? ['rooms', 'holds'] : ['rooms'];
const kinds = chosen.flatMap((strategy) =>
  workloads.flatMap((workload) => (workload === 'rooms' || strategy.holds ? [{ settings: workloadSettings({ workload }), strategy }] : [])),
);

// Request ids are claimed for a short lease under faults, and forgotten after a minute, so that
// the soak sees claims taken over and the swept table stay bounded; either may be set outside.
process.env.EVENTO_IDEMPOTENCY_LEASE_MS ??= '2000';
process.env.EVENTO_IDEMPOTENCY_TTL_MS ??= '60000';

// test/contention.test.ts's scenario: 100 clients fight for 2 hotels × 20 rooms, no think time.
// Under faults: rooms enough for the clients to meet several faults before sell-out, as in test/chaos.test.ts.
const scenario: Omit<RunConfig, 'servers' | 'seed'> = {
  clients: 100,
  hotels: 2,
  rooms: chaos ? 100 : 20,
  maxRooms: 5,
  thinkMs: { min: 0, max: 0, text: '0' },
  pick: 'first',
  inFlight: 256,
  poolSize: 8,
  // Under faults a run on a busy host can take minutes to sell out: the bound is for hangs, not speed.
  timeoutMs: chaos ? 300_000 : 60_000,
  ...(chaos && { chaos }),
};

const soakSeed = flags.seed ?? randomInt(2 ** 31 - 1);
const rng = xoroshiro128plus(soakSeed);
const random = (min: number, max: number) => unsafeUniformIntDistribution(min, max, rng);

/**
 * `rounds` rounds of one run per strategy and workload, each drawing its seed and server count,
 * grouped by that count: runs with the same count share one fleet of servers.
 */
function draw(rounds: number) {
  const byServers = new Map<number, RaceRun[]>();
  for (let round = 0; round < rounds; round += 1) {
    for (const { settings, strategy } of kinds) {
      const servers = random(1, flags.maxServers);
      byServers.set(servers, [...(byServers.get(servers) ?? []), { settings, strategy, seed: random(0, 2 ** 31 - 1) }]);
    }
  }
  return [...byServers].sort(([a], [b]) => a - b);
}

const replay = ({ workload, params }: StrategyResult) =>
  `npx evento run --workload ${workload} --strategy ${params.strategy} --clients ${params.clients} --servers ${params.servers} --hotels ${params.hotels} ` +
  `--rooms ${params.rooms} --max-rooms ${params.max_rooms} --think-ms ${params.think_ms} --pick ${params.pick} ` +
  `--in-flight ${params.in_flight} --pool-size ${params.pool_size} --seed ${params.seed}` +
  (params.chaos
    ? ` --chaos ${params.chaos.faults.join(',')} --chaos-every ${params.chaos.every_ms}ms` +
      (params.chaos.latency_ms === null ? '' : ` --chaos-latency-ms ${params.chaos.latency_ms}`)
    : '') +
  ' --assert-no-overbooking';

const totalRuns = flags.duration === undefined ? kinds.length * flags.runs : undefined;
const log = (line: string) => process.stderr.write(`soak: ${line}\n`);
const columns = [
  'runs',
  'reservations',
  'rooms',
  'overbooked',
  'drift',
  'conflicts',
  'errors',
  ...(chaos ? (['killed', 'terminated', 'indeterminate', 'unaccounted', 'lost', 'stuck'] as const) : []),
  'failing',
] as const;
type Totals = Record<(typeof columns)[number], number>;
const zero = () => Object.fromEntries(columns.map((column) => [column, 0])) as Totals;
const labelOf = ({ workload, params }: StrategyResult) => runLabel(workload, params.strategy);
const byRun = new Map(kinds.map(({ settings, strategy }) => [runLabel(settings.workload, strategy.name), zero()]));
const all = zero();
const failing: StrategyResult[] = [];
const startedAt = performance.now();
log(
  `${totalRuns === undefined ? `rounds for ${Math.round((flags.duration ?? 0) / 1000)}s (one run each` : `${formatThousands(totalRuns)} runs (${flags.runs} each`}: ` +
    `${[...byRun.keys()].join(', ')}), 1 to ${flags.maxServers} servers${chaos ? `, faults ${chaos.faults.join(', ')}` : ''}; soak seed ${soakSeed}`,
);

function count(result: StrategyResult) {
  const { outcome, verdict } = result;
  const failed = !verdict.safe || outcome.stopped_by !== 'done' || outcome.rooms_reserved !== outcome.contracted;
  const ofRun = byRun.get(labelOf(result));
  if (!ofRun) throw new Error(`a result of ${labelOf(result)}, which is not among the runs drawn`);
  for (const totals of [ofRun, all]) {
    totals.runs += 1;
    totals.reservations += outcome.reservations;
    totals.rooms += outcome.rooms_reserved;
    totals.overbooked += outcome.overbooked_rooms;
    totals.drift += outcome.drift;
    totals.conflicts += outcome.conflicts;
    totals.errors += outcome.errors;
    if (outcome.chaos) {
      totals.killed += outcome.chaos.servers_killed;
      totals.terminated += outcome.chaos.backends_terminated;
      totals.indeterminate += outcome.chaos.indeterminate;
      totals.unaccounted += outcome.chaos.unaccounted;
      totals.lost += outcome.chaos.lost;
      totals.stuck += outcome.chaos.stuck;
    }
    totals.failing += Number(failed);
  }
  if (failed) {
    failing.push(result);
    log(
      `FAILED ${labelOf(result)} ${verdict.label}, ${outcome.rooms_reserved}/${outcome.contracted} rooms, stopped by ${outcome.stopped_by}: ${replay(result)}`,
    );
  }
  if (all.runs % 100 === 0) log(`${all.runs} runs, ${all.failing} failing, ${Math.round((performance.now() - startedAt) / 1000)}s`);
}

/** Each minute: the servers' resident memory (the largest and the sum), the soak's own, and the request ids kept. */
interface MemorySample {
  /** Minutes since the soak began, to a tenth. */
  minute: string;
  servers: number;
  server_rss_max_mb: number;
  server_rss_sum_mb: number;
  soak_rss_mb: number;
  idempotency_keys: number;
}

const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);
const samples: MemorySample[] = [];
let serverPids: readonly number[] = [];

const database = await openDatabase();
async function sample() {
  const pids = [...serverPids];
  // A server killed since the list was read has no memory to report.
  const stats = await Promise.all(pids.map((pid) => pidusage(pid).catch(() => undefined)));
  const memory = stats.flatMap((stat) => (stat ? [stat.memory] : []));
  const [{ keys }] = await database.sql<[{ keys: number }]>`select count(*)::int as keys from evento.idempotency_keys`;
  samples.push({
    minute: ((performance.now() - startedAt) / 60_000).toFixed(1),
    servers: memory.length,
    server_rss_max_mb: megabytes(Math.max(0, ...memory)),
    server_rss_sum_mb: megabytes(memory.reduce((sum, bytes) => sum + bytes, 0)),
    soak_rss_mb: megabytes(process.memoryUsage.rss()),
    idempotency_keys: keys,
  });
}
// A failed sample (the database busy restarting a fleet) is skipped; the next minute's is taken.
const sampler = setInterval(() => void sample().catch(() => undefined), 60_000);

const deadline = flags.duration === undefined ? undefined : performance.now() + flags.duration;
try {
  // Without --duration, one pass over every run; with it, rounds until the time is up (the round under way finishes).
  for (let round = 0; deadline === undefined ? round === 0 : performance.now() < deadline; round += 1) {
    for (const [servers, runs] of draw(deadline === undefined ? flags.runs : 1)) {
      await runRace({
        runs,
        config: { ...scenario, servers, seed: 0 },
        databaseUrl: database.url,
        hooks: {
          onReady: (info) => {
            serverPids = info.serverPids;
          },
          onResult: count,
        },
      });
    }
  }
  if (deadline !== undefined) await sample();
} finally {
  clearInterval(sampler);
  pidusage.clear();
  await database.close();
}

const table = new Table({
  head: ['strategy', ...columns],
  colAligns: ['left', ...columns.map(() => 'right' as const)],
  style: { head: [], border: [] },
});
for (const [name, totals] of [...byRun, ['all', all] as const]) table.push([name, ...columns.map((column) => formatThousands(totals[column]))]);
const seconds = Math.round((performance.now() - startedAt) / 1000);
process.stdout.write(
  `soak: ${formatThousands(all.runs)}${totalRuns === undefined ? '' : ` of ${formatThousands(totalRuns)}`} runs in ${seconds}s, ` +
    `1 to ${flags.maxServers} servers${chaos ? `, faults ${chaos.faults.join(', ')} every ${chaos.everyMs} ms` : ''}, soak seed ${soakSeed}\n${table.toString()}\n`,
);
if (samples.length > 0) {
  const memoryColumns = ['minute', 'servers', 'server_rss_max_mb', 'server_rss_sum_mb', 'soak_rss_mb', 'idempotency_keys'] as const;
  const memoryTable = new Table({ head: [...memoryColumns], colAligns: memoryColumns.map(() => 'right' as const), style: { head: [], border: [] } });
  for (const row of samples)
    memoryTable.push(memoryColumns.map((column) => (typeof row[column] === 'number' ? formatThousands(row[column]) : row[column])));
  process.stdout.write(`memory, each minute:\n${memoryTable.toString()}\n`);
}
for (const result of failing) process.stdout.write(`replay: ${replay(result)}\n`);
process.exitCode = all.failing > 0 || (totalRuns !== undefined && all.runs < totalRuns) ? 1 : 0;
