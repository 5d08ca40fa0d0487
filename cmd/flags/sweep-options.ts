import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type { ServiceLevel } from '../../harness/analysis/capacity.js';
import { UsageError } from '../../harness/model/errors.js';
import type { RunConfig, ThinkRange } from '../../harness/model/run-config.js';
import { axisNames, sweepPoints, unlimitedRooms, type SweepAxis, type SweepPoint } from '../../harness/model/sweep-points.js';
import { at } from '../../lib/at.js';
import type { CiFlags } from './ci-options.js';
import { integer, loadOptions, poolSizeFor, rate, serviceLevel, thinkRange, type LoadFlags } from './options.js';
import { runConfigOf } from './run-flags.js';
import type { WorkloadFlags } from './workload-options.js';

/** "1,4,16": one value or a comma-separated list of them, each checked by `parse`. */
export function listOf<T>(parse: (value: string) => T) {
  return (value: string): T[] => {
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list, e.g. 1,4,16');
    try {
      return items.map(parse);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`each item: ${error.message}, comma-separated`);
      throw error;
    }
  };
}

/** The flags `run` and `race` take as one value and `sweep` as a list of them. */
const sweptFlags = ['clients', 'thinkMs', 'maxRooms', 'rooms', 'poolSize', 'servers', 'rate'] as const;

/** What `--quick` sets unless given: a sweep that finishes in under a minute and can still show a difference. */
export const quickSweep = { hotRows: [1, 16], strategies: ['pessimistic', 'optimistic'], repeat: 4, durationMs: 1000, warmupMs: 500, clients: 32 };

/** `sweep`'s flags: those of `run` and `race`, with the swept ones taking lists. */
export function sweepOptions() {
  const fromLoad = loadOptions().options.filter((option) => !(sweptFlags as readonly string[]).includes(option.attributeName()));
  const command = new Command()
    .addOption(
      new Option('--hot-rows <list>', 'hotels the clients pick from at random: contention is clients per hot row').argParser(listOf(integer(1, 1000))),
    )
    .addOption(new Option('--clients <list>', 'simulated clients').argParser(listOf(integer(1, 100_000))).default<number[]>([200], '200'))
    .addOption(
      new Option('--think-ms <list>', "pauses between a client's requests, each A-B or A ms")
        .argParser(listOf(thinkRange))
        .default<ThinkRange[]>([thinkRange('0-300')], '0-300'),
    )
    .addOption(new Option('--max-rooms <list>', 'most rooms one request asks for').argParser(listOf(integer(1, 1000))).default<number[]>([5], '5'))
    .addOption(
      new Option('--rooms <list>', 'contracted rooms per hotel; as an axis, how much of each run is its approach to sell-out')
        .argParser(listOf(integer(1, 1_000_000)))
        .default<number[]>([200], '200'),
    )
    .addOption(
      new Option('--pool-size <list>', 'database connections per server process (default: CPU cores ÷ servers)').argParser(listOf(integer(1, 100))),
    )
    .addOption(new Option('--servers <list>', 'server processes').argParser(listOf(integer(1, 64))).default<number[]>([2], '2'))
    .addOption(
      new Option('--rate <list>', 'open loop: reservation attempts started per second, over all clients (default: the closed loop)').argParser(
        listOf(rate),
      ),
    )
    .addOption(
      new Option(
        '--slo <pN=time>',
        "with --rate: the latency target each strategy is held to, e.g. p99=50ms (p95, p99 or p999 of the wait from each intended start); the sweep names each strategy's capacity",
      ).argParser(serviceLevel),
    )
    .addOption(
      new Option(
        '--quick',
        `a small sweep in under a minute, for what is not given: --hot-rows ${quickSweep.hotRows.join(',')} (without another axis), --strategies ${quickSweep.strategies.join(',')}, --repeat ${quickSweep.repeat}, --clients ${quickSweep.clients}, --duration ${quickSweep.durationMs / 1000}s, --warmup ${quickSweep.warmupMs}ms`,
      ),
    );
  for (const option of fromLoad) {
    // A sweep is for crossovers, which need trials that can differ significantly.
    if (option.attributeName() === 'repeat')
      option.default(5).description = 'trials of each strategy at each point, interleaved; crossovers need 4 or more';
    command.addOption(option);
  }
  return command;
}

