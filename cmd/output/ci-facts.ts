import type { StrategyResult } from '../../harness/model/result-schema.js';
import { at } from '../../lib/at.js';
import { formatWitness } from './history-text.js';

/**
 * A run as CI reports name it: `rooms:atomic`, `rooms:atomic#3` for trial 3 of several, and in a
 * sweep with its point's axes, `rooms:atomic@clients=64#3`.
 */
export function testcaseName({ workload, params, trial, sweep }: Pick<StrategyResult, 'workload' | 'params' | 'trial' | 'sweep'>): string {
  const point = sweep
    ? `@${Object.entries(sweep.axes)
        .map(([axis, value]) => `${axis}=${value}`)
        .join(',')}`
    : '';
  return `${workload}:${params.strategy}${point}${trial && trial.count > 1 ? `#${trial.index}` : ''}`;
}

/** The witnesses of what went wrong in a run (`outcome.witnesses`, with --history), as `evento witness` prints them. */
export const witnessTexts = (result: StrategyResult): string[] =>
  (result.outcome.witnesses ?? []).map((witness) => formatWitness(witness, result.params.strategy));

/** An argument as a POSIX shell reads it back: bare when it holds nothing the shell would change, else in single quotes. */
const shellWord = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The command line that replays a run: the arguments as given, with the seed the run drew when none was given. */
export function replayCommand(args: readonly string[], seed: number): string {
  const seeded = args.some((arg) => arg === '--seed' || arg.startsWith('--seed='));
  return ['npx', 'evento', ...args, ...(seeded ? [] : ['--seed', String(seed)])].map(shellWord).join(' ');
}

/** What a run was asked to do and where it ran, as name and value, from its first result. */
export function parameterRows(results: readonly StrategyResult[]): [name: string, value: string][] {
  const { params, trial, environment, tool } = at(results, 0);
  const strategies = [...new Set(results.map(({ workload, params }) => `${workload}:${params.strategy}`))].join(', ');
  return [
    ['strategies', strategies],
    ...(Object.entries(params) as [string, (typeof params)[keyof typeof params]][]).flatMap(([name, value]): [string, string][] =>
      name === 'strategy' || value === undefined ? [] : [[name, typeof value === 'object' ? JSON.stringify(value) : String(value)]],
    ),
    ['trials', String(trial?.count ?? 1)],
    ['evento', tool.version],
    ['node', environment.node],
    ['postgres', environment.postgres],
    ['database', environment.database],
    ['cpus', String(environment.cpus)],
  ];
}
