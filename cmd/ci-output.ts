import { appendFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { failedAssertions, type AssertionFlags } from '../harness/assertions.js';
import type { Comparison } from '../harness/compare.js';
import type { StrategyResult } from '../harness/result-schema.js';
import { judgedAssertions, type CiFlags } from './ci-options.js';
import { parameterRows, replayCommand } from './ci-facts.js';
import { comparisonCases, junitXml, resultCases } from './junit.js';
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

export interface RunReports {
  /** What the assertions found wrong, judged as the JUnit file judges: the exit code's reasons. */
  failures: string[];
  /** The files written. */
  written: string[];
}

/**
 * The CI outputs of a command that ran strategies (`run`, `race`, `sweep`): the JUnit file and the
 * Markdown summary its flags ask for, and the assertion failures that decide its exit code.
 */
export async function writeRunReports(
  command: string,
  results: readonly StrategyResult[],
  flags: AssertionFlags & CiFlags & { wide?: boolean },
  context: { args: readonly string[]; seed: number; env?: NodeJS.ProcessEnv },
): Promise<RunReports> {
  const env = context.env ?? process.env;
  const judged = judgedAssertions(flags);
  const failures = failedAssertions([...results], judged);
  const replay = replayCommand(context.args, context.seed);
  const written: string[] = [];
  if (flags.junit !== undefined) {
    const startedAt = results[0] ? new Date(results[0].started_at) : new Date();
    const properties: [string, string][] = [['replay', replay], ...(results.length > 0 ? parameterRows(results) : [])];
    await writeFile(flags.junit, junitXml({ name: `evento ${command}`, startedAt, properties, cases: resultCases(command, results, judged) }));
    written.push(flags.junit);
  }
  if (results.length > 0 && (flags.summaryMd !== undefined || env.GITHUB_STEP_SUMMARY)) {
    written.push(...(await writeSummary(runSummary({ command, results, failures, replay, wide: flags.wide }), flags.summaryMd, env)));
  }
  return { failures, written };
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
