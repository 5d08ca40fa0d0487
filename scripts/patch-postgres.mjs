// Run by `npm install` (postinstall). postgres 3.4.9 crashes the process when a connection's
// backend is terminated during a transaction (porsager/postgres#1208, #1154): the ROLLBACK that
// sql.begin() sends on the closed connection is written to a null socket from a setImmediate,
// an uncaught TypeError. The same teardown leaves a stale write timer behind, so a connection
// that survived it could never send again. This applies the guard proposed upstream
// (porsager/postgres#1209): a write on a closed connection fails its query with
// CONNECTION_CLOSED, and teardown resets the write buffer. evento's servers must survive
// `--chaos kill-backends`. A release without the defect lacks the text replaced here and is
// left alone.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const marker = '/* evento: closed-socket guard */';

const replacements = [
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    `  function nextWrite(fn) {\n    ${marker}\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  ],
  // terminate() and closed(): bytes meant for the old socket must not reach the next one.
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  ['    clearImmediate(nextWriteTimer)\n    socket.removeListener', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener'],
];

// The package exports no package.json; its CommonJS entry is cjs/src/index.js.
const root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
for (const build of ['src', 'cjs/src', 'cf/src']) {
  const file = join(root, build, 'connection.js');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || text.includes(marker)) continue;
  if (!replacements.every(([from]) => text.includes(from))) {
    console.warn(`evento: ${file} is not the postgres release this patch is for; left as it is`);
    continue;
  }
  await writeFile(file, replacements.reduce((patched, [from, to]) => patched.replace(from, to), text));
}
