import { writeFile } from 'node:fs/promises';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import { renderReport } from '../../report/html.js';
import { reportTimelines } from '../../report/timelines.js';

/**
 * Writes the HTML report of `results` to `file` and returns the file's name; `folderOf` says
 * where a result's file (and so its history) is, for its timeline.
 */
export async function writeReport(
  file: string,
  results: StrategyResult[],
  folderOf: (result: StrategyResult) => string | undefined,
  sources = 'this run',
): Promise<string> {
  const timelines = await reportTimelines(results, folderOf);
  await writeFile(file, renderReport(results, { sources, timelines }));
  return file;
}
