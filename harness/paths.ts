import { fileURLToPath } from 'node:url';

// Compiled code lives in dist/<layer>/, so the project root is two levels up.
const projectRoot = new URL('../../', import.meta.url);

export const projectPath = (relative: string) => fileURLToPath(new URL(relative, projectRoot));

export const toolVersion: string = (await import(projectPath('package.json'), { with: { type: 'json' } })).default.version;
