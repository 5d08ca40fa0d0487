import { dirname } from 'node:path';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import { readResultsIn } from '../../harness/results/results-file.js';
import { distinctRuns, jsonFilesAt } from '../output/result-files.js';
import { writeReport } from '../output/write-report.js';

/** `evento report FILES|DIR -o FILE`: every result read from the inputs, in one HTML file. */
export async function reportCommand(inputs: string[], flags: { output: string }): Promise<void> {
  const results: StrategyResult[] = [];
  const folders = new Map<StrategyResult, string>();
  for (const input of inputs) {
    for (const file of await jsonFilesAt(input)) {
      for (const result of await readResultsIn(file)) {
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
