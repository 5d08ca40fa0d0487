import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import { UsageError } from '../../harness/model/errors.js';
import type { Target } from '../../harness/race/target.js';
import { uuid } from './options.js';

/** "http://10.0.0.5:8080,http://10.0.0.6:8080": servers by origin, at least one. */
export function urlList(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const origins = items.map((item) => {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new InvalidArgumentError(`${item} is not a URL; expected http://host:port, comma-separated`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '') {
      throw new InvalidArgumentError(`${item}: expected a server's origin, http://host:port, without a path`);
    }
    return url.origin;
  });
  if (origins.length === 0) throw new InvalidArgumentError('expected http://host:port, comma-separated');
  return origins;
}

/** An audit query's file, which must be there before anything runs. */
export function sqlFile(value: string): string {
  if (!existsSync(value)) throw new InvalidArgumentError(`no such file: ${value}`);
  return value;
}

export const eventOption = (what: string) => new Option('--event <id>', what).argParser(uuid);

export const auditSqlOption = () =>
  new Option(
    '--audit-sql <file>',
    'an audit query over DATABASE_URL: $1 is the event id; rows key, capacity, sold (docs/external-targets.md)',
  ).argParser(sqlFile);

/** The flags of `run` that drive servers evento did not start (docs/external-targets.md). */
export function targetOptions() {
  return new Command()
    .addOption(
      new Option('--target <urls>', "drive these running servers (comma-separated origins) instead of starting evento's own; needs --event").argParser(
        urlList,
      ),
    )
    .addOption(eventOption("with --target: the event the target's servers sell"))
    .addOption(new Option('--token <token>', 'with --target: send Authorization: Bearer <token> on every request').env('EVENTO_TOKEN'))
    .addOption(auditSqlOption());
}

/** The flags of `targetOptions()`, as commander parses them. */
export type TargetFlags = ReturnType<ReturnType<typeof targetOptions>['opts']>;

/** Adds `targetOptions()` to a command; the returned type names their parsed values. */
export function withTargetOptions<Opts extends OptionValues>(command: Command<[], Opts>) {
  for (const option of targetOptions().options) command.addOption(option);
  return command as unknown as Command<[], Opts & TargetFlags>;
}

/** A target, and the audit query to judge it by, when there is one. */
export type TargetRun = Target & { auditSql?: string };

/** What a run against a target uses of `run`'s flags; any other given on the command line is refused, as it would be ignored. */
export const usedWithTarget = new Set([
  'clients',
  'maxRooms',
  'thinkMs',
  'seed',
  'pick',
  'inFlight',
  'duration',
  'rate',
  'arrivals',
  'latencyLimit',
  'ramp',
  'timeout',
  'json',
  'report',
  'resultsDir',
  'assertNoOverbooking',
  'tui',
  'wide',
  'progress',
  'junit',
  'summaryMd',
  'strategy',
  'mode',
  'target',
  'event',
  'token',
  'auditSql',
  'shard',
  'startAt',
]);

/**
 * The target `run` drives, or undefined for a run of evento's own servers; a UsageError for a
 * target flag without --target, a --target without --event, --audit-sql without DATABASE_URL, or
 * a flag that only evento's own servers would use.
 */
export function targetOf(flags: TargetFlags, command: Command<[], OptionValues>, strategy: string, env = process.env): TargetRun | undefined {
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  if (!flags.target) {
    const stray = ['event', 'token', 'auditSql'].find(given);
    if (stray) throw new UsageError(`${optionName(command, stray)} needs --target: evento's own runs seed their own event and audit their own tables`);
    return undefined;
  }
  if (!flags.event) throw new UsageError("--target needs --event <id>: the event the target's servers sell");
  const ignored = command.options.find((option) => given(option.attributeName()) && !usedWithTarget.has(option.attributeName()));
  if (ignored)
    throw new UsageError(`${ignored.long ?? ignored.flags} does not apply with --target: the target's servers, database and event are its own`);
  if (!/^[A-Za-z0-9._~-]+$/.test(strategy)) throw new UsageError(`--strategy ${strategy}: a route's {strategy} segment is letters, digits and . _ ~ -`);
  if (flags.auditSql && !env.DATABASE_URL) {
    throw new UsageError('--audit-sql needs DATABASE_URL: the database the target writes to, where the query runs');
  }
  return { urls: flags.target, eventId: flags.event, token: flags.token, strategy, auditSql: flags.auditSql };
}

const optionName = (command: Command<[], OptionValues>, attribute: string) =>
  command.options.find((option) => option.attributeName() === attribute)?.long ?? attribute;
