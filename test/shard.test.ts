import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import t from 'tap';
import { clientContext, type ClientPlan } from '../client-sim/client.js';
import { shardClients } from '../client-sim/shard.js';
import { parseShard } from '../cmd/flags/options.js';
import { parseArguments } from '../cmd/program.js';
import { seedEvent } from '../harness/workloads/event.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { startServers } from '../harness/race/servers.js';
import { randomUUID, readResult, runCli, useDatabase } from './helpers.js';

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

t.test('two load hosts drive two running servers, one shard each: merged, the sums of their counts; audited once, the audit agrees', async (t) => {
  const database = await useDatabase(t);
  const env = { DATABASE_URL: database.url };
  const dir = await mkdtemp(join(tmpdir(), 'evento-shard-test-'));
  const fleet = await startServers(2, database.url, 4);
  t.teardown(() => fleet.stop());
  // Rooms that never sell out in the run's time, so that a load host that starts late still finds them.
  const event = await seedEvent(database.sql, 2, 1_000_000);
  const target = ['--target', fleet.urls.join(','), '--event', event.event_id];
  const small = ['--strategy', 'atomic', '--clients', '8', '--think-ms', '0', '--seed', '11', '--duration', '2s', '--results-dir', dir];
  const partFile = (index: number) => join(dir, `part-${index}.json`);
  // Both load hosts at once, as they would run on two machines.
  const loads = await Promise.all(
    [1, 2].map((index) => runCli(['load', ...target, ...small, '--shard', `${index}/2`, '--json', partFile(index)], { env, replayIn: t })),
  );
  const parts: StrategyResult[] = [];
  for (const [position, load] of loads.entries()) {
    const index = position + 1;
    t.equal(load.code, 0, `load --shard ${index}/2: exit 0 (stderr: ${load.stderr.slice(-300)})`);
    const part = await readResult(partFile(index));
    t.same(part.params.shard, { index, count: 2 }, `shard ${index}/2 is recorded in params.shard`);
    t.equal(part.params.clients, 8, 'params.clients is the whole run');
    t.equal(part.event_id, event.event_id, 'the shared event');
    parts.push(part);
  }
  const [one, two] = parts as [StrategyResult, StrategyResult];
  const byClient = await database.sql<{ client: number }[]>`
    select distinct substring(r.email from 'client-([0-9]+)@')::int as client
    from evento.reservations r join evento.event_hotel_rooms e on e.id = r.event_hotel_rooms_id
    where e.event_id = ${event.event_id} order by client`;
  t.ok(
    byClient.every(({ client }) => client >= 0 && client < 8),
    `the two shards ran the clients 0 to 7 under their index in the whole run (${byClient.map(({ client }) => client).join(', ')})`,
  );

  const merged = join(dir, 'all.json');
  const merge = await runCli(['merge', partFile(1), partFile(2), '--json', merged], { env });
  t.equal(merge.code, 0, `merged (stderr: ${merge.stderr})`);
  t.match(merge.stdout, /atomic/, 'the table of the merged run');
  const all = JSON.parse(await readFile(merged, 'utf8')) as StrategyResult;
  for (const field of ['requests', 'reservations', 'rooms_reserved', 'conflicts', 'retries', 'insufficient', 'errors'] as const) {
    t.equal(all.outcome[field], one.outcome[field] + two.outcome[field], `outcome.${field} is the sum of the parts'`);
  }
  t.equal(all.outcome.duration_ms, Math.max(one.outcome.duration_ms, two.outcome.duration_ms), "the longer part's duration");
  const count = (result: StrategyResult) => decodeFromCompressedBase64(result.outcome.histograms.latency_us).totalCount;
  t.equal(count(all), count(one) + count(two), "the latency histogram holds every part's samples");
  t.same(all.merged_from, [partFile(1), partFile(2)], 'merged_from names the parts');
  t.equal(all.params.shard, undefined, 'the merge is the whole run');
  t.ok(all.outcome.rooms_reserved > 0, 'the two hosts sold rooms');

  const auditJson = join(dir, 'audit.json');
  const audit = await runCli(['audit', '--event', event.event_id, '--assert-no-overbooking', '--json', auditJson], { env });
  t.equal(audit.code, 0, `audited once: exit 0 (stderr: ${audit.stderr})`);
  const audited = JSON.parse(await readFile(auditJson, 'utf8')) as { sold: number; overbooked: number };
  // A request cut off when the time was up may have committed unacknowledged: the tables hold at least every room acknowledged.
  t.ok(
    audited.sold >= all.outcome.rooms_reserved,
    `the tables hold every room the merged run was told it got (${audited.sold} >= ${all.outcome.rooms_reserved})`,
  );
  t.equal(audited.overbooked, 0, 'and nothing overbooked');

  const elsewhere = join(dir, 'part-2-elsewhere.json');
  await writeFile(elsewhere, JSON.stringify({ ...two, event_id: randomUUID() }));
  const refused = await runCli(['merge', partFile(1), elsewhere, '--json', merged], { env });
  t.equal(refused.code, 2, 'a part of another event is not a shard of this run: exit 2');
  t.match(refused.stderr, /part-2-elsewhere\.json and .*part-1\.json differ in event_id/, 'the files and the field that differs are named');
  t.equal(refused.stderr.trim().split('\n').length, 1, 'in one line');
});

