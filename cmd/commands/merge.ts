import { writeFile } from 'node:fs/promises';
import { mergePartOf, mergeParts } from '../../harness/results/merge.js';
import { readResultFile } from '../../harness/results/results-file.js';
import { formatResults } from '../output/report-table.js';

/** `evento merge PART… [--json FILE]`: prints the shards' result files as one run's table, and writes that run's result. */
export async function mergeCommand(files: readonly string[], flags: { json?: string }): Promise<void> {
  const parts = [];
  for (const file of files) parts.push(mergePartOf(await readResultFile(file), file));
  const merged = mergeParts(parts);
  process.stdout.write(`${formatResults([merged], { wide: false })}\n`);
  if (flags.json) {
    await writeFile(flags.json, `${JSON.stringify(merged, null, 2)}\n`);
    process.stderr.write(`evento: merged ${files.length} shards into ${flags.json}\n`);
  }
}
