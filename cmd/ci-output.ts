import { appendFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AssertionFlags } from '../harness/analysis/assertions.js';
import type { Comparison } from '../harness/analysis/compare.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import type { RunOutcome } from '../harness/analysis/run-outcome.js';
import type { CiFlags } from './ci-options.js';
import { parameterRows, replayCommand } from './ci-facts.js';
import { comparisonCases, junitXml, resultCases, verdictProperties } from './junit.js';
import { comparisonSummary, runSummary } from './summary-md.js';

/**
 * Writes the summary to `--summary-md` and appends it to `$GITHUB_STEP_SUMMARY`, where each step
 * of a job adds its own: that file is never overwritten, even when `--summary-md` names it.
 */
async function writeSummary(markdown: string, file: string | undefined, env: NodeJS.ProcessEnv): Promise<string[]> {
  const step = env.GITHUB_STEP_SUMMARY;
  const written: string[] = [];
  if (file !== undefined && (!step || resolve(file) !== resolve(step))) {
    await writeFile(file, `${markdown}\n`);
    written.push(file);
  }
  if (step) {
    await appendFile(step, `${markdown}\n\n`);
    written.push(step);
  }
  return written;
}

/**
 * The CI outputs of a command that ran strategies (`run`, `race`, `sweep`, `load`): the JUnit file
 * and the Markdown summary its flags ask for, both saying what `outcome` decided; the files written.
 */
export async function writeRunReports(
  command: string,
  results: readonly StrategyResult[],
  judged: { outcome: RunOutcome; assertions: AssertionFlags },
  flags: CiFlags & { wide?: boolean },
  context: { args: readonly string[]; seed: number; env?: NodeJS.ProcessEnv },
): Promise<string[]> {
  const env = context.env ?? process.env;
  const { outcome } = judged;
  const replay = replayCommand(context.args, context.seed);
  const written: string[] = [];
  if (flags.junit !== undefined) {
    const startedAt = results[0] ? new Date(results[0].started_at) : new Date();
    const properties: [string, string][] = [
      ['outcome', outcome.status],
      ['exit_code', String(outcome.exitCode)],
      ['replay', replay],
      ...(results.length > 0 ? parameterRows(results) : []),
      ...verdictProperties(results),
    ];
    await writeFile(flags.junit, junitXml({ name: `evento ${command}`, startedAt, properties, cases: resultCases(command, results, judged) }));
    written.push(flags.junit);
  }
  if (flags.summaryMd !== undefined || env.GITHUB_STEP_SUMMARY) {
    written.push(...(await writeSummary(runSummary({ command, results, outcome, replay, wide: flags.wide }), flags.summaryMd, env)));
  }
  return written;
}

/** `compare`'s CI outputs: a JUnit file whose failures are the comparison's, and the summary around its printed `text`. */
export async function writeComparisonReports(comparison: Comparison, text: string, flags: CiFlags, env = process.env): Promise<string[]> {
  const written: string[] = [];
  if (flags.junit !== undefined) {
    await writeFile(
      flags.junit,
      junitXml({
        name: 'evento compare',
        startedAt: new Date(),
        properties: [['threshold_pct', String(comparison.threshold_pct)]],
        cases: comparisonCases(comparison),
      }),
    );
    written.push(flags.junit);
  }
  if (flags.summaryMd !== undefined || env.GITHUB_STEP_SUMMARY)
    written.push(...(await writeSummary(comparisonSummary(comparison, text), flags.summaryMd, env)));
  return written;
}
