import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AssertionFlags } from '../harness/analysis/assertions.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { decideOutcome } from '../harness/analysis/run-outcome.js';
import { ensureWritableFolder } from '../harness/results/writable.js';
import { judgedAssertions, type CiFlags } from './ci-options.js';
import { writeRunReports } from './ci-output.js';
import { outcomeFooter } from './outcome-text.js';
import type { RunMessages } from './run-messages.js';
import { writeReport } from './write-report.js';

/** Said once, however many runs could not be sampled. */
const dbTimeHidden =
  "database time not sampled: this database role cannot see the servers' sessions in pg_stat_activity " +
  '(it needs superuser, pg_read_all_stats or pg_monitor); db_time is null in the result files';

/** The flags every command that runs load ends by. */
export type EndingFlags = AssertionFlags &
  CiFlags & { json?: string; report?: string; resultsDir: string; timeout: number; wide?: boolean; progress?: string };

/** Refuses, before anything is measured, a run whose results or outputs could not be written at its end. */
export async function checkOutputs(flags: EndingFlags): Promise<void> {
  await ensureWritableFolder(flags.resultsDir, '--results-dir');
  const outputs: [string, string | undefined][] = [
    ['--json', flags.json],
    ['--report', flags.report],
    ['--junit', flags.junit],
    ['--summary-md', flags.summaryMd],
  ];
  for (const [flag, file] of outputs) if (file !== undefined) await ensureWritableFolder(dirname(file), flag);
}

/** How a command that ran load got to its end, for `finishRun`. */
export interface RunEnding {
  /** As JUnit and the summary name it: run, race, sweep or load. */
  command: string;
  results: readonly StrategyResult[];
  stoppedBy: 'done' | 'timeout' | 'interrupted';
  environmentError?: string;
  /** What stdout shows above the outcome's footer: the table and what goes with it; empty when nothing ran. */
  printed: string;
  /** The result files written as the runs ended. */
  resultFiles: readonly string[];
  /** What `--json` holds for this command. */
  jsonDocument: unknown;
  /** A run against `--target`: it promises only what `--assert-no-overbooking` says. */
  target?: boolean;
  /** A load shard's part, judged with the others by `evento merge`. */
  partOfShards?: boolean;
  seed: number;
}

/**
 * The one ending of `run`, `race`, `sweep` and `load`: the outcome decided once, the table's
 * footer, the output files, the "wrote" line and the closing lines; returns the exit code.
 */
export async function finishRun(ending: RunEnding, flags: EndingFlags, messages: RunMessages): Promise<number> {
  const { command, results, resultFiles } = ending;
  const assertions = judgedAssertions(flags, { target: ending.target === true });
  const outcome = decideOutcome({
    results,
    stoppedBy: ending.stoppedBy,
    timeoutSeconds: flags.timeout,
    assertions,
    environmentError: ending.environmentError,
    partOfShards: ending.partOfShards,
  });
  if (ending.printed !== '') process.stdout.write(`${ending.printed}\n${outcomeFooter(outcome)}\n`);
  if (results.some(({ outcome }) => outcome.db_time === null)) messages.notice('db-time-hidden', dbTimeHidden);
  // Trials make many files: past a few, their folder and count say where they are in one line.
  const written = resultFiles.length <= 3 ? [...resultFiles] : [`${resultFiles.length} result files in ${flags.resultsDir}/`];
  if (flags.json !== undefined) {
    await writeFile(flags.json, `${JSON.stringify(ending.jsonDocument, null, 2)}\n`);
    written.push(flags.json);
  }
  written.push(...(await writeRunReports(command, results, { outcome, assertions }, flags, { args: process.argv.slice(2), seed: ending.seed })));
  if (flags.report !== undefined && results.length > 0) written.push(await writeReport(flags.report, [...results], () => flags.resultsDir));
  messages.wrote(written);
  messages.ended(outcome);
  return outcome.exitCode;
}
