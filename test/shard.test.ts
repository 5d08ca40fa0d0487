import t from 'tap';
import { clientContext, type ClientPlan } from '../client-sim/client.js';
import { shardClients } from '../client-sim/shard.js';
import { parseShard } from '../cmd/options.js';
import { parseArguments } from '../cmd/program.js';

// Sharded load: N load hosts with one seed send exactly the demand one host would.

const plan: ClientPlan = {
  eventId: 'e1',
  strategy: 'atomic',
  maxRooms: 5,
  thinkMs: { min: 0, max: 300 },
  pick: 'random',
  seed: 1234,
  requestIds: true,
};

/**
 * What client `index` asks for in its first rounds of the Evento loop, whichever host runs it: the
 * hotel it picks of three listed, the rooms, its request id and its pause, in the order it draws them.
 */
function requestsOf(index: number) {
  const client = clientContext(index, plan, new AbortController().signal);
  return Array.from({ length: 8 }, () => ({
    hotel: client.random(0, 2),
    rooms: client.random(1, plan.maxRooms),
    id: client.requestId(),
    think: client.random(0, 300),
  }));
}

/** Every request of a shard's clients (all clients when `shard` is unset), by client index. */
const demandOf = (clients: number, shard?: { index: number; count: number }) =>
  new Map(shardClients(clients, shard).map((index) => [index, requestsOf(index)]));

t.test('the shards of a run run every client once, and together send the requests one host sends', async (t) => {
  const clients = 23;
  const whole = demandOf(clients);
  t.equal(whole.size, clients, 'unsharded, every client runs');
  for (const count of [1, 2, 3, 7]) {
    const union = new Map<number, ReturnType<typeof requestsOf>>();
    for (let index = 1; index <= count; index++) {
      const shard = { index, count };
      const part = demandOf(clients, shard);
      t.ok(
        [...part.keys()].every((client) => client % count === index - 1),
        `${index}/${count} runs the clients c with c mod ${count} + 1 = ${index}`,
      );
      for (const [client, requests] of part) {
        t.notOk(union.has(client), `client ${client} runs in one shard of ${count} only`);
        union.set(client, requests);
      }
    }
    t.same(new Map([...union].sort(([a], [b]) => a - b)), whole, `the ${count} shards' requests are the unsharded run's`);
  }
  t.not(JSON.stringify(requestsOf(0)), JSON.stringify(requestsOf(1)), 'clients draw apart');
});

t.test('a shard past the last client runs none', async (t) => {
  t.same(shardClients(2, { index: 3, count: 4 }), [], 'shard 3/4 of 2 clients is empty');
  t.same(shardClients(5, { index: 2, count: 2 }), [1, 3], 'shard 2/2 of 5 clients: 1 and 3');
});

t.test('--shard i/N reaches the run as its shard', async (t) => {
  t.same(parseShard(' 2 / 3 '), { index: 2, count: 3 }, 'spaces around the numbers are fine');
  const invocation = await parseArguments(['node', 'evento', 'run', '--shard', '2/3', '--clients', '10']);
  t.same(invocation.command === 'run' && invocation.config.shard, { index: 2, count: 3 }, 'run --shard 2/3 runs shard 2 of 3');
  const whole = await parseArguments(['node', 'evento', 'run']);
  t.equal(whole.command === 'run' && whole.config.shard, undefined, 'without --shard, every client');
});
