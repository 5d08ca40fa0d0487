import { at } from '../lib/at.js';
import { runEvento, type CliOptions } from './evento-cli.js';
import { medianCpu, type CpuSplit } from './proc.js';
import { median, round2 } from './stats.js';

/**
 * The original Evento's clients-phase durations (first client start to last client stop), as
 * measured on a 2-core machine: its servers are goroutines in one process sharing 4 connections.
 * Its "atomic" mode is evento's `transaction`; it has no conditional-statement strategy.
 */
export const originalSettings = [
  {
    name: 'issue',
    args: ['--clients', '500', '--rooms', '2000', '--servers', '4', '--hotels', '3', '--think-ms', '0-300'],
    originalSeconds: { naive: [1.58], transaction: [1.94], pessimistic: [2.06], optimistic: [2.77] } as Record<string, number[]>,
  },
  {
    name: 'readme',
    args: ['--clients', '200', '--rooms', '200', '--servers', '2', '--hotels', '3', '--think-ms', '0-300'],
    originalSeconds: { naive: [0.5, 0.7], transaction: [0.5, 0.7], pessimistic: [0.5, 0.7], optimistic: [0.5, 0.7] } as Record<string, number[]>,
  },
];

const strategies = ['naive', 'transaction', 'pessimistic', 'optimistic', 'atomic'];

export interface OriginalRow {
  setting: string;
  params: string;
  strategy: string;
  /** Median clients-phase duration (outcome.duration_ms) over the runs, in seconds. */
  eventoSeconds: number;
  /** Median over the rounds of this strategy's duration ÷ naive's in the same round. */
  eventoToNaive: number;
  /** The original's figure, or its range; absent for a strategy it does not have. */
  originalSeconds?: number[];
  /** The original's figure ÷ its naive figure, when both are single figures. */
  originalToNaive?: number;
  soldOut: boolean;
  errors: number;
  /** Absent for runs too short for two progress ticks. */
  cpu?: CpuSplit;
}

interface StrategyRuns {
  seconds: number[];
  soldOut: boolean;
  errors: number;
  cpu: (CpuSplit | undefined)[];
}

/**
 * Each round runs every strategy once, naive first, so that a strategy's ratio to naive is taken
 * within one round: the machine's speed drifts between rounds far more than within one, and the
 * original's own figures are best read against its naive figure too.
 */
export async function compareWithOriginal(options: Omit<CliOptions, 'limitMs'> & { runs: number; log(line: string): void }): Promise<OriginalRow[]> {
  const rows: OriginalRow[] = [];
  for (const setting of originalSettings) {
    const runs = new Map<string, StrategyRuns>(strategies.map((strategy) => [strategy, { seconds: [], soldOut: true, errors: 0, cpu: [] }]));
    for (let round = 1; round <= options.runs; round += 1) {
      for (const [strategy, record] of runs) {
        // One CLI run per strategy, as the original runs one mode per invocation.
        const run = await runEvento(['--strategy', strategy, ...setting.args], { ...options, limitMs: 180_000 });
        const { outcome } = run.result;
        record.cpu.push(run.cpu);
        record.seconds.push(outcome.duration_ms / 1000);
        record.soldOut &&= outcome.stopped_by === 'done';
        record.errors = Math.max(record.errors, outcome.errors);
        options.log(`${setting.name} round ${round} ${strategy}: clients phase ${(outcome.duration_ms / 1000).toFixed(2)}s`);
      }
    }
    const naive = runs.get('naive');
    if (!naive) throw new Error('the comparison is relative to naive, which must be among the strategies run');
    const originalNaive = setting.originalSeconds.naive;
    for (const [strategy, record] of runs) {
      const originalSeconds = setting.originalSeconds[strategy];
      rows.push({
        setting: setting.name,
        params: setting.args.join(' '),
        strategy,
        eventoSeconds: round2(median(record.seconds)),
        eventoToNaive: round2(median(record.seconds.map((seconds, round) => seconds / at(naive.seconds, round)))),
        originalSeconds,
        originalToNaive:
          originalSeconds?.length === 1 && originalNaive?.length === 1 ? round2(at(originalSeconds, 0) / at(originalNaive, 0)) : undefined,
        soldOut: record.soldOut,
        errors: record.errors,
        cpu: medianCpu(record.cpu),
      });
    }
  }
  return rows;
}
