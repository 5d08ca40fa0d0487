import { runEvento, type CliOptions } from './evento-cli.js';
import { medianCpu, type CpuSplit } from './proc.js';
import { median } from './stats.js';

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
  /** The original's figure, or its range; absent for a strategy it does not have. */
  originalSeconds?: number[];
  soldOut: boolean;
  errors: number;
  /** Absent for runs too short for two progress ticks. */
  cpu?: CpuSplit;
}

export async function compareWithOriginal(options: Omit<CliOptions, 'limitMs'> & { runs: number; log(line: string): void }): Promise<OriginalRow[]> {
  const rows: OriginalRow[] = [];
  for (const setting of originalSettings) {
    for (const strategy of strategies) {
      const seconds: number[] = [];
      let soldOut = true;
      let errors = 0;
      const cpu: (CpuSplit | undefined)[] = [];
      for (let round = 1; round <= options.runs; round += 1) {
        // One CLI run per strategy, as the original runs one mode per invocation.
        const run = await runEvento(['--strategy', strategy, ...setting.args], { ...options, limitMs: 180_000 });
        const { result } = run;
        cpu.push(run.cpu);
        seconds.push(result.outcome.duration_ms / 1000);
        soldOut &&= result.outcome.stopped_by === 'done';
        errors = Math.max(errors, result.outcome.errors);
      }
      const row: OriginalRow = {
        setting: setting.name,
        params: setting.args.join(' '),
        strategy,
        eventoSeconds: Math.round(median(seconds) * 100) / 100,
        originalSeconds: setting.originalSeconds[strategy],
        soldOut,
        errors,
        cpu: medianCpu(cpu),
      };
      options.log(`${setting.name} ${strategy}: clients phase ${row.eventoSeconds}s (runs: ${seconds.map((s) => s.toFixed(2)).join(', ')})`);
      rows.push(row);
    }
  }
  return rows;
}
