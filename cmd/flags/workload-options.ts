import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { UsageError } from '../../harness/model/errors.js';
import { poolerNames, type RunConfig, type Via, vias } from '../../harness/model/run-config.js';
import { workloadNames, type WorkloadName } from '../../harness/model/workload.js';
import {
  defaultHoldSettings,
  defaultSlotSettings,
  defaultTenantSettings,
  workloadSettings,
  type WorkloadSettings,
} from '../../harness/model/workload-settings.js';
import type { RaceRun } from '../../harness/race/race.js';
import { useStrategyModule } from '../../harness/race/strategy-modules.js';
import { workloads } from '../../harness/workloads/workloads.js';
import { extensionList, isModulePath } from '../../strategies/module.js';
import { builtInStrategyNames, StrategyRegistry, tenantLocks } from '../../strategies/registry.js';
import { integer } from './options.js';

/** Every strategy name, whatever it books: what `--strategy` and `--strategies` accept, beside strategy modules. */
export const allStrategyNames = builtInStrategyNames;

/** What `--strategy` and `--strategies` accept, for messages. */
export const strategyChoices = `${allStrategyNames.join(', ')}, or a strategy module (a ${extensionList} file)`;

/** A built-in strategy's name, or a strategy module's path (loaded once all flags are read). */
export const isStrategyArgument = (value: string) => allStrategyNames.includes(value) || isModulePath(value);

/** "holds:atomic" is pinned to a workload; "atomic" and "./my-strategy.js" are not. */
function splitItem(item: string): [workload: WorkloadName | undefined, name: string] {
  const colon = item.indexOf(':');
  const workload = item.slice(0, colon);
  return colon > 0 && workloadNames.includes(workload as WorkloadName) ? [workload as WorkloadName, item.slice(colon + 1)] : [undefined, item];
}

/** "0.25": a share from 0 to 1. */
export function ratio(value: string): number {
  const parsed = /^\s*(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)\s*$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(parsed)) throw new InvalidArgumentError('expected a share from 0 to 1, e.g. 0.25');
  return parsed;
}

export function workloadList(value: string): WorkloadName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0 || names.some((name) => !workloadNames.includes(name as WorkloadName))) {
    throw new InvalidArgumentError(`expected a comma-separated list of: ${workloadNames.join(', ')}`);
  }
  return [...new Set(names as WorkloadName[])];
}

export function viaList(value: string): Via[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0 || names.some((name) => !vias.includes(name as Via))) {
    throw new InvalidArgumentError(`expected ${vias.join(' or ')}, or both comma-separated (race and sweep)`);
  }
  return [...new Set(names as Via[])];
}

/** "atomic", "holds:atomic" or "./my-strategy.js": a strategy, optionally pinned to one workload. */
export function strategyList(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0 || !items.every((item) => isStrategyArgument(splitItem(item)[1]))) {
    throw new InvalidArgumentError(`expected a comma-separated list of strategies, each optionally as workload:strategy: ${strategyChoices}`);
  }
  return [...new Set(items)];
}

/** The items with every strategy module loaded, checked and registered with `registry`, and named by its strategy's name. */
async function withStrategyModules(registry: StrategyRegistry, items: string[]): Promise<string[]> {
  const named: string[] = [];
  for (const item of items) {
    const [workload, name] = splitItem(item);
    if (!isModulePath(name)) named.push(item);
    else named.push(workload ? `${workload}:${await useStrategyModule(registry, name)}` : await useStrategyModule(registry, name));
  }
  return named;
}

/** The flags of the holds and slots workloads and of lost responses, shared by `run` and `race`. */
export function workloadOptions() {
  const holds = defaultHoldSettings;
  const slots = defaultSlotSettings;
  return new Command()
    .addOption(
      new Option('--workload <list>', `what the clients do: ${workloadNames.join(', ')} (race: a comma-separated list)`)
        .argParser(workloadList)
        .default<WorkloadName[]>(['rooms'], 'rooms'),
    )
    .addOption(new Option('--confirm-ratio <r>', 'holds: share of holds confirmed').argParser(ratio).default(holds.confirm_ratio))
    .addOption(
      new Option('--cancel-ratio <r>', 'holds: share of holds cancelled (the rest are abandoned to the sweeper)')
        .argParser(ratio)
        .default(holds.cancel_ratio),
    )
    .addOption(new Option('--hold-ttl-ms <ms>', 'holds: how long a hold lasts').argParser(integer(1, 86_400_000)).default(holds.hold_ttl_ms))
    .addOption(new Option('--sweep-ms <ms>', 'holds: how often the sweeper expires lapsed holds').argParser(integer(1, 60_000)).default(holds.sweep_ms))
    .addOption(new Option('--resources <n>', 'slots: resources to book').argParser(integer(1, 1000)).default(slots.resources))
    .addOption(
      new Option('--hours <n>', 'slots: whole hours windows may start in (windows last 1 to 4 hours)')
        .argParser(integer(1, 24 * 366))
        .default(slots.hours),
    )
    .addOption(new Option('--attempts <n>', 'slots: bookings each client tries').argParser(integer(1, 100_000)).default(slots.attempts))
    .addOption(
      new Option('--tenants <n>', 'tenants: tenants, each with an event of its own').argParser(integer(1, 100)).default(defaultTenantSettings.tenants),
    )
    .addOption(
      new Option('--tenant-lock <name>', "tenants: the locking strategy of each tenant's reservation")
        .choices(tenantLocks.map(({ name }) => name))
        .default(defaultTenantSettings.lock),
    )
    .addOption(
      new Option('--pooler <name>', 'what sits between the servers and the database: none, or PgBouncer in transaction pooling mode')
        .choices(poolerNames)
        .default('none'),
    )
    .addOption(
      new Option('--client-timeout-ms <ms>', 'clients give up on a response after this long and send the same request again').argParser(
        integer(1, 600_000),
      ),
    )
    .addOption(new Option('--drop-responses <P>', 'share of responses the clients lose and send again (0 to 1)').argParser(ratio).default(0))
    .addOption(new Option('--no-idempotency', 'servers run a resent request_id again instead of answering from their record'))
    .addOption(
      new Option(
        '--via <path>',
        "how requests reach the strategies: http (the server processes) or direct (called in evento's process, a pool per server: the database without the app tier); race and sweep: http,direct runs both",
      )
        .argParser(viaList)
        .default<Via[]>(['http'], 'http'),
    );
}

