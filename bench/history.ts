import { cpus } from 'node:os';
import { summarize } from '../harness/stats.js';
import { runEvento, type CliOptions, type CliRun } from './evento-cli.js';
import { median, round2 } from './stats.js';

/** Goodput with and without `--history`, for one strategy. */
export interface HistoryOverhead {
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
   * Against the budget (with ≥ 90 % of without): `within` when the whole interval is at or above
   * it, `over` when the whole interval is below, `unresolved` when the rounds cannot tell.
   */
  budget: 'within' | 'over' | 'unresolved';
  operations: number[];
  rounds: { without: number; with: number }[];
  /**
   * Where the CPU went, in µs per reservation, medians over the runs: evento's CLI and its
   * servers, and PostgreSQL (NaN when the database does not run on this machine).
   */
  cpuPerReservation: Record<'evento' | 'postgres', { without: number; with: number }>;
}

export const historyBudget = 0.9;
const strategies = ['atomic', 'pessimistic'];
/** Rooms that never sell out in the run's time: a fixed-length throughput run. */
const rooms = 1_000_000;

/** A run's CPU per reservation, in µs, from its share of all cores while the clients ran; NaN where not measured. */
function cpuPerReservation(run: CliRun, postgresMeasured: boolean) {
  const microseconds = (percent = NaN) => ((percent / 100) * cpus().length * 1_000_000) / run.result.outcome.reservations_per_s;
  return { evento: microseconds(run.cpu?.harness), postgres: postgresMeasured ? microseconds(run.cpu?.postgres) : NaN };
}

/**
 * What recording a history costs: each round runs the strategy without and with `--history`
 * back to back, the order alternating between rounds so that neither always runs on a warmer
 * or a busier machine; the ratio is taken within each round.
 */
export async function measureHistoryOverhead(
  options: Omit<CliOptions, 'limitMs'> & { runs: number; seconds: number; log(line: string): void },
): Promise<HistoryOverhead[]> {
  const args = ['--clients', '64', '--servers', '2', '--hotels', '3', '--rooms', String(rooms), '--think-ms', '0', '--pick', 'random', '--warmup', '1s'];
  const overheads: HistoryOverhead[] = [];
  for (const strategy of strategies) {
    const rounds: HistoryOverhead['rounds'] = [];
    const operations: number[] = [];
    const cpu: Record<'without' | 'with', ReturnType<typeof cpuPerReservation>[]> = { without: [], with: [] };
    for (let round = 1; round <= options.runs; round += 1) {
      const goodput = { without: 0, with: 0 };
      for (const recorded of round % 2 === 1 ? [false, true] : [true, false]) {
        const run = await runEvento(['--strategy', strategy, ...args, '--duration', `${options.seconds}s`, ...(recorded ? ['--history'] : [])], {
          ...options,
          limitMs: options.seconds * 1000 + 120_000,
        });
        const side = recorded ? 'with' : 'without';
        goodput[side] = run.result.outcome.reservations_per_s;
        cpu[side].push(cpuPerReservation(run, options.postgresPid !== undefined));
        if (recorded) operations.push(run.result.history?.operations ?? 0);
      }
      options.log(`history round ${round} ${strategy}: ${goodput.without} res/s without, ${goodput.with} with`);
      rounds.push(goodput);
    }
    const mediansOf = (part: 'evento' | 'postgres') => ({
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
      budget: ratios.low >= historyBudget ? 'within' : ratios.high < historyBudget ? 'over' : 'unresolved',
      operations,
      rounds,
      cpuPerReservation: { evento: mediansOf('evento'), postgres: mediansOf('postgres') },
    });
  }
  return overheads;
}
