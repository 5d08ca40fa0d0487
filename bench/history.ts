import { cpus } from 'node:os';
import { budgetOf, ratioSummary, summarize, type RatioSummary, type Summary } from '../harness/analysis/stats.js';
import { at } from '../lib/at.js';
import { runEvento, type CliOptions, type CliRun } from './evento-cli.js';
import type { SamplerRound } from './sampler-cost.js';
import { median } from './stats.js';

/** Goodput and CPU per reservation with and without a flag (`--history`, `--sample-ms`), for one strategy. */
export interface FlagOverhead extends RatioSummary {
  strategy: string;
  /** Medians over the rounds, reservations per second; the ratio and its budget (with ≥ (1 - cost) × without) are goodput's. */
  without: number;
  with: number;
  rounds: { without: number; with: number }[];
  /**
   * Where the CPU went, in µs per reservation, medians over the runs: all processes, evento's CLI
   * and its servers together and apart (clients: the CLI's own process), and PostgreSQL (NaN when
   * the database does not run on this machine).
   */
  cpuPerReservation: Record<CpuPart, { without: number; with: number }>;
  /** Each part's CPU per reservation with ÷ without, by round; the budget (with ≤ (1 + cost) × without) is judged on `all` alone. */
  cpuRatios: Record<CpuPart, RatioSummary>;
  /** Each round's CPU per reservation, µs, by part. */
  cpuRounds: { without: Record<CpuPart, number>; with: Record<CpuPart, number> }[];
}

/** Goodput with and without `--history`, and the operations each history held. */
export type HistoryOverhead = FlagOverhead & { operations: number[] };

/** Recording a history may cost at most 10 %: of goodput, and of CPU per reservation. */
export const historyCost = 0.1;
/** Sampling the database's waits (--sample-ms, default 10) may cost at most 2 %: of goodput, and of CPU per reservation. */
export const samplingCost = 0.02;
/** The sampling interval the budget is judged at: --sample-ms's default. */
export const samplingIntervalMs = 10;
const strategies = ['atomic', 'pessimistic'];
/** Rooms that never sell out in the run's time: a fixed-length throughput run. */
const rooms = 1_000_000;

const cpuParts = ['all', 'evento', 'clients', 'servers', 'postgres'] as const;
export type CpuPart = (typeof cpuParts)[number];

/** A run's CPU per reservation, in µs, from its share of all cores while the clients ran; NaN where not measured. */
export function cpuPerReservation(run: CliRun, postgresMeasured: boolean): Record<CpuPart, number> {
  const microseconds = (percent = NaN) => ((percent / 100) * cpus().length * 1_000_000) / run.result.outcome.reservations_per_s;
  const { cpu } = run;
  return {
    all: postgresMeasured ? microseconds(cpu && cpu.harness + cpu.postgres) : NaN,
    evento: microseconds(cpu?.harness),
    clients: microseconds(cpu?.cli),
    servers: microseconds(cpu && cpu.harness - cpu.cli),
    postgres: postgresMeasured ? microseconds(cpu?.postgres) : NaN,
  };
}

type OverheadOptions = Omit<CliOptions, 'limitMs'> & { runs: number; seconds: number; log(line: string): void };

/**
 * What a flag costs: each round runs the strategy without and with it back to back, the order
 * alternating between rounds so that neither always runs on a warmer or a busier machine; the
 * ratio is taken within each round. `onRun` sees every run, and whether it had the flag.
 */
