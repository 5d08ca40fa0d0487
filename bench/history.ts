import { cpus } from 'node:os';
import { summarize } from '../harness/analysis/stats.js';
import { runEvento, type CliOptions, type CliRun } from './evento-cli.js';
import { median, round2 } from './stats.js';

/** Goodput and CPU per reservation with and without a flag (`--history`, `--sample-ms`), for one strategy. */
export interface FlagOverhead {
  strategy: string;
  /** Medians over the rounds, reservations per second. */
  without: number;
  with: number;
  /** Median over the rounds of with ÷ without, each round's pair run back to back. */
  ratio: number;
  /** The median ratio's 95 % confidence interval (unbounded below 6 rounds). */
  low: number;
  high: number;
  /**
   * Against the budget (with ≥ `budget` × without): `within` when the whole interval is at or
   * above it, `over` when the whole interval is below, `unresolved` when the rounds cannot tell.
   */
  budget: 'within' | 'over' | 'unresolved';
  rounds: { without: number; with: number }[];
  /**
   * Where the CPU went, in µs per reservation, medians over the runs: evento's CLI and its
   * servers together and apart (clients: the CLI's own process), and PostgreSQL (NaN when the
   * database does not run on this machine).
   */
  cpuPerReservation: Record<CpuPart, { without: number; with: number }>;
}

/** Goodput with and without `--history`, and the operations each history held. */
export type HistoryOverhead = FlagOverhead & { operations: number[] };

export const historyBudget = 0.9;
/** Sampling the database's waits (--sample-ms, default 10) may cost at most 2 % of goodput. */
export const samplingBudget = 0.98;
const strategies = ['atomic', 'pessimistic'];
/** Rooms that never sell out in the run's time: a fixed-length throughput run. */
const rooms = 1_000_000;

const cpuParts = ['evento', 'clients', 'servers', 'postgres'] as const;
type CpuPart = (typeof cpuParts)[number];

/** A run's CPU per reservation, in µs, from its share of all cores while the clients ran; NaN where not measured. */
export function cpuPerReservation(run: CliRun, postgresMeasured: boolean): Record<CpuPart, number> {
  const microseconds = (percent = NaN) => ((percent / 100) * cpus().length * 1_000_000) / run.result.outcome.reservations_per_s;
  const { cpu } = run;
  return {
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
  flag: { name: string; without: string[]; with: string[]; budget: number },
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
      options.log(`${flag.name} round ${round} ${strategy}: ${goodput.without} res/s without, ${goodput.with} with`);
      rounds.push(goodput);
    }
    const mediansOf = (part: CpuPart) => ({
      without: median(cpu.without.map((run) => run[part])),
      with: median(cpu.with.map((run) => run[part])),
    });
    const ratios = summarize(rounds.map((r) => (r.without > 0 ? r.with / r.without : 0)));
    overheads.push({
      strategy,
      without: median(rounds.map((r) => r.without)),
      with: median(rounds.map((r) => r.with)),
      ratio: round2(ratios.median),
      low: round2(ratios.low),
      high: round2(ratios.high),
      budget: ratios.low >= flag.budget ? 'within' : ratios.high < flag.budget ? 'over' : 'unresolved',
      rounds,
      cpuPerReservation: Object.fromEntries(cpuParts.map((part) => [part, mediansOf(part)])) as FlagOverhead['cpuPerReservation'],
    });
  }
  return overheads;
}

/** What recording a history costs, and how many operations each history held. */
export async function measureHistoryOverhead(options: OverheadOptions): Promise<HistoryOverhead[]> {
  const operations = new Map<string, number[]>();
  const overheads = await measureFlagOverhead(
    options,
    { name: 'history', without: [], with: ['--history'], budget: historyBudget },
    (strategy, run, flagged) => {
      if (flagged) operations.set(strategy, [...(operations.get(strategy) ?? []), run.result.history?.operations ?? 0]);
    },
  );
  return overheads.map((overhead) => ({ ...overhead, operations: operations.get(overhead.strategy) ?? [] }));
}

/** What sampling the database's waits at the default interval costs, against no sampling. */
export function measureSamplingOverhead(options: OverheadOptions): Promise<FlagOverhead[]> {
  return measureFlagOverhead(options, { name: 'wait sampling', without: ['--sample-ms', '0'], with: ['--sample-ms', '10'], budget: samplingBudget });
}
