import { EnvironmentError } from '../harness/model/errors.js';
import { runRace, type RaceRun } from '../harness/race/race.js';
import type { RaceHooks } from '../harness/model/race-hooks.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { writeResultFile } from '../harness/results/results-file.js';
import type { RunConfig } from '../harness/model/run-config.js';
import { exitCodeOfStatus } from '../harness/analysis/run-outcome.js';
import { runLabel } from '../harness/model/workload.js';
import { checkOutputs, finishRun } from './finish-run.js';
import { progressView } from './progress-view.js';
import { formatChaos, formatResults } from './report-table.js';
import type { RunFlags } from './run-flags.js';
import { runMessages, type RunMessages } from './run-messages.js';
import { formatHistoryOutcome } from './witness.js';

/** How long SIGTERM leaves a run to audit and write what it measured before it quits. */
const termGraceMs = 5000;

/**
 * Ctrl-C from now on stops the clients cleanly: `signal` aborts and `stopping` says so; a second
 * one quits at once. SIGTERM, which a supervisor sends to end a process, stops the clients and
 * quits once what was measured is written, or after a few seconds whatever it is waiting on.
 * `stop` is Ctrl-C's, for a view's own keys; `release` ends it.
 */
export function stopOnSignal(stopping: () => void, messages: RunMessages): { signal: AbortSignal; stop(): void; release(): void } {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(exitCodeOfStatus.interrupted);
    stopping();
    controller.abort();
  };
  const terminate = () => {
    if (!controller.signal.aborted) stop();
    setTimeout(() => {
      messages.notice('terminated', `SIGTERM: quitting before the run ended; finished runs are in their result files`);
      process.exit(exitCodeOfStatus.interrupted);
    }, termGraceMs).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', terminate);
  return {
    signal: controller.signal,
    stop,
    release() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', terminate);
    },
  };
}

/** `evento run` (one strategy) and `evento race` (several): the exit code, or a typed error. */
export async function runStrategies(command: 'run' | 'race', runs: RaceRun[], config: RunConfig, flags: RunFlags): Promise<number> {
  const { seed, chaos } = config;
  await checkOutputs(flags);
  const messages = runMessages(flags.progress);
  // Ctrl-C, SIGTERM, or q and Ctrl-C on the dashboard: the same clean stop, once the view is up.
  const view = await progressView(
    { command, strategies: runs.map(({ workload, strategy, via }) => runLabel(workload, strategy.name, via)), seed },
    flags,
    () => interrupt.stop(),
  );
  const interrupt = stopOnSignal(() => view.stopping(), messages);

  const results: StrategyResult[] = [];
  const resultFiles: string[] = [];
  const progress = view.hooks;
  const hooks: RaceHooks = {
    ...progress,
    async onResult(result, history) {
      await progress.onResult?.(result);
      results.push(result);
      resultFiles.push(await writeResultFile(flags.resultsDir, result, history));
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
  const jsonDocument = command === 'run' && flags.repeat === 1 ? (results[0] ?? null) : results;
  return finishRun({ command, results, ...race, printed, resultFiles, jsonDocument, seed }, flags, messages);
}

/** How a race ended: its clients' stop, or the environment error that cut it short (its finished trials are kept). */
export async function endedRace(race: Promise<{ stoppedBy: 'done' | 'timeout' | 'interrupted' }>) {
  try {
    return { stoppedBy: (await race).stoppedBy, environmentError: undefined };
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    return { stoppedBy: 'done' as const, environmentError: error.message };
  }
}
