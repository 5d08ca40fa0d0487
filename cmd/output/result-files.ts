import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { causeOf, codeOf, UsageError } from '../../harness/model/errors.js';

/** The file itself, or the .json files of a directory, sorted; a usage error when there is none. */
export async function jsonFilesAt(path: string): Promise<string[]> {
  const found = await stat(path).catch((error: unknown) => {
    throw new UsageError(codeOf(error) === 'ENOENT' ? `${path}: no such file or directory` : `${path}: cannot be read (${causeOf(error)})`);
  });
  if (!found.isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => name.endsWith('.json')).sort();
  if (names.length === 0) throw new UsageError(`${path}: a directory without any .json result file`);
  return names.map((name) => join(path, name));
}

/** The same run read twice (its result file beside a --json list that holds it) is one sample. */
export function distinctRuns<T extends { event_id?: string; started_at?: string; params: { strategy: string } }>(results: readonly T[]): T[] {
  return [...new Map(results.map((result) => [JSON.stringify([result.event_id, result.started_at, result.params.strategy]), result])).values()];
}
