import { fileURLToPath } from 'node:url';

// Compiled, this file is dist/harness/model/paths.js, so the project root is three levels up.
const projectRoot = new URL('../../../', import.meta.url);

export const projectPath = (relative: string) => fileURLToPath(new URL(relative, projectRoot));

const packageJson = (await import(projectPath('package.json'), { with: { type: 'json' } })) as { default: { version: string } };

export const toolVersion = packageJson.default.version;
