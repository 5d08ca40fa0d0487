import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { arrivalModels } from '../../client-sim/arrivals.js';
import type { Shard } from '../../client-sim/shard.js';
import { serviceLevelOf, type ServiceLevel } from '../../harness/analysis/capacity.js';
import type { ThinkRange } from '../../harness/model/run-config.js';
import { defaultBuckets } from '../../harness/workloads/event.js';
import { isUuid } from '../../server/validate.js';
import { defaultBatchMs } from '../../strategies/batch.js';

/**
 * Connections per server process: as many as cores. More only queue in PostgreSQL and lose
 * postgres.js's pipelining (figures in docs/performance.md).
 */
export const defaultPoolSize = availableParallelism();

/**
 * About as many connections in all as cores: more only wait on each other's row locks and
 * take turns on the cores (figures in docs/performance.md).
 */
export const poolSizeFor = (servers: number) => Math.max(1, Math.round(defaultPoolSize / servers));

/** Flag parsers: each rejects a bad value with one line naming the allowed range. */

export function integer(min: number, max: number) {
  return (value: string) => {
    const parsed = /^-?[0-9]+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

/** "10", "2.5": a percentage from 0 to `max`. */
export function percent(max: number) {
  return (value: string) => {
    const parsed = /^[0-9]+(?:\.[0-9]+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!(parsed >= 0 && parsed <= max)) throw new InvalidArgumentError(`expected a percentage from 0 to ${max}, e.g. 10`);
    return parsed;
  };
}

const maxThinkMs = 60_000;

/** "A-B" or "A" milliseconds, 0 ≤ A ≤ B ≤ 60000. */
export function thinkRange(value: string): ThinkRange {
  const match = /^\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?$/.exec(value);
  const min = match ? Number(match[1]) : NaN;
  const max = match?.[2] !== undefined ? Number(match[2]) : min;
  if (!match || min > max || max > maxThinkMs) {
    throw new InvalidArgumentError(`expected milliseconds "A-B" or "A" with 0 <= A <= B <= ${maxThinkMs}`);
  }
  return { min, max, text: min === max ? String(min) : `${min}-${max}` };
}

const durationUnits = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);

/** "500ms", "10s", "1.5m", "2h" as a whole number of milliseconds; NaN for anything else. */
function durationMs(value: string): number {
  const [, amount, unit = ''] = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)\s*$/.exec(value) ?? [];
  const unitMs = durationUnits.get(unit);
  return unitMs === undefined ? NaN : Math.round(Number(amount) * unitMs);
}

/** "500ms", "10s", "1.5m", "2h": a whole number of milliseconds from `minMs` to `maxMs`, which `range` names. */
export function durationBetween(minMs: number, maxMs: number, range: string) {
  return (value: string): number => {
    const ms = durationMs(value);
    if (!(ms >= minMs && ms <= maxMs)) {
      throw new InvalidArgumentError(`expected a time with a unit (ms, s, m, h), e.g. 500ms or 10s, from ${range}`);
    }
    return ms;
  };
}

export const duration = durationBetween(1, 24 * 3_600_000, '1ms to 24h');

const warmupTime = durationBetween(0, 600_000, '0 to 10m');
/** A warm-up time, where a bare 0 (no unit) turns it off. */
const warmup = (value: string) => (value.trim() === '0' ? 0 : warmupTime(value));

/** How far ahead a load host may be told to start: a day, as `--duration` may last. */
const maxStartAheadMs = 24 * 3_600_000;
/** With its zone: load hosts in different zones must read one time as one instant. */
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * "2025-05-01T12:00:00Z" (ISO-8601 with its zone) or "+10s" (a time from now, with a unit as
 * `--duration` takes): the instant, in ms since the epoch, that load hosts started together
 * send their first request at. At most 24h ahead; a time past means at once.
 */
