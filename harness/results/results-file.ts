import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryOp } from '../../client-sim/history.js';
import { writeHistory } from '../history/history.js';
import { causeOf, UsageError } from '../model/errors.js';
import { resultOf, type StrategyResult } from '../model/result-schema.js';

/** `<UTC time>-<strategy>.json`. */
export const resultFileName = (result: Pick<StrategyResult, 'started_at' | 'params'>) =>
  `${result.started_at.replace(/[:.]/g, '-')}-${result.params.strategy}.json`;

/** bench-results/<UTC time>-<strategy>.json, and its history beside it when there is one; returns the result's path. */
export async function writeResultFile(dir: string, result: StrategyResult, history?: HistoryOp[]) {
  await mkdir(dir, { recursive: true });
  const path = join(dir, resultFileName(result));
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  if (history && result.history) await writeHistory(join(dir, result.history.file), history);
  return path;
}

/** A file's JSON, or a usage error naming the file. */
async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new UsageError(`${file}: cannot be read (${causeOf(error)})`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${causeOf(error).replace(/\s+/g, ' ')})`);
  }
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
