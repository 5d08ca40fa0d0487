import { randomInt } from 'node:crypto';
import type { Shard } from '../../client-sim/shard.js';
import { UsageError } from '../../harness/model/errors.js';
import type { RunConfig } from '../../harness/model/run-config.js';
import type { RaceRun } from '../../harness/race/race.js';
import { strategies } from '../../strategies/registry.js';
import { chaosConfig, type ChaosFlags } from './chaos-options.js';
import type { CiFlags } from './ci-options.js';
import { poolSizeFor, type LoadFlags } from './options.js';
import { retriesAndPooler, type WorkloadFlags } from './workload-options.js';

/** A fixed-time run leaves out its first fifth, never more than this, unless --ramp says otherwise. */
const maxDefaultRampMs = 1000;

/** The flags of `run` and `race`, as commander parses them. */
export type RunFlags = LoadFlags & WorkloadFlags & ChaosFlags & CiFlags;

/**
 * The run's configuration from the flags of `run` and `race`, and the servers' Node flags from
 * EVENTO_SERVER_NODE_ARGS (space-separated, as the bench profiles servers); throws a UsageError
 * for flags that contradict each other.
 */
export function runConfigOf(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): RunConfig {
  if (flags.duration !== undefined && flags.duration >= flags.timeout * 1000) {
    throw new UsageError(`--duration must be shorter than --timeout (${flags.timeout}s); raise --timeout`);
  }
  const chaos = chaosConfig(flags);
  if (flags.via.includes('direct') && chaos?.faults.includes('kill-server')) {
    throw new UsageError('--chaos kill-server has no server process to kill with --via direct: use kill-backends or slow-db, or --via http');
  }
  return {
    ...openLoopConfig(flags),
    clients: flags.clients,
    servers: flags.servers,
    hotels: flags.hotels,
    rooms: flags.rooms,
    maxRooms: flags.maxRooms,
    thinkMs: flags.thinkMs,
    seed: flags.seed ?? randomInt(2 ** 31 - 1),
    pick: flags.pick,
    inFlight: flags.inFlight,
    poolSize: flags.poolSize ?? poolSizeFor(flags.servers),
    durationMs: flags.duration,
    warmupMs: flags.warmup,
    timeoutMs: flags.timeout * 1000,
    ...retriesAndPooler(flags),
    chaos,
    history: flags.history,
    sampleMs: flags.sampleMs,
    batchMs: flags.batchMs,
    serverNodeArgs: env.EVENTO_SERVER_NODE_ARGS?.split(' ').filter(Boolean),
  };
}

/** Only the rooms workload's clients follow a schedule: a hold's or a slot's later steps belong to its client. */
const openLoopWorkloads: readonly string[] = ['rooms'];

/** `--rate` and what goes with it, and the measured window's ramp; refused where they do not apply. */
function openLoopConfig(flags: RunFlags): Pick<RunConfig, 'openLoop' | 'rampMs'> {
  const withoutRate = (['arrivals', 'latencyLimit'] as const).find((name) => flags[name] !== undefined);
  if (flags.rate === undefined && withoutRate) {
    throw new UsageError(`--${withoutRate === 'arrivals' ? 'arrivals' : 'latency-limit'} applies to the open loop only: give --rate R too`);
  }
  const closedWorkload = flags.workload.find((workload) => !openLoopWorkloads.includes(workload));
  if (flags.rate !== undefined && closedWorkload) {
    throw new UsageError(`--rate applies to the rooms workload, not ${closedWorkload}: its clients' later steps follow their own answers`);
  }
  if (flags.ramp !== undefined && flags.duration === undefined && flags.rate === undefined) {
    throw new UsageError('--ramp applies to --duration and --rate runs; a run to sell-out is measured whole');
  }
  if (flags.ramp !== undefined && flags.duration !== undefined && flags.ramp >= flags.duration) {
    throw new UsageError(`--ramp must be shorter than --duration (${flags.duration} ms)`);
  }
  const rampMs = flags.ramp ?? (flags.duration !== undefined ? Math.min(maxDefaultRampMs, Math.round(flags.duration / 5)) : 0);
  return {
    openLoop: flags.rate === undefined ? undefined : { rate: flags.rate, arrivals: flags.arrivals ?? 'poisson', latencyLimitMs: flags.latencyLimit },
    rampMs,
  };
}

/** The run's configuration with its shard of the clients (`run` and `load` take `--shard`), refused when that shard would run no client (`--shard 3/4` of `--clients 2`). */
export function shardedRunConfigOf(flags: RunFlags & { shard?: Shard }): RunConfig {
  const config = runConfigOf(flags);
  const { shard, clients } = flags;
  if (shard && shard.index > clients) {
    throw new UsageError(`--shard ${shard.index}/${shard.count} has no clients: of --clients ${clients}, only shards 1 to ${clients} get any`);
  }
  return { ...config, shard };
}

/** `--batch-ms` sets the window of the strategies that batch; refused for runs of none, which would ignore it. */
export function refuseUnusedBatchMs(runs: RaceRun[], batchMs: number | undefined) {
  if (batchMs === undefined || runs.some(({ strategy }) => strategy.batches)) return;
  const batching = strategies.filter((strategy) => strategy.batches).map(({ name }) => name);
  throw new UsageError(`--batch-ms applies to strategies that batch (${batching.join(', ')}): run one of them, or drop --batch-ms`);
}
