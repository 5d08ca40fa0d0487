import { appendFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Comparison } from '../../harness/analysis/compare.js';
import { comparisonCases, junitXml } from './junit.js';
import { comparisonSummary } from './summary-md.js';

/**
 * Writes the summary to `--summary-md` and appends it to `$GITHUB_STEP_SUMMARY`, where each step
 * of a job adds its own: that file is never overwritten, even when `--summary-md` names it.
 */
export async function writeSummary(markdown: string, file: string | undefined, env: NodeJS.ProcessEnv): Promise<string[]> {
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

/** `compare`'s CI outputs: a JUnit file whose failures are the comparison's, and the summary around its printed `text`. */
export async function writeComparisonReports(
  comparison: Comparison,
  text: string,
  files: { junit?: string; summaryMd?: string },
  env = process.env,
): Promise<string[]> {
  const written: string[] = [];
  if (files.junit !== undefined) {
    await writeFile(
      files.junit,
      junitXml({
        name: 'evento compare',
        startedAt: new Date(),
        properties: [['threshold_pct', String(comparison.threshold_pct)]],
        cases: comparisonCases(comparison),
      }),
    );
    written.push(files.junit);
  }
  if (files.summaryMd !== undefined || env.GITHUB_STEP_SUMMARY)
    written.push(...(await writeSummary(comparisonSummary(comparison, text), files.summaryMd, env)));
  return written;
}
