// Run by `npm install` (postinstall). postgres 3.4.9 crashes the process when a connection's
// backend is terminated at the wrong moment, which `--chaos kill-backends` does on purpose:
// - during a transaction (porsager/postgres#1208, #1154): the ROLLBACK that sql.begin() sends
//   on the closed connection is written to a null socket from a setImmediate, an uncaught
//   TypeError; the same teardown leaves a stale write timer, so a connection that survived
//   could never send again. The guard proposed upstream (#1209): a write on a closed connection
//   fails its query with CONNECTION_CLOSED, and teardown resets the write buffer.
// - while a new connection fetches the array types (#1192, #1223): nothing awaits that query,
//   so its failure is an unhandled rejection. The connection's own queries fail on their own
//   terms; the fetch's failure is dropped.
// A release without these defects lacks the text replaced here and is left alone.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const replacements = [
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    "  function nextWrite(fn) {\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)",
  ],
  // terminate() and closed(): bytes meant for the old socket must not reach the next one.
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  ['    clearImmediate(nextWriteTimer)\n    socket.removeListener', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener'],
  ['        return fetchArrayTypes()\n', '        return fetchArrayTypes().catch(() => { /* evento: see scripts/patch-postgres.mjs */ })\n'],
];

// The package exports no package.json; its CommonJS entry is cjs/src/index.js.
const root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
for (const build of ['src', 'cjs/src', 'cf/src']) {
  const file = join(root, build, 'connection.js');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) continue;
  const missing = replacements.filter(([from, to]) => !text.includes(to));
  if (!missing.every(([from]) => text.includes(from))) {
    console.warn(`evento: ${file} is not the postgres release this patch is for; left as it is`);
    continue;
  }
  if (missing.length > 0) await writeFile(file, missing.reduce((patched, [from, to]) => patched.replace(from, to), text));
}