export function startTime(value: string, now = Date.now()): number {
  const text = value.trim();
  const at = text.startsWith('+') ? now + durationMs(text.slice(1)) : isoTime.test(text) ? Date.parse(text) : NaN;
  if (!(at <= now + maxStartAheadMs)) {
    throw new InvalidArgumentError(
      'expected an ISO-8601 time with its zone, e.g. 2025-05-01T12:00:00Z, or +N with a unit from now, e.g. +10s; at most 24h ahead',
    );
  }
  return at;
}

const maxRate = 1_000_000;

/** "500", "2.5": attempts started per second, over all clients together. */
export function rate(value: string): number {
  const parsed = /^[0-9]+(?:\.[0-9]+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(parsed > 0 && parsed <= maxRate))
    throw new InvalidArgumentError(`expected attempts per second, a number above 0 and at most ${maxRate}, e.g. 500`);
  return parsed;
}

/** "p99=50ms": a percentile of the wait from each intended start, and the most it may be. */
export function serviceLevel(value: string): ServiceLevel {
  const level = serviceLevelOf(value);
  if (!level) throw new InvalidArgumentError('expected pN=time with N one of 95, 99, 999 and a time in ms or s, e.g. p99=50ms');
  return level;
}

const rampTime = durationBetween(0, 3_600_000, '0 to 1h');
/** A ramp, where a bare 0 (no unit) measures from the start. */
const ramp = (value: string) => (value.trim() === '0' ? 0 : rampTime(value));

export function uuid(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('expected a uuid, e.g. an event_id from `evento seed`');
  return value;
}

/** As many shards as there may be clients. */
const maxShards = 100_000;

/** "i/N": shard i of N load hosts, 1 ≤ i ≤ N. */
export function parseShard(text: string): Shard {
  const match = /^\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !(count >= 1 && count <= maxShards && index >= 1 && index <= count)) {
    throw new InvalidArgumentError(`expected i/N with 1 <= i <= N <= ${maxShards}, e.g. 1/2`);
  }
  return { index, count };
}

/** `--shard i/N`: one load host's share of the clients; `required` says so in the help of `load`, which checks it. */
export const shardOption = (required?: 'required') =>
  new Option(
    '--shard <i/N>',
    `${required ? 'required: ' : ''}run only shard i of N: client c (from 0) is in shard c mod N + 1, so N shards with one --seed send the demand of one host`,
  ).argParser(parseShard);

/** `--start-at TIME`: when a load host's clients start, so that hosts started one by one still run at once. */
export const startAtOption = () =>
  new Option(
    '--start-at <time>',
    'send the first request at this time: ISO-8601 with its zone (2025-05-01T12:00:00Z) or from now (+10s); past: at once',
  ).argParser((value) => startTime(value));

export const progressFormats = ['auto', 'lines', 'json'] as const;
export type ProgressFormat = (typeof progressFormats)[number];

