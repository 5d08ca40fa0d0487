import { Command, CommanderError, Option, type OptionValues } from '@commander-js/extra-typings';
import { AssertionFailed, EnvironmentError, UsageError } from '../harness/errors.js';
import { toolVersion } from '../harness/paths.js';
import { at } from '../lib/at.js';
import { slotStrategies, strategies } from '../strategies/registry.js';
import { chaosOptions, type ChaosFlags } from './chaos-options.js';
import { defaultPoolSize, integer, loadOptions, percent, uuid, type LoadFlags } from './options.js';
import { allStrategyNames, defaultStrategyOf, planRuns, strategyList, workloadOptions, type WorkloadFlags } from './workload-options.js';

// Exit codes (docs/cli.md): 0 done, 1 an assertion failed, 2 usage error, 3 environment error.
const exitCodes = { assertion: 1, usage: 2, environment: 3 } as const;

const program = new Command('evento')
  .description('Race reservation-locking strategies against real PostgreSQL and audit who overbooks')
  .version(toolVersion)
  .exitOverride()
  .configureOutput({ outputError: (message, write) => write(`${at(message.split('\n'), 0)}\n`) })
  .showSuggestionAfterError(true);

/** Adds the flags `run` and `race` share; the returned type names their parsed values. */
function withLoadOptions<Opts extends OptionValues>(command: Command<[], Opts>) {
  for (const option of [...loadOptions().options, ...workloadOptions().options, ...chaosOptions().options]) command.addOption(option);
  return command as unknown as Command<[], Opts & LoadFlags & WorkloadFlags & ChaosFlags>;
}

withLoadOptions(
  program
    .command('run')
    .description('one strategy on a fresh event: seed, spawn servers, run clients to sell-out, audit, report')
    .addOption(new Option('--strategy <name>', 'the reservation strategy (default: atomic; slots: exclusion)').choices(allStrategyNames))
    .addOption(new Option('--mode <name>', 'alias of --strategy, as in the original Evento').choices(allStrategyNames)),
).action(async (flags) => {
  if (flags.strategy && flags.mode && flags.strategy !== flags.mode) {
    throw new UsageError(`--strategy ${flags.strategy} and --mode ${flags.mode} disagree; give one of them`);
  }
  const name = flags.strategy ?? flags.mode ?? defaultStrategyOf(at(flags.workload, 0));
  const { runStrategies } = await import('./run.js');
  process.exitCode = await runStrategies('run', planRuns('run', flags, [name]), flags);
});

withLoadOptions(
  program
    .command('race')
    .description('several strategies one after another on fresh events, one comparison table')
    .addOption(
      new Option('--strategies <list>', 'comma-separated strategies, each optionally workload:strategy (default: every strategy of each --workload)').argParser(
        strategyList,
      ),
    ),
).action(async (flags) => {
  const { runStrategies } = await import('./run.js');
  process.exitCode = await runStrategies('race', planRuns('race', flags, flags.strategies), flags);
});

program
  .command('seed')
  .description('create a new event in DATABASE_URL and print {"event_id", "hotels"} as JSON')
  .addOption(new Option('--hotels <H>', 'hotels in the event').argParser(integer(1, 1000)).default(3))
  .addOption(new Option('--rooms <R>', 'contracted rooms per hotel').argParser(integer(1, 1_000_000)).default(200))
  .action(async (flags) => {
    const { seedCommand } = await import('./seed.js');
    await seedCommand(flags);
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
  .action(async (flags) => {
    const { serveCommand } = await import('./serve.js');
    await serveCommand(flags);
  });

program
  .command('rebuild')
  .description('replay an event\'s room_events log into a fresh projection and compare it with the tables in DATABASE_URL (exit 1 if they differ)')
  .addOption(new Option('--event <id>', 'the event to replay').argParser(uuid).makeOptionMandatory())
  .action(async (flags) => {
    const { rebuildCommand } = await import('./rebuild.js');
    await rebuildCommand(flags);
  });

program
  .command('compare')
  .description('compare result files per strategy: median ± 95% interval, change and U test (exit 1 on a regression or a broken promise)')
  .argument('<base>', 'a result file, a directory of them, or a race --json list')
  .argument('<new>', 'the same, to compare against base')
  .addOption(new Option('--threshold <P>', 'percent: a significant change smaller than this is not a regression').argParser(percent(1000)).default(10))
  .option('--ignore-params', 'pair groups by workload and strategy only, e.g. to compare two --pool-size values')
  .option('--json <file>', 'also write the comparison as JSON')
  .action(async (base, next, flags) => {
    const { compareCommand } = await import('./compare.js');
    await compareCommand(base, next, flags);
  });

program
  .command('strategies')
  .description('the strategies, each with its guarantee and a one-line summary')
  .option('--json', 'as JSON')
  .action(async (flags) => {
    const { listStrategies } = await import('./strategies.js');
    process.stdout.write(listStrategies(strategies, slotStrategies, flags.json ?? false));
  });

/** The one place where errors become exit codes and one line on stderr. */
function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are exits too, and successful ones.
    return error.exitCode === 0 ? 0 : exitCodes.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${message}\n`);
    return exitCodes.usage;
  }
  if (error instanceof AssertionFailed) {
    process.stderr.write(`evento: assertion failed: ${message}\n`);
    return exitCodes.assertion;
  }
  if (error instanceof EnvironmentError) {
    process.stderr.write(`evento: ${message}\n`);
    return exitCodes.environment;
  }
  process.stderr.write(`evento: unexpected failure: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
  return exitCodes.environment;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeOf(error);
}
