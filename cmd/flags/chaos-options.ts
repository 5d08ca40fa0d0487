import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { UsageError } from '../../harness/model/errors.js';
import { chaosFaults, type ChaosConfig, type ChaosFault } from '../../harness/model/faults.js';
import { durationBetween, integer } from './options.js';

// No defaults in commander: a value given for a fault that is not injected is a usage error.
const defaultEveryMs = 2000;
const defaultLatencyMs = 20;

/** "kill-server,slow-db": faults to inject, in any combination. */
export function chaosList(value: string): ChaosFault[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0 || names.some((name) => !chaosFaults.includes(name as ChaosFault))) {
    throw new InvalidArgumentError(`expected a comma-separated list of: ${chaosFaults.join(', ')}`);
  }
  return [...new Set(names as ChaosFault[])];
}

/** `--chaos-every`: bounded below, as each kill-server forks a new server process. */
export const chaosEveryOption = () =>
  new Option('--chaos-every <time>', `mean time between kills, e.g. 500ms (default ${defaultEveryMs / 1000}s)`).argParser(
    durationBetween(100, 3_600_000, '100ms to 1h'),
  );

export const chaosLatencyOption = () =>
  new Option('--chaos-latency-ms <ms>', `slow-db: pause after each read a strategy decides on (default ${defaultLatencyMs})`).argParser(
    integer(1, 10_000),
  );

/** The fault injection flags of `run` and `race`. */
export function chaosOptions() {
  return new Command()
    .addOption(new Option('--chaos <faults>', `inject faults while the clients run, comma-separated: ${chaosFaults.join(', ')}`).argParser(chaosList))
    .addOption(chaosEveryOption())
    .addOption(chaosLatencyOption());
}

/** The flags of `chaosOptions()`, as commander parses them. */
export type ChaosFlags = ReturnType<ReturnType<typeof chaosOptions>['opts']>;

/** The faults these flags ask for; undefined without --chaos. */
export function chaosConfig(flags: ChaosFlags): ChaosConfig | undefined {
  const faults = flags.chaos ?? [];
  if (flags.chaosEvery !== undefined && !faults.some((fault) => fault === 'kill-server' || fault === 'kill-backends')) {
    throw new UsageError('--chaos-every applies to --chaos kill-server or kill-backends; add one of them or drop --chaos-every');
  }
  if (flags.chaosLatencyMs !== undefined && !faults.includes('slow-db')) {
    throw new UsageError('--chaos-latency-ms applies to --chaos slow-db; add it or drop --chaos-latency-ms');
  }
  if (faults.length === 0) return undefined;
  return {
    faults,
    everyMs: flags.chaosEvery ?? defaultEveryMs,
    latencyMs: faults.includes('slow-db') ? (flags.chaosLatencyMs ?? defaultLatencyMs) : undefined,
  };
}
