import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryOp } from '../client-sim/history.js';
import { writeHistory } from './history.js';
import type { StrategyResult } from './result-schema.js';

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
