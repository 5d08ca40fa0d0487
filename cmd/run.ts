import { writeFile } from 'node:fs/promises';
import { AssertionFailed, EnvironmentError } from '../harness/errors.js';
import { runRace, type RaceRun } from '../harness/race.js';
import type { RaceHooks } from '../harness/race-hooks.js';
import { writeResultFile } from '../harness/results-file.js';
import type { RunConfig } from '../harness/run-config.js';
import { runLabel } from '../harness/workload.js';
import { writeRunReports } from './ci-output.js';
import { progressView } from './progress-view.js';
import { formatChaos, formatResults } from './report-table.js';
import type { RunFlags } from './run-flags.js';
import { formatHistoryOutcome } from './witness.js';
import { writeReport } from './write-report.js';

export const interruptedExitCode = 130;

/**
 * Ctrl-C or SIGTERM from now on stops the clients cleanly: `signal` aborts and `stopping` says
 * so; a second one quits at once. `stop` is the same, for a view's own keys; `release` ends it.
 */
export function stopOnSignal(stopping: () => void): { signal: AbortSignal; stop(): void; release(): void } {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(interruptedExitCode);
    stopping();
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    signal: controller.signal,
    stop,
    release() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** `evento run` (one strategy) and `evento race` (several): the exit code, or a typed error. */
export async function runStrategies(command: 'run' | 'race', runs: RaceRun[], config: RunConfig, flags: RunFlags): Promise<number> {
  const { seed, chaos } = config;
  // Ctrl-C, SIGTERM, or q and Ctrl-C on the dashboard: the same clean stop, once the view is up.
  const view = await progressView({ command, strategies: runs.map(({ workload, strategy }) => runLabel(workload, strategy.name)), seed }, flags, () =>
    interrupt.stop(),
  );
  const interrupt = stopOnSignal(() => view.stopping());

  const written: string[] = [];
  let jsonWritten: string | undefined;
  const progress = view.hooks;
  const hooks: RaceHooks = {
    ...progress,
    async onResult(result, history) {
      await progress.onResult?.(result);
      written.push(await writeResultFile(flags.resultsDir, result, history));
    },
  };

  const outcome = await runRace({
    runs,
    config,
    trials: flags.repeat,
    signal: interrupt.signal,
    tickMs: view.tickMs,
    hooks,
  }).finally(async () => {
    interrupt.release();
    await view.close();
  });

  const { results } = outcome;
  if (results.length > 0) process.stdout.write(`${formatResults(results, { wide: flags.wide })}\n`);
  if (chaos) process.stdout.write(`${formatChaos(results)}\n`);
  const histories = results.map((result) => formatHistoryOutcome(result)).filter(Boolean);
  if (histories.length > 0) process.stdout.write(`\n${histories.join('\n\n')}\n`);
  if (flags.json) {
    // run writes its one result; race, and run with --repeat, the list, even when it holds one.
    const json = command === 'run' && flags.repeat === 1 ? (results[0] ?? null) : results;
    await writeFile(flags.json, `${JSON.stringify(json, null, 2)}\n`);
    jsonWritten = flags.json;
  }
  const reports = await writeRunReports(command, results, flags, { args: process.argv.slice(2), seed });
  const report = flags.report && results.length > 0 ? [await writeReport(flags.report, results, () => flags.resultsDir)] : [];
  // Trials make many files: past a few, their folder and count say where they are in one line.
  const files = written.length <= 3 ? written : [`${written.length} result files in ${flags.resultsDir}/`];
  const all = [...files, ...(jsonWritten ? [jsonWritten] : []), ...reports.written, ...report];
  if (all.length > 0) process.stderr.write(`evento: wrote ${all.join(', ')}\n`);

  return exitCodeOfRun(outcome.stoppedBy, flags.timeout, reports.failures);
}

/** How a command that ran strategies ends: interrupted, out of time, an assertion that failed, or 0. */
export function exitCodeOfRun(stoppedBy: 'done' | 'timeout' | 'interrupted', timeoutSeconds: number, failures: readonly string[]): number {
  if (stoppedBy === 'interrupted') return interruptedExitCode;
  if (stoppedBy === 'timeout') {
    throw new EnvironmentError(
      `the clients had not finished after --timeout ${timeoutSeconds}s; the partial results were audited and written. Raise --timeout or lower the load`,
    );
  }
  if (failures.length > 0) throw new AssertionFailed(failures.join('; '));
  return 0;
}
