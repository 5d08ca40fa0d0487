import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StrategyResult } from './result-schema.js';

/** bench-results/<UTC time>-<strategy>.json; returns the path written. */
export async function writeResultFile(dir: string, result: StrategyResult) {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${result.started_at.replace(/[:.]/g, '-')}-${result.params.strategy}.json`);
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