/** The flags of `workloadOptions()`, as commander parses them. */
export type WorkloadFlags = ReturnType<ReturnType<typeof workloadOptions>['opts']>;

/** Workload `workload`'s settings as these flags give them (`buckets` is a flag of `loadOptions`). */
export function workloadSettingsOf(flags: WorkloadFlags & { buckets?: number }, workload: WorkloadName): WorkloadSettings {
  switch (workload) {
    case 'rooms':
      return workloadSettings({ workload, buckets: flags.buckets });
    case 'holds':
      return workloadSettings({
        workload,
        holds: { confirm_ratio: flags.confirmRatio, cancel_ratio: flags.cancelRatio, hold_ttl_ms: flags.holdTtlMs, sweep_ms: flags.sweepMs },
      });
    case 'slots':
      return workloadSettings({ workload, slots: { resources: flags.resources, hours: flags.hours, attempts: flags.attempts } });
    case 'tenants':
      return workloadSettings({ workload, tenants: { tenants: flags.tenants, lock: flags.tenantLock } });
  }
}

/** The pooler and the retries these flags ask for. */
export function retriesAndPooler(flags: WorkloadFlags): Pick<RunConfig, 'retries' | 'pooler'> {
  const lossy = flags.dropResponses > 0 || flags.clientTimeoutMs !== undefined;
  return {
    pooler: flags.pooler === 'none' ? undefined : flags.pooler,
    // Nothing is ever resent without lost responses, so idempotency alone changes nothing.
    retries:
      lossy || !flags.idempotency
        ? { client_timeout_ms: flags.clientTimeoutMs ?? null, drop_responses: flags.dropResponses, idempotency: flags.idempotency }
        : undefined,
  };
}

const strategiesOf = (registry: StrategyRegistry, workload: WorkloadName) => workloads[workload].strategiesIn(registry).map((strategy) => strategy.name);

/**
 * `run --workload W --strategy S` or `race --workload W1,W2 --strategies a,W:b`: the runs, in
 * order, each once. A plain name runs in each listed workload that has it; W:name in W only. No
 * list: every strategy of each workload but the variants that are there to show a price. Strategy
 * modules among `items` are loaded into a registry of this command's own.
 */
export async function planRuns(command: 'run' | 'race', flags: WorkloadFlags & { buckets?: number }, items?: string[]): Promise<RaceRun[]> {
  const registry = new StrategyRegistry();
  const named = items && (await withStrategyModules(registry, items));
  if (command === 'run' && flags.workload.length > 1) {
    throw new UsageError(`run takes one --workload (${workloadNames.join(', ')}); race takes several`);
  }
  if (command === 'run' && flags.via.length > 1) throw new UsageError(`run takes one --via (${vias.join(' or ')}); race and sweep take http,direct`);
  const listed =
    named ??
    flags.workload.flatMap((workload) =>
      workloads[workload]
        .strategiesIn(registry)
        .filter((strategy) => !strategy.notRacedByDefault)
        .map(({ name }) => `${workload}:${name}`),
    );
  const runs = listed.flatMap((item) => {
    const [pinned, name] = splitItem(item);
    const runs = (pinned ? [pinned] : flags.workload).flatMap((workload) => {
      const strategy = workloads[workload].strategiesIn(registry).find((listed) => listed.name === name);
      return strategy ? [{ workload, strategy }] : [];
    });
    if (runs.length === 0) {
      const where = pinned ?? flags.workload.join(', ');
      const fit = (pinned ? [pinned] : flags.workload).map((workload) => `${workload}: ${strategiesOf(registry, workload).join(', ')}`).join('; ');
      throw new UsageError(`strategy ${name} cannot run the ${where} workload; those that can: ${fit}`);
    }
    return runs;
  });
  const unique = runs.filter((run, index) => runs.findIndex((other) => other.workload === run.workload && other.strategy === run.strategy) === index);
  const indirect = flags.via.includes('direct') ? unique.find(({ workload }) => workload !== 'rooms') : undefined;
  if (indirect) throw new UsageError(`--via direct runs the rooms workload only, not ${indirect.workload}: use --via http for it`);
  // Every workload's, whether it runs or not: flags that contradict each other are the user's to fix either way.
  const settings = Object.fromEntries(workloadNames.map((workload) => [workload, workloadSettingsOf(flags, workload)])) as Record<
    WorkloadName,
    WorkloadSettings
  >;
  // Each strategy's paths side by side, so that a table shows its app tier's share on adjacent rows.
  return unique.flatMap(({ workload, strategy }) => flags.via.map((via) => ({ settings: settings[workload], strategy, via })));
}

const defaultStrategies: Partial<Record<WorkloadName, string>> = { slots: 'exclusion', tenants: 'set-local' };

/** The strategy `run` uses when none is named: the safe one-statement claim, the constraint for slots, set-local for tenants. */
export const defaultStrategyOf = (workload: WorkloadName) => defaultStrategies[workload] ?? 'atomic';
