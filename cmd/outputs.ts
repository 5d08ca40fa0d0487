import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HistoryOp } from '../client-sim/history.js';
import type { AssertionFlags } from '../harness/analysis/assertions.js';
import type { RunOutcome } from '../harness/analysis/run-outcome.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { writeResultFile } from '../harness/results/results-file.js';
import { ensureWritableFolder } from '../harness/results/writable.js';
import type { CiFlags } from './flags/ci-options.js';
import type { ProgressFormat } from './flags/options.js';
import { parameterRows } from './output/ci-facts.js';
import { writeSummary } from './output/ci-output.js';
import { junitXml, resultCases, verdictProperties } from './output/junit.js';
import { outcomeFooter } from './output/outcome-text.js';
import { runMessages, type RunMessages } from './output/run-messages.js';
import { runSummary } from './output/summary-md.js';
import { writeReport } from './output/write-report.js';
import { wantsDashboard } from './progress/progress-view.js';
import type { ProgressChoice } from './progress/progress-view-types.js';

/** What every output of a command that ran load is given at its end: plain values, the outcome decided once. */
export interface RunEnd {
  /** As JUnit and the summary name it: run, race, sweep or load. */
  command: string;
  results: readonly StrategyResult[];
  outcome: RunOutcome;
  assertions: AssertionFlags;
  /** The command line that replays the run. */
  replay: string;
  /** What stdout shows above the outcome's footer: the table and what goes with it; empty when nothing ran. */
  printed: string;
  /** What `--json` holds for this command. */
  document: unknown;
}

/** One output of a command that runs load (the table, `--json`, `--junit`, …), each asked for by its flag and written by itself. */
export interface Output {
  /** What it is: table, results, json, junit, summary or report. */
  name: string;
  /** The file or folder it writes; none for the table. */
  path?: string;
  /** Refuses, before anything is measured, an output that could not be written at the end. */
  check?(): Promise<void>;
  /** Each run as it ends, so that what was measured is kept even when a later run fails. */
  onResult?(result: StrategyResult, history?: HistoryOp[]): Promise<void>;
  /** Writes it at the command's end; the files written, as the "wrote" line names them. */
  finish(end: RunEnd): Promise<string[]>;
}

function tableOutput(stdout: { write(text: string): unknown }): Output {
  return {
    name: 'table',
    finish({ printed, outcome }) {
      if (printed !== '') stdout.write(`${printed}\n${outcomeFooter(outcome)}\n`);
      return Promise.resolve([]);
    },
  };
}

function resultFilesOutput(dir: string): Output {
  const files: string[] = [];
  return {
    name: 'results',
    path: dir,
    check: () => ensureWritableFolder(dir, '--results-dir'),
    async onResult(result, history) {
      files.push(await writeResultFile(dir, result, history));
    },
    // Trials make many files: past a few, their folder and count say where they are in one line.
    finish: () => Promise.resolve(files.length <= 3 ? [...files] : [`${files.length} result files in ${dir}/`]),
  };
}

/** An output to one file, whose folder `flag` names when it cannot be written. */
function fileOutput(name: string, flag: string, file: string, write: (end: RunEnd) => Promise<boolean>): Output {
  return {
    name,
    path: file,
    check: () => ensureWritableFolder(dirname(file), flag),
    finish: async (end) => ((await write(end)) ? [file] : []),
  };
}

const jsonOutput = (file: string) =>
  fileOutput('json', '--json', file, async ({ document }) => {
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
    return true;
  });

export const junitOutput = (file: string) =>
  fileOutput('junit', '--junit', file, async ({ command, results, outcome, assertions, replay }) => {
    const startedAt = results[0] ? new Date(results[0].started_at) : new Date();
    const properties: [string, string][] = [
      ['outcome', outcome.status],
      ['exit_code', String(outcome.exitCode)],
      ['replay', replay],
      ...(results.length > 0 ? parameterRows(results) : []),
      ...verdictProperties(results),
    ];
    await writeFile(file, junitXml({ name: `evento ${command}`, startedAt, properties, cases: resultCases(command, results, { outcome, assertions }) }));
    return true;
  });

/** The report of a command that finished no run would be empty: none is written. */
const reportOutput = (file: string, resultsDir: string) =>
  fileOutput('report', '--report', file, async ({ results }) => {
    if (results.length === 0) return false;
    await writeReport(file, [...results], () => resultsDir);
    return true;
  });

/** `--summary-md FILE`, `$GITHUB_STEP_SUMMARY`, or both. */
function summaryOutput(file: string | undefined, env: NodeJS.ProcessEnv, wide: boolean | undefined): Output {
  return {
    name: 'summary',
    ...(file !== undefined && { path: file, check: () => ensureWritableFolder(dirname(file), '--summary-md') }),
    finish: ({ command, results, outcome, replay }) => writeSummary(runSummary({ command, results, outcome, replay, wide }), file, env),
  };
}

/** The flags that choose the outputs of a command that runs load. */
export type OutputFlags = CiFlags & { json?: string; report?: string; resultsDir: string; wide?: boolean; progress: ProgressFormat; tui: boolean };

/** The commands that run load; `run-target` is `run --target`. */
export type LoadCommand = 'run' | 'race' | 'sweep' | 'run-target' | 'load';

/** Where a command writes. */
export interface Surroundings {
  stdout: { isTTY?: boolean; write(text: string): unknown };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface ChosenOutputs {
  progress: ProgressChoice;
  /** What the command says on stderr around its progress, in the progress's format. */
  messages: RunMessages;
  /** In the order they finish, the table first. */
  outputs: Output[];
}

/** The one place that turns the flags of `run`, `race`, `sweep`, `run --target` and `load` into their progress view and outputs. */
export function chooseOutputs(command: LoadCommand, flags: OutputFlags, where: Surroundings): ChosenOutputs {
  // The dashboard follows one race of strategies over one event's hotels: a sweep's points and a target's listing are shown in lines.
  const drawsDashboard = command === 'run' || command === 'race';
  const dashboard = flags.progress === 'auto' && drawsDashboard && wantsDashboard(flags.tui, where.stdout, where.env);
  const progress = flags.progress === 'json' ? 'json' : dashboard ? 'dashboard' : 'lines';
  const summary = flags.summaryMd !== undefined || Boolean(where.env.GITHUB_STEP_SUMMARY);
  return {
    progress,
    messages: runMessages(progress, where.stderr),
    outputs: [
      tableOutput(where.stdout),
      resultFilesOutput(flags.resultsDir),
      ...(flags.json !== undefined ? [jsonOutput(flags.json)] : []),
      ...(flags.junit !== undefined ? [junitOutput(flags.junit)] : []),
      ...(summary ? [summaryOutput(flags.summaryMd, where.env, flags.wide)] : []),
      ...(flags.report !== undefined ? [reportOutput(flags.report, flags.resultsDir)] : []),
    ],
  };
}

/** This process's outputs for `flags`, each checked before anything is measured. */
export async function openOutputs(command: LoadCommand, flags: OutputFlags): Promise<ChosenOutputs> {
  const chosen = chooseOutputs(command, flags, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  for (const output of chosen.outputs) await output.check?.();
  return chosen;
}

/** Hands a finished run to every output that keeps runs as they end. */
export async function keepResult(outputs: readonly Output[], result: StrategyResult, history?: HistoryOp[]): Promise<void> {
  for (const output of outputs) await output.onResult?.(result, history);
}
