import { Command, Option, type OptionValues } from '@commander-js/extra-typings';
import type { Shard } from '../client-sim/shard.js';
import { UsageError } from '../harness/model/errors.js';
import { toolVersion } from '../harness/model/paths.js';
import type { RunConfig } from '../harness/model/run-config.js';
import type { RaceRun } from '../harness/race/race.js';
import { at } from '../lib/at.js';
import type { AuditFlags } from './commands/audit.js';
import { chaosOptions } from './flags/chaos-options.js';
import { ciOptions, junitOption, summaryOption } from './flags/ci-options.js';
import { defaultPoolSize, integer, loadOptions, percent, shardOption, startAtOption, uuid } from './flags/options.js';
import { refuseUnusedBatchMs, runConfigOf, shardedRunConfigOf, type RunFlags } from './flags/run-flags.js';
import { quickSweep, sweepOptions, sweepPlanOf, type SweepFlags, type SweepPlan } from './flags/sweep-options.js';
import {
  auditSqlOption,
  eventOption,
  targetOf,
  targetOptions,
  usedWithTarget,
  withTargetOptions,
  type TargetFlags,
  type TargetRun,
} from './flags/target-options.js';
import { defaultStrategyOf, isStrategyArgument, planRuns, strategyChoices, strategyList, workloadOptions } from './flags/workload-options.js';

/** Adds the flags `run` and `race` share; the returned type names their parsed values. */
function withLoadOptions<Opts extends OptionValues>(command: Command<[], Opts>) {
  for (const option of [...loadOptions().options, ...workloadOptions().options, ...chaosOptions().options, ...ciOptions().options])
    command.addOption(option);
  return command as unknown as Command<[], Opts & RunFlags>;
}

/** run's flags as nobody gave them: what `load`, which offers only some of them, runs with for the rest. */
const runFlagDefaults = (): RunFlags => withLoadOptions(new Command()).parse([], { from: 'user' }).opts();

/** `load`'s flags among run's: those a run against a target uses, but --audit-sql (the audit runs once, after every shard). */
const loadHostOptions = () =>
  [...targetOptions().options, ...loadOptions().options, ...ciOptions().options].filter(
    (option) => usedWithTarget.has(option.attributeName()) && option.attributeName() !== 'auditSql',
  );

/** The flags of `load`, as commander parses them. */
type LoadHostFlags = Partial<RunFlags> & TargetFlags & { strategy: string; shard?: Shard; startAt?: number };

/** What the command line asks for, checked: every flag parsed, every contradiction refused. */
export type Invocation =
  | { command: 'run' | 'race'; runs: RaceRun[]; config: RunConfig; flags: RunFlags }
  | { command: 'run-target'; target: TargetRun; config: RunConfig; flags: RunFlags }
  | { command: 'load'; target: TargetRun; config: RunConfig; flags: RunFlags; shard: Shard; startAt?: number }
  | { command: 'audit'; flags: AuditFlags }
  | { command: 'sweep'; runs: RaceRun[]; plan: SweepPlan; flags: SweepFlags }
  | { command: 'report'; inputs: string[]; flags: { output: string } }
  | { command: 'seed'; flags: { hotels: number; rooms: number } }
  | { command: 'serve'; flags: { port: number; host: string; hotels: number; rooms: number; poolSize: number; token?: string } }
  | { command: 'rebuild'; flags: { event: string } }
  | {
      command: 'compare';
      base: string;
      next: string;
      flags: { threshold: number; ignoreParams?: true; json?: string; junit?: string; summaryMd?: string };
    }
  | { command: 'strategies'; flags: { json?: true } }
  | { command: 'witness'; file: string }
  | { command: 'merge'; parts: string[]; flags: { json?: string } };

/**
 * Parses `argv` (as process.argv, node and script first) without running anything, so that flags
 * are tested in-process. A bad flag throws commander's error or a UsageError, after `writeErr`
 * got its one line; help and version throw commander's error with exit code 0.
 */
