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
// And one that costs speed, not correctness: its Queue (connections waiting to be picked, busy,
// full) marks shifted slots undefined and only starts afresh once it drains, which a busy pool
// never does, so the array grows for as long as the process runs and every remove() (indexOf
// from slot 0) scans all of it, slower and slower (figures in docs/performance.md). Here remove()
// searches from the live part and the array is compacted once most of it is dead.
// And three in sql.reserve(), which evento's pipelined transactions use:
// - release() after the connection closed put the dead connection back among the open ones,
//   where the next query failed or hung (porsager/postgres#1199). Here a release is a no-op once
//   the connection is no longer held by that reservation.
// - a reserve() waiting for a connection was handed to a reconnecting one and then dropped: it
//   never settled (#1195). Here it stays queued, as reserve() itself queues it, and is served
//   when the connection is open.
// - queries queued behind a reservation's pipeline never settled when its connection closed,
//   and later ones went to whatever the pool had reconnected it for. Here the queued ones fail
//   with the connection, and a reservation that lost its connection sends nothing more.
// And one after a terminated backend: its FATAL error was kept past the reconnect and failed the
// first query on the new connection with it. Here teardown forgets it.
// A release without these defects lacks the text replaced here and is left alone.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const connectionReplacements = [
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    "  function nextWrite(fn) {\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)",
  ],
  // terminate() and closed(): bytes meant for the old socket must not reach the next one.
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  [
    '    clearImmediate(nextWriteTimer)\n    socket.removeListener',
    '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener',
  ],
  ['  async function closed(hadError) {\n    incoming', '  async function closed(hadError) {\n    errorResponse = null\n    incoming'],
  ['        return fetchArrayTypes()\n', '        return fetchArrayTypes().catch(() => { /* evento: see scripts/patch-postgres.mjs */ })\n'],
];

const indexReplacements = [
  [
    '    const sql = Sql(handler)\n    sql.release = () => {\n      c.reserved = null\n      onopen(c)\n    }',
    '    const sql = Sql(handler)\n    const held = c.reserved\n    c.onclose = (error) => { while (queue.length) queue.shift().reject(error) }\n    sql.release = () => {\n      if (c.reserved !== held) return\n      c.reserved = c.onclose = null\n      onopen(c)\n    }',
  ],
  [
    '    function handler(q) {\n      c.queue === full\n        ? queue.push(q)\n        : c.execute(q) || move(c, full)\n    }\n  }\n\n  async function begin(',
    "    function handler(q) {\n      if (c.reserved !== held) return q.reject(Errors.connection('CONNECTION_CLOSED', options))\n      c.queue === full\n        ? queue.push(q)\n        : c.execute(q) || move(c, full)\n    }\n  }\n\n  async function begin(",
  ],
  ['    queries.length && connect(c, queries.shift())', '    queries.length && connect(c, queries.peek().reserve ? queries.peek() : queries.shift())'],
];

const queueReplacements = [
  ['    push: (x) => (xs.push(x), x),', '    push: (x) => (xs.push(x), x),\n    peek: () => xs[index],'],
  [
    '      const index = xs.indexOf(x)\n      return index === -1\n        ? null\n        : (xs.splice(index, 1), x)',
    '      const at = xs.indexOf(x, index)\n      return at === -1\n        ? null\n        : (xs.splice(at, 1), x)',
  ],
  [
    '      } else {\n        xs[index - 1] = undefined',
    '      } else if (index > 1024 && index * 2 > xs.length) {\n        xs = xs.slice(index)\n        index = 0\n      } else {\n        xs[index - 1] = undefined',
  ],
];

// The package exports no package.json; its CommonJS entry is cjs/src/index.js.
const root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
const patches = { 'connection.js': connectionReplacements, 'index.js': indexReplacements, 'queue.js': queueReplacements };
for (const build of ['src', 'cjs/src', 'cf/src']) {
  for (const [name, replacements] of Object.entries(patches)) {
    const file = join(root, build, name);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const missing = replacements.filter(([, to]) => !text.includes(to));
    if (!missing.every(([from]) => text.includes(from))) {
      console.warn(`evento: ${file} is not the postgres release this patch is for; left as it is`);
      continue;
    }
    if (missing.length > 0)
      await writeFile(
        file,
        missing.reduce((patched, [from, to]) => patched.replace(from, to), text),
      );
  }
}