type SweptFlags = ReturnType<ReturnType<typeof sweepOptions>['opts']>;
/** The flags of `sweep`, as commander parses them. */
export type SweepFlags = Omit<LoadFlags, (typeof sweptFlags)[number]> & SweptFlags & WorkloadFlags & CiFlags;

/** What a sweep runs: a configuration per point and the axes they came from. */
export interface SweepPlan {
  base: RunConfig;
  axes: SweepAxis[];
  points: SweepPoint[];
  /** With --rate: the latency target that capacity is judged by. */
  slo?: ServiceLevel;
}

/** How long each open-loop point runs unless --duration says. */
const defaultRateDurationMs = 3000;

/**
 * The axes the flags sweep (those given more than one value; one or two of them) and the point
 * configurations. With --duration each point runs for that long on rooms that never sell out;
 * without, to sell-out.
 */
export function sweepPlanOf(flags: SweepFlags): SweepPlan {
  const lists: { name: SweepAxis['name']; values: number[] | ThinkRange[] | undefined }[] = [
    { name: 'hot-rows', values: flags.hotRows },
    { name: 'clients', values: flags.clients },
    { name: 'think-ms', values: flags.thinkMs },
    { name: 'max-rooms', values: flags.maxRooms },
    { name: 'rooms', values: flags.rooms },
    { name: 'pool-size', values: flags.poolSize },
    { name: 'servers', values: flags.servers },
    { name: 'rate', values: flags.rate },
  ];
  const axes = lists.filter(({ values }) => values !== undefined && values.length > 1) as SweepAxis[];
  if (axes.length === 0) {
    throw new UsageError(`sweep needs an axis: give one of ${axisNames.map((name) => `--${name}`).join(', ')} two or more comma-separated values`);
  }
  if (axes.length > 2)
    throw new UsageError(`sweep takes one or two axes at a time, not ${axes.length}: ${axes.map(({ name }) => `--${name}`).join(', ')}`);
  const fixedTime = flags.duration !== undefined || flags.rate !== undefined;
  // A fixed-time point never sells out, so its hotels' size would change nothing.
  if (fixedTime && flags.rooms.length > 1) throw new UsageError('--rooms as an axis runs each point to sell-out: leave out --duration and --rate');
  const first = <T>(values: T[] | undefined) => (values ? at(values, 0) : undefined);
  const base = runConfigOf({
    ...flags,
    clients: at(flags.clients, 0),
    thinkMs: at(flags.thinkMs, 0),
    maxRooms: at(flags.maxRooms, 0),
    poolSize: first(flags.poolSize),
    servers: at(flags.servers, 0),
    rate: first(flags.rate),
    // An open-loop point is measured over a fixed time.
    duration: flags.duration ?? (flags.rate ? defaultRateDurationMs : undefined),
    hotels: first(flags.hotRows) ?? flags.hotels,
    pick: flags.hotRows ? 'random' : flags.pick,
    // Fixed-time points measure a steady state: no hotel may sell out before the clock stops.
    rooms: fixedTime ? unlimitedRooms : at(flags.rooms, 0),
  });
  if (flags.slo && !flags.rate) throw new UsageError('--slo needs --rate: capacity is the highest offered rate that meets the target');
  const points = sweepPoints(base, axes, flags.poolSize ? undefined : poolSizeFor);
  // The target goes into every trial's result, so that a report of the files draws it too.
  const judged = flags.slo ? points.map((point) => ({ ...point, coordinates: { ...point.coordinates, slo: flags.slo?.text } })) : points;
  return { base, axes, points: judged, slo: flags.slo };
}
