// Run by `npm install` and `npm pack` (prepare), after patch-package has applied patches/ to
// node_modules/postgres: copies the patched ES module build into vendor/postgres, which evento
// loads (package.json "imports": #postgres). The copy ships in evento's package, so the fixes are
// there wherever evento is installed, with no install script of its own to run or to skip.
// It refuses a node_modules/postgres that does not carry every patch of its release, as applied.
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = fileURLToPath(new URL('..', import.meta.url));
// The package exports no package.json; its CommonJS entry is cjs/src/index.js.
const root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

const fail = (why) => {
  console.error(`evento: cannot build vendor/postgres from postgres ${version}: ${why}`);
  process.exit(1);
};

const patches = (await readdir(join(project, 'patches'))).filter((name) => name.startsWith('postgres+')).sort();
const ours = patches.filter((name) => name.startsWith(`postgres+${version}+`));
if (ours.length === 0) fail(`patches/ has ${patches.join(', ')}, none for this release`);

const state = await readFile(join(root, '.patch-package.json'), 'utf8').then(JSON.parse, () => ({ patches: [] }));
for (const name of ours) {
  const hash = createHash('sha256')
    .update(await readFile(join(project, 'patches', name)))
    .digest('hex');
  const applied = state.patches.find((patch) => patch.patchFilename === name);
  if (!applied?.didApply || applied.patchContentHash !== hash) fail(`${name} is not applied to ${root}; run npx patch-package`);
}

const vendor = join(project, 'vendor', 'postgres');
await rm(vendor, { recursive: true, force: true });
await mkdir(vendor, { recursive: true });
await cp(join(root, 'src'), vendor, { recursive: true });
// The types are the release's own.
await writeFile(join(vendor, 'index.d.ts'), "export { default } from 'postgres';\n");
await writeFile(join(vendor, 'patches.json'), `${JSON.stringify({ postgres: version, patches: ours }, null, 2)}\n`);
console.log(`evento: vendor/postgres is postgres ${version} with ${ours.join(', ')}`);
