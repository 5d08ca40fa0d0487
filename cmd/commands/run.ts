import type { RaceHooks } from '../../harness/model/race-hooks.js';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import type { RunConfig } from '../../harness/model/run-config.js';
import { runLabel } from '../../harness/model/workload.js';
import { runRace, type RaceRun } from '../../harness/race/race.js';
import { finishRun } from '../finish-run.js';
import type { RunFlags } from '../flags/run-flags.js';
import { endedRace, stopOnSignal } from '../lifecycle.js';
import { formatHistoryOutcome } from '../output/history-text.js';
import { formatChaos, formatResults } from '../output/report-table.js';
import { keepResult, openOutputs } from '../outputs.js';
import { progressView } from '../progress/progress-view.js';

/** `evento run` (one strategy) and `evento race` (several): the exit code, or a typed error. */
export async function runStrategies(command: 'run' | 'race', runs: RaceRun[], config: RunConfig, flags: RunFlags): Promise<number> {
  const { seed, chaos } = config;
  const chosen = await openOutputs(command, flags);
  const { messages } = chosen;
  const { clients, servers, hotels, rooms } = flags;
  const strategies = runs.map(({ settings, strategy, via }) => runLabel(settings.workload, strategy.name, via));
  // Ctrl-C, SIGTERM, or q and Ctrl-C on the dashboard: the same clean stop, once the view is up.
  const view = await progressView(
    chosen.progress,
    { command, strategies, seed, clients, servers, hotels, rooms, thinkMs: flags.thinkMs.text },
    () => interrupt.stop(),
    () => messages.notice('stopping', 'stopping the clients; what was written is still audited (again to quit now)'),
  );
  const interrupt = stopOnSignal(() => view.stopping(), messages);

  const results: StrategyResult[] = [];
  const progress = view.hooks;
  const hooks: RaceHooks = {
    ...progress,
    async onResult(result, history) {
      await progress.onResult?.(result);
      results.push(result);
      await keepResult(chosen.outputs, result, history);
    },
  };

  const race = await endedRace(
    runRace({ runs, config, trials: flags.repeat, signal: interrupt.signal, tickMs: view.tickMs, hooks }).finally(async () => {
      interrupt.release();
      await view.close();
    }),
  );

  const printed = [
    ...(results.length > 0 ? [formatResults(results, { wide: flags.wide })] : []),
    ...(chaos && results.length > 0 ? [formatChaos(results)] : []),
    ...results
      .map((result) => formatHistoryOutcome(result))
      .filter(Boolean)
      .map((history) => `\n${history}`),
  ].join('\n');
  // run writes its one result; race, and run with --repeat, the list, even when it holds one.
  const document = command === 'run' && flags.repeat === 1 ? (results[0] ?? null) : results;
  return finishRun({ command, results, ...race, printed, document, seed }, flags, chosen);
}