async function measureFlagOverhead(
  options: OverheadOptions,
  flag: { name: string; without: string[]; with: string[]; cost: number },
  onRun: (strategy: string, run: CliRun, flagged: boolean) => void = () => undefined,
): Promise<FlagOverhead[]> {
  const args = ['--clients', '64', '--servers', '2', '--hotels', '3', '--rooms', String(rooms), '--think-ms', '0', '--pick', 'random', '--warmup', '1s'];
  const overheads: FlagOverhead[] = [];
  for (const strategy of strategies) {
    const rounds: FlagOverhead['rounds'] = [];
    const cpu: Record<'without' | 'with', ReturnType<typeof cpuPerReservation>[]> = { without: [], with: [] };
    for (let round = 1; round <= options.runs; round += 1) {
      const goodput = { without: 0, with: 0 };
      for (const flagged of round % 2 === 1 ? [false, true] : [true, false]) {
        const run = await runEvento(['--strategy', strategy, ...args, '--duration', `${options.seconds}s`, ...(flagged ? flag.with : flag.without)], {
          ...options,
          limitMs: options.seconds * 1000 + 120_000,
        });
        const side = flagged ? 'with' : 'without';
        goodput[side] = run.result.outcome.reservations_per_s;
        cpu[side].push(cpuPerReservation(run, options.postgresPid !== undefined));
        onRun(strategy, run, flagged);
      }
      const allCpu = (side: 'without' | 'with') => Math.round(at(cpu[side], round - 1).all);
      options.log(
        `${flag.name} round ${round} ${strategy}: ${goodput.without} res/s without, ${goodput.with} with; ` +
          `CPU, all processes: ${allCpu('without')} µs/res without, ${allCpu('with')} with`,
      );
      rounds.push(goodput);
    }
    const cpuRounds = cpu.without.map((without, index) => ({ without, with: at(cpu.with, index) }));
    const mediansOf = (part: CpuPart) => ({
      without: median(cpu.without.map((run) => run[part])),
      with: median(cpu.with.map((run) => run[part])),
    });
    const cpuRatioOf = (part: CpuPart) =>
      ratioSummary(
        cpuRounds.map((round) => round.with[part] / round.without[part]),
        (ratio) => ratio <= 1 + flag.cost,
      );
    overheads.push({
      strategy,
      without: median(rounds.map((r) => r.without)),
      with: median(rounds.map((r) => r.with)),
      ...ratioSummary(
        rounds.map((r) => (r.without > 0 ? r.with / r.without : 0)),
        (ratio) => ratio >= 1 - flag.cost,
      ),
      rounds,
      cpuPerReservation: Object.fromEntries(cpuParts.map((part) => [part, mediansOf(part)])) as FlagOverhead['cpuPerReservation'],
      cpuRatios: Object.fromEntries(cpuParts.map((part) => [part, cpuRatioOf(part)])) as FlagOverhead['cpuRatios'],
      cpuRounds,
    });
  }
  return overheads;
}

/** What recording a history costs, and how many operations each history held. */
export async function measureHistoryOverhead(options: OverheadOptions): Promise<HistoryOverhead[]> {
  const operations = new Map<string, number[]>();
  const overheads = await measureFlagOverhead(
    options,
    { name: 'history', without: [], with: ['--history'], cost: historyCost },
    (strategy, run, flagged) => {
      if (flagged) operations.set(strategy, [...(operations.get(strategy) ?? []), run.result.history?.operations ?? 0]);
    },
  );
  return overheads.map((overhead) => ({ ...overhead, operations: operations.get(overhead.strategy) ?? [] }));
}

/** What sampling the database's waits at the default interval costs, against no sampling. */
export function measureSamplingOverhead(options: OverheadOptions): Promise<FlagOverhead[]> {
  return measureFlagOverhead(options, {
    name: 'wait sampling',
    without: ['--sample-ms', '0'],
    with: ['--sample-ms', String(samplingIntervalMs)],
    cost: samplingCost,
  });
}

/**
 * The sampler's own CPU as a share of a run's, for one strategy: its CPU a sample (the sampling
 * process and its backend, measured apart, where no clients share its wake-ups) at the nominal
 * samples a second, over the CPU a second of the same strategy's runs without it. The interval
 * joins the two medians' far ends, so it is wider than either.
 */
export interface SamplerShare extends RatioSummary {
  strategy: string;
  /** µs of CPU a sample, all sides: the median and its interval. */
  perSample: Summary;
  samplesPerSecond: number;
  /** µs of CPU a second of the runs without sampling, all processes: the median and its interval. */
  runCpuPerSecond: Summary;
}

export function samplerShare(overhead: FlagOverhead, rounds: readonly SamplerRound[], intervalMs: number, cost = samplingCost): SamplerShare {
  const perSample = summarize(rounds.map((round) => round.all));
  const samplesPerSecond = 1000 / intervalMs;
  const runCpuPerSecond = summarize(overhead.cpuRounds.map((round, index) => round.without.all * at(overhead.rounds, index).without));
  // A run's CPU a second is above 0: an interval reaching down to it (fewer than 6 rounds) leaves the share unbounded above.
  const share = (cpuPerSample: number, runCpu: number) =>
    runCpu > 0 ? Math.round(((cpuPerSample * samplesPerSecond) / runCpu) * 10_000) / 10_000 : Infinity;
  const [ratio, low, high] = [
    share(perSample.median, runCpuPerSecond.median),
    share(perSample.low, runCpuPerSecond.high),
    share(perSample.high, runCpuPerSecond.low),
  ];
  return {
    strategy: overhead.strategy,
    perSample,
    samplesPerSecond,
    runCpuPerSecond,
    ratio,
    low,
    high,
    budget: budgetOf(low, high, (value) => value <= cost),
  };
}
