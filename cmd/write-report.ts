import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { comparableResult } from '../harness/compare.js';
import { UsageError } from '../harness/errors.js';
import type { StrategyResult } from '../harness/result-schema.js';
import { renderReport } from '../report/html.js';
import { reportTimelines } from '../report/timelines.js';
import { distinctRuns, jsonFilesAt, readJsonFile } from './result-files.js';

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

/** The results a JSON file holds: one result, a race's list, or a sweep's document with every trial. */
function resultsIn(value: unknown, file: string): StrategyResult[] {
  const sweepTrials =
    typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'sweep' && 'results' in value ? value.results : undefined;
  const items: unknown[] = Array.isArray(sweepTrials) ? sweepTrials : Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new UsageError(`${file}: an empty list, no result to report`);
  // The comparison's check of the fields every result has; the report reads the others only where present.
  return items.map((item, index) => comparableResult(item, items.length === 1 ? file : `${file}[${index}]`) as unknown as StrategyResult);
}

/** `evento report FILES|DIR -o FILE`: every result read from the inputs, in one HTML file. */
export async function reportCommand(inputs: string[], flags: { output: string }): Promise<void> {
  const results: StrategyResult[] = [];
  const folders = new Map<StrategyResult, string>();
  for (const input of inputs) {
    for (const file of await jsonFilesAt(input)) {
      for (const result of resultsIn(await readJsonFile(file), file)) {
        results.push(result);
        folders.set(result, dirname(file));
      }
    }
  }
  // A run read twice (its result file and a --json list that holds it too) is one run.
  const runs = distinctRuns(results);
  await writeReport(flags.output, runs, (result) => folders.get(result), inputs.join(', '));
  const repeated = results.length - runs.length;
  process.stderr.write(`evento: wrote ${flags.output} from ${runs.length} run(s)${repeated > 0 ? ` (${repeated} read twice, counted once)` : ''}\n`);
}