/** The flags `run` and `race` share, with Evento's names and defaults. */
export function loadOptions() {
  return new Command()
    .addOption(new Option('--clients <M>', 'simulated clients').argParser(integer(1, 100_000)).default(200))
    .addOption(new Option('--servers <N>', 'server processes').argParser(integer(1, 64)).default(2))
    .addOption(new Option('--rooms <R>', 'contracted rooms per hotel').argParser(integer(1, 1_000_000)).default(200))
    .addOption(new Option('--hotels <H>', 'hotels in the event').argParser(integer(1, 1000)).default(3))
    .addOption(new Option('--max-rooms <K>', 'most rooms one request asks for').argParser(integer(1, 1000)).default(5))
    .addOption(
      new Option('--buckets <K>', 'bucket rows per hotel for the strategies that split its rooms (buckets, buckets-single)')
        .argParser(integer(1, 1000))
        .default(defaultBuckets),
    )
    .addOption(new Option('--think-ms <A-B>', "pause between a client's requests, in ms").argParser(thinkRange).default(thinkRange('0-300'), '0-300'))
    .addOption(
      new Option('--seed <X>', "seed for the clients' random choices (default: random, recorded in the results)").argParser(integer(0, 2 ** 31 - 1)),
    )
    .addOption(new Option('--pick <how>', 'which listed hotel a client tries').choices(['first', 'random']).default('first'))
    .addOption(new Option('--in-flight <n>', 'most requests in flight at once, over all servers').argParser(integer(1, 100_000)).default(256))
    .addOption(
      new Option('--pool-size <n>', 'database connections per server process (default: CPU cores ÷ servers, at least 1)').argParser(integer(1, 100)),
    )
    .addOption(
      new Option('--repeat <N>', 'trials of each strategy, interleaved (A B C A B C …), each on a fresh event; ranking needs 4 or more')
        .argParser(integer(1, 1000))
        .default(1),
    )
    .addOption(
      new Option('--duration <time>', 'stop the clients after this long (e.g. 10s, 500ms) instead of at sell-out; the audit still runs').argParser(
        duration,
      ),
    )
    .addOption(
      new Option(
        '--warmup <time>',
        'unmeasured load first (every strategy in turn, on a throwaway event), so each process has compiled its hot code; 0: none',
      )
        .argParser(warmup)
        .default(2000, '2s'),
    )
    .addOption(
      new Option(
        '--rate <R>',
        'open loop: start R reservation attempts per second over all clients, whatever the answers; --clients caps those in flight (default: the closed loop)',
      ).argParser(rate),
    )
    .addOption(
      new Option('--arrivals <how>', 'with --rate: poisson (random gaps, as real arrivals) or constant (even gaps) (default: poisson)').choices(
        arrivalModels,
      ),
    )
    .addOption(
      new Option('--latency-limit <ms>', 'with --rate: drop (count, never send) an attempt not started this long after its intended time').argParser(
        integer(1, 3_600_000),
      ),
    )
    .addOption(
      new Option(
        '--ramp <time>',
        'with --duration or --rate: leave the first part out of goodput and latency (default: a fifth of --duration, at most 1s; 0: none)',
      ).argParser(ramp),
    )
    .addOption(
      new Option('--timeout <seconds>', 'stop the clients and fail (exit 3) after this long, per strategy').argParser(integer(1, 86_400)).default(120),
    )
    .addOption(new Option('--json <file>', 'also write the results to this file'))
    .addOption(new Option('--report <file>', 'also write a self-contained HTML report of the results (opens offline)'))
    .addOption(new Option('--results-dir <dir>', 'where one JSON file per strategy run is written').default('bench-results'))
    .addOption(
      new Option(
        '--assert-no-overbooking',
        "exit 1 if a strategy that promises safety overbooked or drifted: always so for evento's own strategies; with --target, it states the promise",
      ),
    )
    .addOption(new Option('--expect-overbooking', 'exit 1 if a strategy that does not promise safety showed no overbooking or drift'))
    .addOption(
      new Option(
        '--history',
        'record every operation in <result file>.history.ndjson beside each result file, with a witness for each anomaly and a check of the history (docs/histories.md)',
      ),
    )
    .addOption(
      new Option('--sample-ms <ms>', "sample the servers' database sessions this often while the clients run, for where the time went; 0: off")
        .argParser(integer(0, 60_000))
        .default(10),
    )
    .addOption(
      new Option(
        '--batch-ms <ms>',
        `strategies that batch (batched): how long each server gathers the claims on a hotel before settling them together (default: ${defaultBatchMs})`,
      ).argParser(integer(1, 1000)),
    )
    .addOption(new Option('--no-tui', 'plain progress lines on stderr even on a terminal'))
    .addOption(
      new Option(
        '--wide',
        'the final table with every column (reservations, drift, retries, errors, req/s, request latency, …), wider than 100 columns',
      ),
    )
    .addOption(
      new Option('--progress <how>', 'progress on stderr: auto (the dashboard on a terminal, else lines), lines, or json (one object per line)')
        .choices(progressFormats)
        .default('auto'),
    );
}

/** The flags of `loadOptions()`, as commander parses them. */
export type LoadFlags = ReturnType<ReturnType<typeof loadOptions>['opts']>;
