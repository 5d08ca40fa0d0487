import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import t from 'tap';
import { clientContext, type ClientPlan } from '../client-sim/client.js';
import { shardClients } from '../client-sim/shard.js';
import { parseShard } from '../cmd/options.js';
import { parseArguments } from '../cmd/program.js';
import type { StrategyResult } from '../harness/result-schema.js';
import { readResult, runCli, useDatabase } from './helpers.js';

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

t.test('two shards run on their own, then merged: the sums of their counts, and parts of other runs refused', async (t) => {
  const database = await useDatabase(t);
  const env = { DATABASE_URL: database.url };
  const dir = await mkdtemp(join(tmpdir(), 'evento-shard-test-'));
  const small = ['--strategy', 'atomic', '--clients', '8', '--servers', '2', '--hotels', '2', '--rooms', '10', '--think-ms', '0', '--warmup', '0'];
  const parts: StrategyResult[] = [];
  for (const index of [1, 2]) {
    const json = join(dir, `part-${index}.json`);
    const args = ['run', ...small, '--seed', '11', '--shard', `${index}/2`, '--results-dir', dir, '--json', json];
    const run = await runCli(args, { env, replayIn: t });
    t.equal(run.code, 0, `shard ${index}/2: exit 0 (stderr: ${run.stderr.slice(-300)})`);
    const part = await readResult(json);
    t.same(part.params.shard, { index, count: 2 }, `shard ${index}/2 is recorded in params.shard`);
    t.equal(part.params.clients, 8, 'params.clients is the whole run');
    const clients = await database.sql<{ client: number }[]>`
      select distinct substring(r.email from 'client-([0-9]+)@')::int as client
      from evento.reservations r join evento.event_hotel_rooms e on e.id = r.event_hotel_rooms_id
      where e.event_id = ${part.event_id} order by client`;
    t.ok(clients.length > 0, `shard ${index}/2 reserved`);
    t.same(
      clients.filter(({ client }) => client % 2 !== index - 1),
      [],
      `shard ${index}/2 ran as the clients c with c mod 2 + 1 = ${index}, under their index in the whole run (${clients.map(({ client }) => client).join(', ')})`,
    );
    parts.push(part);
  }
  const [one, two] = parts as [StrategyResult, StrategyResult];

  const merged = join(dir, 'all.json');
  const refused = await runCli(['merge', join(dir, 'part-1.json'), join(dir, 'part-2.json'), '--json', merged], { env });
  t.equal(refused.code, 2, 'each run seeded its own event: not the shards of one run, exit 2');
  t.match(refused.stderr, /part-2\.json and .*part-1\.json differ in event_id/, 'the files and the field that differs are named');
  t.equal(refused.stderr.trim().split('\n').length, 1, 'in one line');

  // As load hosts driving shared servers do: both shards on one event.
  const sameEvent = join(dir, 'part-2-same-event.json');
  await writeFile(sameEvent, JSON.stringify({ ...two, event_id: one.event_id }));
  const merge = await runCli(['merge', join(dir, 'part-1.json'), sameEvent, '--json', merged], { env });
  t.equal(merge.code, 0, `merged (stderr: ${merge.stderr})`);
  t.match(merge.stdout, /atomic/, 'the table of the merged run');
  const all = JSON.parse(await readFile(merged, 'utf8')) as StrategyResult;
  for (const field of ['requests', 'reservations', 'rooms_reserved', 'conflicts', 'retries', 'insufficient', 'errors'] as const) {
    t.equal(all.outcome[field], one.outcome[field] + two.outcome[field], `outcome.${field} is the sum of the parts'`);
  }
  t.equal(all.outcome.duration_ms, Math.max(one.outcome.duration_ms, two.outcome.duration_ms), "the longer part's duration");
  const count = (result: StrategyResult) => decodeFromCompressedBase64(result.outcome.histograms.latency_us).totalCount;
  t.equal(count(all), count(one) + count(two), "the latency histogram holds every part's samples");
  t.same(all.merged_from, [join(dir, 'part-1.json'), sameEvent], 'merged_from names the parts');
  t.equal(all.params.shard, undefined, 'the merge is the whole run');
});
