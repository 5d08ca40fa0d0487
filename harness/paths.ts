import { fileURLToPath } from 'node:url';

// Compiled code lives in dist/<layer>/, so the project root is two levels up.
const projectRoot = new URL('../../', import.meta.url);

export const projectPath = (relative: string) => fileURLToPath(new URL(relative, projectRoot));

const packageJson = (await import(projectPath('package.json'), { with: { type: 'json' } })) as { default: { version: string } };

export const toolVersion = packageJson.default.version;