t.test('load hosts that start together on a small event', async (t) => {
  const database = await useDatabase(t);
  const env = { DATABASE_URL: database.url };
  const dir = await mkdtemp(join(tmpdir(), 'evento-start-test-'));
  const fleet = await startServers(2, database.url, 2);
  t.teardown(() => fleet.stop());
  const partFile = (name: string) => join(dir, `${name}.json`);
  const targetOf = (eventId: string) => ['--target', fleet.urls.join(','), '--event', eventId];
  const clientFlags = ['--strategy', 'atomic', '--clients', '6', '--think-ms', '0', '--seed', '5', '--results-dir', dir];
  /** The reservations of an event in the tables: how many, and when the first was made. */
  const booked = async (eventId: string) => {
    const [row] = await database.sql<[{ reservations: number; first: Date | null }]>`
      select count(*)::int as reservations, min(r.created_at) as first
      from evento.reservations r join evento.event_hotel_rooms e on e.id = r.event_hotel_rooms_id
      where e.event_id = ${eventId}`;
    return row;
  };

  t.test('--start-at +Ns sends nothing before then; a time past starts at once', async (t) => {
    const event = await seedEvent(database.sql, 1, 10);
    const launchedAt = Date.now();
    const waited = await runCli(
      ['load', ...targetOf(event.event_id), ...clientFlags, '--shard', '1/1', '--start-at', '+2s', '--json', partFile('waited')],
      {
        env,
        replayIn: t,
      },
    );
    t.equal(waited.code, 0, `exit 0 (stderr: ${waited.stderr.slice(-300)})`);
    t.match(waited.stderr, /shard 1\/1 starts at \S+Z, in [0-9.]+s/, 'says when it starts');
    const part = await readResult(partFile('waited'));
    t.ok(
      Date.parse(part.started_at) >= launchedAt + 2000,
      `its clients started 2 s after launch or later (${Date.parse(part.started_at) - launchedAt} ms)`,
    );
    const { reservations, first } = await booked(event.event_id);
    t.equal(reservations, part.outcome.reservations, 'it booked');
    t.ok(first && first.getTime() >= launchedAt + 2000, `no reservation before the start (${(first?.getTime() ?? 0) - launchedAt} ms after launch)`);

    const pastEvent = await seedEvent(database.sql, 1, 10);
    const past = await runCli(
      ['load', ...targetOf(pastEvent.event_id), ...clientFlags, '--shard', '1/1', '--start-at', '2000-01-01T00:00:00Z', '--json', partFile('past')],
      { env, replayIn: t },
    );
    t.equal(past.code, 0, `a time past: exit 0 (stderr: ${past.stderr.slice(-300)})`);
    t.notMatch(past.stderr, /starts at/, 'no wait announced: it starts at once');
    t.equal((await booked(pastEvent.event_id)).reservations, (await readResult(partFile('past'))).outcome.reservations, 'and booked');
  });

  t.test('a shard that finds the event sold out writes an empty part, exit 0; merged with the full part, the full part', async (t) => {
    const event = await seedEvent(database.sql, 2, 15);
    const shard = (index: number, name: string) =>
      runCli(['load', ...targetOf(event.event_id), ...clientFlags, '--shard', `${index}/2`, '--json', partFile(name)], { env, replayIn: t });
    const full = await shard(1, 'full');
    t.equal(full.code, 0, `shard 1/2 sells the event out: exit 0 (stderr: ${full.stderr.slice(-300)})`);
    const empty = await shard(2, 'empty');
    t.equal(empty.code, 0, `shard 2/2 finds nothing left: exit 0 (stderr: ${empty.stderr.slice(-300)})`);
    const said = empty.stderr.split('\n').filter((line) => line.includes('nothing left to book'));
    t.same(said, [`evento: shard 2/2 finds nothing left to book in event ${event.event_id}; its part holds zero reservations`], 'says so in one line');
    const emptyPart = await readResult(partFile('empty'));
    const fullPart = await readResult(partFile('full'));
    t.match(emptyPart.outcome, { requests: 0, reservations: 0, rooms_reserved: 0, errors: 0, contracted: 0 }, 'the part holds zero reservations');
    t.equal(fullPart.outcome.rooms_reserved, 30, 'the full part sold all 30 rooms');

    // The empty part first: the merge must take the event's listing from the part that listed it.
    const merged = partFile('merged');
    const merge = await runCli(['merge', partFile('empty'), partFile('full'), '--json', merged], { env });
    t.equal(merge.code, 0, `merge takes the empty part (stderr: ${merge.stderr})`);
    const all = await readResult(merged);
    const { histograms: mergedHistograms, ...mergedOutcome } = all.outcome;
    const { histograms: fullHistograms, ...fullOutcome } = fullPart.outcome;
    t.same(mergedOutcome, fullOutcome, "the merge's outcome is the full part's");
    for (const field of ['latency_us', 'time_to_reservation_us'] as const) {
      const [mergedHistogram, fullHistogram] = [mergedHistograms[field], fullHistograms[field]].map((encoded) => decodeFromCompressedBase64(encoded));
      t.equal(mergedHistogram?.totalCount, fullHistogram?.totalCount, `${field}: the same samples`);
      t.equal(mergedHistogram?.getValueAtPercentile(99), fullHistogram?.getValueAtPercentile(99), `${field}: the same p99`);
    }
    t.same([all.hotels, all.verdict, all.target], [fullPart.hotels, fullPart.verdict, fullPart.target], 'the same hotels, verdict and listing');

    const run = await runCli(['run', ...targetOf(event.event_id), ...clientFlags], { env });
    t.equal(run.code, 3, 'run --target on the sold-out event, not a load shard, still exits 3');
    t.match(run.stderr, /lists no hotel with rooms left .*: nothing to book/, 'saying there is nothing to book');
  });

  t.test('two shards started together with one command line but --shard both exit 0, and the merge holds what the tables hold', async (t) => {
    const event = await seedEvent(database.sql, 2, 20);
    // One start time for both, as a script would give every load host.
    const startAt = new Date(Date.now() + 3000).toISOString();
    const loads = await Promise.all(
      [1, 2].map((index) =>
        runCli(
          ['load', ...targetOf(event.event_id), ...clientFlags, '--start-at', startAt, '--shard', `${index}/2`, '--json', partFile(`together-${index}`)],
          {
            env,
            replayIn: t,
          },
        ),
      ),
    );
    for (const [position, load] of loads.entries()) t.equal(load.code, 0, `shard ${position + 1}/2: exit 0 (stderr: ${load.stderr.slice(-300)})`);
    const parts = await Promise.all([1, 2].map((index) => readResult(partFile(`together-${index}`))));
    const merged = partFile('together');
    const merge = await runCli(['merge', partFile('together-1'), partFile('together-2'), '--json', merged], { env });
    t.equal(merge.code, 0, `merged (stderr: ${merge.stderr})`);
    const all = await readResult(merged);
    const auditJson = partFile('together-audit');
    const audit = await runCli(['audit', '--event', event.event_id, '--assert-no-overbooking', '--json', auditJson], { env });
    t.equal(audit.code, 0, `audited: exit 0 (stderr: ${audit.stderr})`);
    const audited = JSON.parse(await readFile(auditJson, 'utf8')) as { capacity: number; sold: number; overbooked: number };
    t.comment(
      `shards: ${parts.map((part) => `${part.outcome.reservations} reservations, ${part.outcome.rooms_reserved} rooms`).join('; ')}; ` +
        `merge: ${all.outcome.reservations} reservations, ${all.outcome.rooms_reserved} rooms of ${all.outcome.contracted}; audit: ${audited.sold} of ${audited.capacity} sold`,
    );
    t.equal(all.outcome.rooms_reserved, audited.sold, "the merge's rooms are the audit's");
    t.equal(all.outcome.reservations, (await booked(event.event_id)).reservations, "the merge's reservations are the tables'");
    t.equal(audited.sold, audited.capacity, 'the event sold out');
    t.equal(all.outcome.contracted, audited.capacity, "the merge's listing is the event's");
    t.same(all.verdict, { promises_safety: true, safe: true, label: 'UNAUDITED' }, 'judged by the 201s: nothing acknowledged beyond the listing');
  });
});