export async function parseArguments(argv: string[], writeErr: (text: string) => void = (text) => process.stderr.write(text)): Promise<Invocation> {
  let invocation: Invocation | undefined;
  const program = new Command('evento')
    .description('Race reservation-locking strategies against real PostgreSQL and audit who overbooks')
    .version(toolVersion)
    .exitOverride()
    .configureOutput({ writeErr, outputError: (message, write) => write(`${at(message.split('\n'), 0)}\n`) })
    .showSuggestionAfterError(true);

  withLoadOptions(
    withTargetOptions(
      program
        .command('run')
        .description('one strategy on a fresh event: seed, spawn servers, run clients to sell-out, audit, report')
        .addOption(
          new Option(
            '--strategy <name>',
            `the reservation strategy: ${strategyChoices} (default: atomic; slots: exclusion); with --target, the route's {strategy} segment`,
          ),
        )
        .addOption(new Option('--mode <name>', 'alias of --strategy, as in the original Evento'))
        .addOption(shardOption()),
    ),
  ).action(async (flags, command) => {
    if (flags.strategy && flags.mode && flags.strategy !== flags.mode) {
      throw new UsageError(`--strategy ${flags.strategy} and --mode ${flags.mode} disagree; give one of them`);
    }
    const name = flags.strategy ?? flags.mode ?? defaultStrategyOf(at(flags.workload, 0));
    const target = targetOf(flags, command, name);
    const config = shardedRunConfigOf(flags);
    if (target) {
      invocation = { command: 'run-target', target, config, flags };
      return;
    }
    // A target's route may be called anything; evento's own servers know only their strategies and the modules they load.
    if (!isStrategyArgument(name)) throw new UsageError(`--${flags.strategy ? 'strategy' : 'mode'} ${name}: expected one of ${strategyChoices}`);
    const runs = await planRuns('run', flags, [name]);
    refuseUnusedBatchMs(runs, flags.batchMs);
    invocation = { command: 'run', runs, config, flags };
  });

  const load = program
    .command('load')
    .description("one load host's share of a run against running servers: shard i/N of the clients, written as a part for evento merge")
    .addOption(new Option('--strategy <name>', "the route's {strategy} segment").default('atomic'))
    .addOption(shardOption('required'))
    .addOption(startAtOption());
  for (const option of loadHostOptions()) load.addOption(option);
  (load as unknown as Command<[], LoadHostFlags>).action((given, command) => {
    if (!given.target) throw new UsageError('load needs --target <urls> and --event <id>: the running servers every load host drives');
    if (!given.shard) {
      throw new UsageError("load needs --shard i/N: this host's share of the run, as evento merge takes it (--shard 1/1 for one host)");
    }
    const flags = { ...runFlagDefaults(), ...given };
    const target = targetOf(flags, command, given.strategy);
    if (!target) throw new UsageError('load needs --target <urls>');
    invocation = { command: 'load', target, config: shardedRunConfigOf(flags), flags, shard: given.shard, startAt: given.startAt };
  });

  withLoadOptions(
    program
      .command('race')
      .description('several strategies one after another on fresh events, one comparison table')
      .addOption(
        new Option(
          '--strategies <list>',
          'comma-separated strategies or strategy modules (./file.js), each optionally workload:strategy (default: every strategy of each --workload)',
        ).argParser(strategyList),
      ),
  ).action(async (flags) => {
    const runs = await planRuns('race', flags, flags.strategies);
    refuseUnusedBatchMs(runs, flags.batchMs);
    invocation = { command: 'race', runs, config: runConfigOf(flags), flags };
  });

  const sweep = program
    .command('sweep')
    .description('race strategies at each point of one or two swept axes, then say where their order flips (the crossovers)')
    .addOption(
      new Option(
        '--strategies <list>',
        'comma-separated strategies or strategy modules (./file.js), each optionally workload:strategy (default: every strategy of each --workload)',
      ).argParser(strategyList),
    );
  for (const option of [...sweepOptions().options, ...workloadOptions().options, ...ciOptions().options]) sweep.addOption(option);
  (sweep as unknown as Command<[], SweepFlags & { strategies?: string[] }>).action(async (given, command) => {
    const defaulted = (name: string) => command.getOptionValueSource(name) === 'default' || command.getOptionValueSource(name) === undefined;
    const flags = { ...given };
    if (flags.quick) {
      // Only what the user did not give: --quick shortens, it never overrides.
      const axes = ['hotRows', 'clients', 'thinkMs', 'maxRooms', 'poolSize', 'servers'] as const;
      if (axes.every((axis) => (flags[axis]?.length ?? 0) < 2)) flags.hotRows = quickSweep.hotRows;
      if (defaulted('clients')) flags.clients = [quickSweep.clients];
      if (defaulted('repeat')) flags.repeat = quickSweep.repeat;
      if (defaulted('duration')) flags.duration = quickSweep.durationMs;
      if (defaulted('warmup')) flags.warmup = quickSweep.warmupMs;
      flags.strategies ??= quickSweep.strategies;
    }
    const runs = await planRuns('race', flags, flags.strategies);
    refuseUnusedBatchMs(runs, flags.batchMs);
    invocation = { command: 'sweep', runs, plan: sweepPlanOf(flags), flags };
  });

  program
    .command('report')
    .description('one self-contained HTML file (works offline) from result files, race --json lists, sweep --json files or directories of them')
    .argument('<inputs...>', 'result files, --json files, or directories of them')
    .requiredOption('-o, --output <file>', 'the HTML file to write')
    .action((inputs, flags) => {
      invocation = { command: 'report', inputs, flags };
    });

  program
    .command('seed')
    .description('create a new event in DATABASE_URL and print {"event_id", "hotels"} as JSON')
    .addOption(new Option('--hotels <H>', 'hotels in the event').argParser(integer(1, 1000)).default(3))
    .addOption(new Option('--rooms <R>', 'contracted rooms per hotel').argParser(integer(1, 1_000_000)).default(200))
    .action((flags) => {
      invocation = { command: 'seed', flags };
    });

  program
    .command('serve')
    .description('one server in the foreground for outside clients (embedded database and a seeded event without DATABASE_URL)')
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').argParser(integer(0, 65_535)).default(8080))
    .addOption(new Option('--host <host>', 'address to bind').default('127.0.0.1'))
    .addOption(new Option('--hotels <H>', 'hotels in the seeded event').argParser(integer(1, 1000)).default(3))
    .addOption(new Option('--rooms <R>', 'contracted rooms per hotel in the seeded event').argParser(integer(1, 1_000_000)).default(200))
    .addOption(new Option('--pool-size <n>', 'database connections').argParser(integer(1, 100)).default(defaultPoolSize, 'CPU cores'))
    .addOption(new Option('--token <token>', 'require Authorization: Bearer <token> on every route but /health').env('EVENTO_TOKEN'))
    .action((flags) => {
      invocation = { command: 'serve', flags };
    });

  program
    .command('audit')
    .description("audit one event in DATABASE_URL once: evento's own tables, or the rows of your query with --audit-sql")
    .addOption(eventOption('the event to audit').makeOptionMandatory())
    .addOption(auditSqlOption())
    .option('--assert-no-overbooking', "exit 1 if the audit finds overbooking (of evento's own tables: or drift)")
    .option('--json <file>', 'also write the audit as JSON')
    .action((flags) => {
      invocation = { command: 'audit', flags };
    });

  program
    .command('rebuild')
    .description("replay an event's room_events log into a fresh projection and compare it with the tables in DATABASE_URL (exit 1 if they differ)")
    .addOption(new Option('--event <id>', 'the event to replay').argParser(uuid).makeOptionMandatory())
    .action((flags) => {
      invocation = { command: 'rebuild', flags };
    });

  program
    .command('compare')
    .description('compare result files per strategy: median ± 95% interval, change and U test (exit 1 on a regression or a broken promise)')
    .argument('<base>', 'a result file, a directory of them, or a race --json list')
    .argument('<new>', 'the same, to compare against base')
    .addOption(new Option('--threshold <P>', 'percent: a significant change smaller than this is not a regression').argParser(percent(1000)).default(10))
    .option('--ignore-params', 'pair groups by workload and strategy only, e.g. to compare two --pool-size values')
    .option('--json <file>', 'also write the comparison as JSON')
    .addOption(junitOption('a testcase per metric of each group, failed where it regressed, and one per group on its promise of safety'))
    .addOption(summaryOption())
    .action((base, next, flags) => {
      invocation = { command: 'compare', base, next, flags };
    });

  program
    .command('witness')
    .description('print the witnesses of a result file written with --history, each with its operations in time order')
    .argument('<result>', 'a result file (bench-results/…json) with its history beside it')
    .action((file) => {
      invocation = { command: 'witness', file };
    });

  program
    .command('merge')
    .description("the result files of one run's shards (--shard i/N) as one run's: counts summed, latency histograms merged exactly")
    .argument('<parts...>', 'one result file per shard, every shard of the run once')
    .option('--json <file>', 'write the merged result file here')
    .action((parts, flags) => {
      invocation = { command: 'merge', parts, flags };
    });

  program
    .command('strategies')
    .description('the strategies, each with its guarantee and a one-line summary')
    .option('--json', 'as JSON')
    .action((flags) => {
      invocation = { command: 'strategies', flags };
    });

  await program.parseAsync(argv);
  // Every command sets it; commander has thrown already for anything else (no command: help).
  if (!invocation) throw new UsageError('no command given; evento --help lists them');
  return invocation;
}
