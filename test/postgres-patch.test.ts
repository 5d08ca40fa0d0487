import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import postgres from '#postgres';
import t from 'tap';
import { connect, postgresTarget } from '../db/connection.js';
import { at } from '../lib/at.js';
import { pipelinedTransaction } from '../strategies/pipelined.js';
import { useDatabase } from './helpers.js';

// The sql.reserve() defects of postgres 3.4.9 that patches/ fixes (#004, #006), met as fault
// injection meets them: a backend terminated under a pipelined transaction, one connection.
const database = await useDatabase(t);

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref())]);

/** Terminates the backend of connection `name` once it sleeps in its transaction, not while it connects: on a busy host that can take a while. */
async function terminateSoon(name: string) {
  for (let poll = 0; poll < 1200; poll += 1) {
    const terminated = await database.sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = ${name} and state = 'active' and query like '%pg_sleep%'`;
    if (terminated.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`connection ${name} never ran a statement`);
}

const sleepIn = (sql: ReturnType<typeof connect>) =>
  pipelinedTransaction(sql, 'begin', (tx) => tx`select pg_sleep(5)`.then(() => 'slept')).catch((error: unknown) => error);

t.test('a connection lost in a transaction is not handed out again (porsager/postgres#1199)', async (t) => {
  const name = 'evento-patch-release';
  const sql = connect(database.url, 1, name);
  t.teardown(() => sql.end({ timeout: 1 }));
  const [slept] = await Promise.all([sleepIn(sql), terminateSoon(name)]);
  t.ok(slept instanceof Error, 'the transaction on the terminated connection failed');
  t.same(await within(sql`select 1 as one`, 5000), [{ one: 1 }], 'the pool answers the next query, on a new connection');
});

t.test('a transaction waiting for the connection that was lost gets one (#1195)', async (t) => {
  const name = 'evento-patch-queued';
  const sql = connect(database.url, 1, name);
  t.teardown(() => sql.end({ timeout: 1 }));
  const first = sleepIn(sql);
  const second = pipelinedTransaction(sql, 'begin', (tx) => tx`select 2 as two`);
  await terminateSoon(name);
  t.ok((await first) instanceof Error, 'the transaction on the terminated connection failed');
  t.same(await within(second, 5000), [{ two: 2 }], 'the one queued behind it ran');
});

t.test('statements queued behind a lost connection fail with it instead of hanging', async (t) => {
  const name = 'evento-patch-pipeline';
  const sql = connect(database.url, 1, name);
  t.teardown(() => sql.end({ timeout: 1 }));
  const tx = await sql.reserve();
  // A parameter not yet described holds the rest of the pipeline back in the reservation's own queue.
  const first = tx`select pg_sleep(${5})`.execute().catch((error: unknown) => error);
  const queued = tx`select 1 as one`.execute().catch((error: unknown) => error);
  await terminateSoon(name);
  t.ok((await first) instanceof Error, 'the running statement failed');
  t.ok((await within(queued, 5000)) instanceof Error, 'the queued one failed too, at once');
  tx.release();
  t.same(await within(sql`select 1 as one`, 5000), [{ one: 1 }], 'and the pool goes on');
});

t.test('a statement sent between a socket error and its close fails with the connection (#006)', async (t) => {
  // The socket is handed to postgres.js so that the test can fail it as a write to a terminated backend does (EPIPE).
  const sockets: Socket[] = [];
  const target = postgresTarget(database.url);
  const url = new URL(target.url);
  const options = {
    max: 1,
    onnotice: () => undefined,
    socket: async () => {
      const socket = target.path ? createConnection(target.path) : createConnection(Number(url.port), url.hostname);
      await once(socket, 'connect');
      sockets.push(socket);
      return socket;
    },
  };
  const sql = postgres(target.url, options);
  t.teardown(() => sql.end({ timeout: 1 }));
  const tx = await sql.reserve();
  await tx`begin`;
  // As pipelinedTransaction does: the statement's failure sends ROLLBACK at once, before the socket's 'close'.
  const rolledBack = tx`select pg_sleep(5)`.then(
    () => 'slept',
    () =>
      tx`rollback`.then(
        () => 'rolled back',
        (error: unknown) => error,
      ),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  at(sockets, 0).destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  t.ok((await within(rolledBack, 5000)) instanceof Error, 'the ROLLBACK failed with the connection instead of hanging');
  tx.release();
  // Each one on the reconnected connection: a stale statement left there would take the answer of the one behind it.
  t.same(await within(sql`select 1 as one`, 5000), [{ one: 1 }], 'the pool answers the next query, on a new connection');
  t.same(await within(sql`select 2 as two`, 5000), [{ two: 2 }], 'and the one after it, with its own answer');
});
