// `npm run soak`: the contended room scenario of test/contention.test.ts, many times over for every
// strategy that promises safety, each run with a random seed and a random number of servers.
// Prints the totals and, for any run that was not SAFE or did not sell out, the command that
// replays it.
import Table from 'cli-table3';
import { Command, Option } from '@commander-js/extra-typings';
import { randomInt } from 'node:crypto';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { integer } from '../cmd/options.js';
import { formatThousands } from '../cmd/report-table.js';
import { openDatabase } from '../harness/database.js';
import { runRace, type RaceRun } from '../harness/race.js';
import type { StrategyResult } from '../harness/result-schema.js';
import type { RunConfig } from '../harness/run-config.js';
import { findStrategy, strategies, strategyNames } from '../strategies/registry.js';

const safeNames = strategies.filter((strategy) => strategy.promisesSafety).map((strategy) => strategy.name);

const program = new Command('soak')
  .description('contended runs of every safe strategy, random seeds and server counts; exit 1 if any overbooked, drifted or did not sell out')
  .addOption(new Option('--runs <n>', 'runs per strategy').argParser(integer(1, 100_000)).default(200))
  .addOption(new Option('--max-servers <n>', 'each run has 1 to n server processes').argParser(integer(1, 16)).default(4))
  .addOption(
    new Option('--strategies <list>', 'comma-separated room strategies (an unsafe one shows what a failing run looks like)')
      .argParser((value) => value.split(',').map((name) => name.trim()))
      .default(safeNames, safeNames.join(',')),
  )
  .addOption(new Option('--seed <x>', "seed of the soak's own draws (run seeds, server counts); default random").argParser(integer(0, 2 ** 31 - 1)));

program.parse();
const flags = program.opts();
const chosen = flags.strategies.flatMap((name) => findStrategy(name) ?? []);
if (chosen.length < flags.strategies.length) program.error(`error: --strategies takes room strategies: ${strategyNames.join(', ')}`, { exitCode: 2 });

// test/contention.test.ts's scenario: 100 clients fight for 2 hotels × 20 rooms, no think time.
const scenario: Omit<RunConfig, 'servers' | 'seed'> = {
  clients: 100,
  hotels: 2,
  rooms: 20,
  maxRooms: 5,
  thinkMs: { min: 0, max: 0, text: '0' },
  pick: 'first',
  inFlight: 256,
  poolSize: 8,
  timeoutMs: 60_000,
};

const soakSeed = flags.seed ?? randomInt(2 ** 31 - 1);
const rng = xoroshiro128plus(soakSeed);
const random = (min: number, max: number) => unsafeUniformIntDistribution(min, max, rng);

// Every run draws its seed and server count; runs with the same count share one fleet of servers.
const byServers = new Map<number, RaceRun[]>();
for (const strategy of chosen) {
  for (let run = 0; run < flags.runs; run += 1) {
    const servers = random(1, flags.maxServers);
    byServers.set(servers, [...(byServers.get(servers) ?? []), { workload: 'rooms', strategy, seed: random(0, 2 ** 31 - 1) }]);
  }
}

const replay = ({ params }: StrategyResult) =>
  `npx evento run --strategy ${params.strategy} --clients ${params.clients} --servers ${params.servers} --hotels ${params.hotels} ` +
  `--rooms ${params.rooms} --max-rooms ${params.max_rooms} --think-ms ${params.think_ms} --pick ${params.pick} ` +
  `--in-flight ${params.in_flight} --pool-size ${params.pool_size} --seed ${params.seed} --assert-no-overbooking`;

const totalRuns = chosen.length * flags.runs;
const log = (line: string) => process.stderr.write(`soak: ${line}\n`);
const columns = ['runs', 'reservations', 'rooms', 'overbooked', 'drift', 'conflicts', 'errors', 'failing'] as const;
type Totals = Record<(typeof columns)[number], number>;
const zero = (): Totals => ({ runs: 0, reservations: 0, rooms: 0, overbooked: 0, drift: 0, conflicts: 0, errors: 0, failing: 0 });
const byStrategy = new Map(flags.strategies.map((name) => [name, zero()]));
const all = zero();
const failing: StrategyResult[] = [];
const startedAt = performance.now();
log(
  `${formatThousands(totalRuns)} runs (${flags.runs} per strategy: ${flags.strategies.join(', ')}), 1 to ${flags.maxServers} servers; soak seed ${soakSeed}`,
);

function count(result: StrategyResult) {
  const { outcome, verdict } = result;
  const failed = !verdict.safe || outcome.stopped_by !== 'done' || outcome.rooms_reserved !== outcome.contracted;
  const ofStrategy = byStrategy.get(result.params.strategy);
  if (!ofStrategy) throw new Error(`a result of ${result.params.strategy}, which is not among --strategies`);
  for (const totals of [ofStrategy, all]) {
    totals.runs += 1;
    totals.reservations += outcome.reservations;
    totals.rooms += outcome.rooms_reserved;
    totals.overbooked += outcome.overbooked_rooms;
    totals.drift += outcome.drift;
    totals.conflicts += outcome.conflicts;
    totals.errors += outcome.errors;
    totals.failing += Number(failed);
  }
  if (failed) {
    failing.push(result);
    log(
      `FAILED ${result.params.strategy} ${verdict.label}, ${outcome.rooms_reserved}/${outcome.contracted} rooms, stopped by ${outcome.stopped_by}: ${replay(result)}`,
    );
  }
  if (all.runs % 100 === 0) log(`${all.runs}/${totalRuns} runs, ${all.failing} failing, ${Math.round((performance.now() - startedAt) / 1000)}s`);
}

const database = await openDatabase();
try {
  for (const [servers, runs] of [...byServers].sort(([a], [b]) => a - b)) {
    await runRace({
      runs,
      config: { ...scenario, servers, seed: 0 },
      databaseUrl: database.url,
      hooks: { onResult: count },
    });
  }
} finally {
  await database.close();
}

const table = new Table({
  head: ['strategy', ...columns],
  colAligns: ['left', ...columns.map(() => 'right' as const)],
  style: { head: [], border: [] },
});
for (const [name, totals] of [...byStrategy, ['all', all] as const]) table.push([name, ...columns.map((column) => formatThousands(totals[column]))]);
const seconds = Math.round((performance.now() - startedAt) / 1000);
process.stdout.write(
  `soak: ${formatThousands(all.runs)} of ${formatThousands(totalRuns)} runs in ${seconds}s, 1 to ${flags.maxServers} servers, soak seed ${soakSeed}\n${table.toString()}\n`,
);
for (const result of failing) process.stdout.write(`replay: ${replay(result)}\n`);
process.exitCode = all.failing > 0 || all.runs < totalRuns ? 1 : 0;
