import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { causeOf, codeOf, UsageError } from '../harness/errors.js';
import { resultOf, type StrategyResult } from '../harness/result-schema.js';

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

/** A file's JSON, or a usage error naming the file. */
export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new UsageError(`${file}: cannot be read (${causeOf(error)})`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${causeOf(error).replace(/\s+/g, ' ')})`);
  }
}

/** The same run read twice (its result file beside a --json list that holds it) is one sample. */
export function distinctRuns<T extends { event_id?: string; started_at?: string; params: { strategy: string } }>(results: readonly T[]): T[] {
  return [...new Map(results.map((result) => [JSON.stringify([result.event_id, result.started_at, result.params.strategy]), result])).values()];
}

const isSweepDocument = (value: unknown): value is { kind: 'sweep'; results: unknown } =>
  typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'sweep' && 'results' in value;

/**
 * The results a JSON file holds, each read by the result schema: one result, a race's `--json`
 * list, or a sweep's document with every trial. A list's item is named `file[i]` in a refusal.
 */
export async function readResultsIn(file: string): Promise<StrategyResult[]> {
  const value = await readJsonFile(file);
  const items: unknown = isSweepDocument(value) ? value.results : value;
  if (!Array.isArray(items)) return [resultOf(items, file)];
  if (items.length === 0) throw new UsageError(`${file}: an empty list, no result in it`);
  return items.map((item, index) => resultOf(item, `${file}[${index}]`));
}

/** One result file, as `merge` and `witness` read it: a list is refused. */
export async function readResultFile(file: string): Promise<StrategyResult> {
  const value = await readJsonFile(file);
  if (Array.isArray(value)) throw new UsageError(`${file}: a list of results; give one result file`);
  return resultOf(value, file);
}
