import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { causeOf, codeOf, EnvironmentError } from '../model/errors.js';

/** The folders from the deepest one that exists down to `dir`, which `mkdir` must create one by one. */
async function missingFolders(dir: string): Promise<{ existing: string; missing: string[] }> {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    try {
      await stat(current);
      return { existing: current, missing };
    } catch (error) {
      const absent = codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR';
      if (!absent || dirname(current) === current) throw error;
      missing.unshift(current);
      current = dirname(current);
    }
  }
}

/**
 * Makes `dir` and proves it takes a file, before anything is measured, so that no run is lost to a
 * folder it cannot write. One folder at a time: Node's recursive mkdir loops forever where the
 * kernel answers ENOENT for a folder whose parent exists (under /proc).
 */
export async function ensureWritableFolder(dir: string, flag: string): Promise<void> {
  const refuse = (cause: string) => new EnvironmentError(`${flag} ${dir}: ${cause}; give a folder this user can write`);
  try {
    const { existing, missing } = await missingFolders(dir);
    if (!(await stat(existing)).isDirectory()) throw refuse(`${existing} is a file, not a folder`);
    for (const folder of missing) await mkdir(folder);
    const probe = join(dir, `.evento-write-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    throw refuse(`cannot write there (${causeOf(error)})`);
  }
}
