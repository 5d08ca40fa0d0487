import t from 'tap';
import { parseArguments } from '../cmd/program.js';
import { pricesLine } from '../cmd/commands/sweep.js';
import { findCrossovers, type CrossoverPoint } from '../harness/analysis/crossover.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import type { RunConfig } from '../harness/model/run-config.js';
import { sweepPoints } from '../harness/model/sweep-points.js';
import { sweepCrossovers, sweepDocument } from '../harness/race/sweep.js';
import { at } from '../lib/at.js';
import { crossoverText, pointLabel, sweepCrossoverText } from '../report/sweep-text.js';

// Six trials a side: the U test can reach p = 0.002, far below 0.05, when the samples do not overlap.
const around = (centre: number, spread = 5) => [-3, -2, -1, 1, 2, 3].map((step) => centre + step * spread);
const point = (samples: Record<string, number[]>): CrossoverPoint => ({ samples });

t.test('a clean flip is one crossover between the last point of one lead and the first of the other', async (t) => {
  const labels = ['1 client', '16 clients', '64 clients', '256 clients'];
  const points = [
    point({ optimistic: around(900), pessimistic: around(500) }),
    point({ optimistic: around(700), pessimistic: around(520) }),
    point({ optimistic: around(300), pessimistic: around(480) }),
    point({ optimistic: around(100), pessimistic: around(450) }),
  ];
  const crossovers = findCrossovers(points);
  t.equal(crossovers.length, 1, 'one flip');
  const [crossover] = crossovers;
  t.match(crossover, { leader: 'optimistic', overtaker: 'pessimistic', until: 1, from: 2 }, 'optimistic leads up to 16, pessimistic from 64');
  t.equal(
    crossover && crossoverText(crossover, at(labels, crossover.until), at(labels, crossover.from)),
    'optimistic ahead of pessimistic up to 16 clients; pessimistic ahead from 64 clients',
    'said in a sentence where it is printed',
  );
});

t.test('no flip: one strategy ahead everywhere gives no crossover', async (t) => {
  const points = [100, 200, 400].map((load) => point({ atomic: around(2000 - load), pessimistic: around(1000 - load) }));
  t.same(findCrossovers(points), [], 'no crossover');
});

t.test('a flip inside the noise is not reported', async (t) => {
  // The medians swap (505 > 500, then 495 < 500) but the trials overlap: no significant order on either side.
  const noisy = (centre: number) => around(centre, 40);
  const points = [point({ a: noisy(505), b: noisy(500) }), point({ a: noisy(495), b: noisy(500) })];
  t.same(findCrossovers(points), [], 'overlapping trials: no crossover');
  // Significant on one side only: still no crossover, because the other side never led.
  const oneSided = [point({ a: around(900), b: around(500) }), point({ a: noisy(495), b: noisy(500) })];
  t.same(findCrossovers(oneSided), [], 'a lead that fades into the noise is not a flip');
});

t.test('too few trials to tell the strategies apart: no crossover, however far apart the medians', async (t) => {
  const points = [point({ a: [900, 910, 920], b: [100, 110, 120] }), point({ a: [100, 110, 120], b: [900, 910, 920] })];
  t.same(findCrossovers(points), [], 'three trials a side cannot reach p <= 0.05');
});

t.test('points without a difference between two leads: the crossover spans them', async (t) => {
  const points = [
    point({ a: around(900), b: around(500) }),
    point({ a: around(700, 80), b: around(690, 80) }),
    point({ a: around(300), b: around(600) }),
    point({ a: around(900), b: around(500) }),
  ];
  const crossovers = findCrossovers(points);
  t.same(
    crossovers.map(({ leader, overtaker, until, from }) => [leader, overtaker, until, from]),
    [
      ['a', 'b', 0, 2],
      ['b', 'a', 2, 3],
    ],
    'a flip across the undecided point, and the flip back',
  );
});

t.test('every pair of strategies is searched, a strategy missing at a point leads nowhere there', async (t) => {
  const points = [
    point({ a: around(900), b: around(500), c: around(100) }),
    point({ a: around(300), b: around(600) }),
    point({ a: around(300), b: around(600), c: around(800) }),
  ];
  const pairs = findCrossovers(points).map(({ leader, overtaker }) => `${leader}>${overtaker}`);
  t.same(pairs.sort(), ['a>b', 'a>c', 'b>c'].sort(), 'a over b, then c over both');
});

t.test("a sweep's crossovers carry the points they name, and are said in a sentence where they are printed", async (t) => {
  // Along clients at two server counts: at 1 server optimistic leads at 4 clients and pessimistic at 64; at 2 servers neither flips.
  const trial = (strategy: string, clients: number, servers: number, goodput: number) =>
    ({
      workload: 'rooms',
      params: { strategy, clients, hotels: 1, servers },
      sweep: { point: (clients === 4 ? 0 : 1) + (servers === 1 ? 0 : 2), axes: { clients: String(clients), servers: String(servers) } },
      outcome: { reservations: 100, reservations_per_s: goodput },
      verdict: { promises_safety: true, safe: true, label: 'SAFE' },
    }) as unknown as StrategyResult;
  const trials = (clients: number, servers: number, optimistic: number, pessimistic: number) => [
    ...around(optimistic).map((goodput) => trial('optimistic', clients, servers, goodput)),
    ...around(pessimistic).map((goodput) => trial('pessimistic', clients, servers, goodput)),
  ];
  const results = [...trials(4, 1, 900, 500), ...trials(64, 1, 300, 600), ...trials(4, 2, 900, 500), ...trials(64, 2, 900, 500)];
  const crossovers = sweepCrossovers(results);
  t.same(
    crossovers,
    [
      {
        leader: 'optimistic',
        overtaker: 'pessimistic',
        until: 0,
        from: 1,
        axis: 'clients',
        fixed: 'servers 1',
        points: { until: { value: '4', clients: 4, hotels: 1 }, from: { value: '64', clients: 64, hotels: 1 } },
      },
    ],
    'data: who led, where, and the points it names',
  );
  t.same(
    crossovers.map(sweepCrossoverText),
    ['at servers 1: optimistic ahead of pessimistic up to 4 clients on one hot row; pessimistic ahead from 64 clients on one hot row'],
    'a sentence made from it',
  );
  t.notOk(
    sweepDocument([{ name: 'clients', values: [4, 64] }], results).crossovers.some((crossover) => 'sentence' in crossover),
    "the sweep's document holds no sentence until a printer words it",
  );
});

const base: RunConfig = {
  clients: 64,
  servers: 2,
  hotels: 3,
  rooms: 200,
  maxRooms: 5,
  thinkMs: { min: 0, max: 0, text: '0' },
  seed: 7,
  pick: 'first',
  inFlight: 256,
  poolSize: 1,
  timeoutMs: 60_000,
};

t.test('sweep points: the first axis varies fastest, hot rows are hotels picked at random', async (t) => {
  const points = sweepPoints(
    base,
    [
      { name: 'hot-rows', values: [1, 16] },
      { name: 'servers', values: [1, 4] },
    ],
    (servers) => 8 / servers,
  );
  t.same(
    points.map(({ coordinates }) => coordinates.axes),
    [
      { 'hot-rows': '1', servers: '1' },
      { 'hot-rows': '16', servers: '1' },
      { 'hot-rows': '1', servers: '4' },
      { 'hot-rows': '16', servers: '4' },
    ],
    'one line per server count',
  );
  t.same(
    points.map(({ config }) => [config.hotels, config.pick, config.servers, config.poolSize]),
    [
      [1, 'random', 1, 8],
      [16, 'random', 1, 8],
      [1, 'random', 4, 2],
      [16, 'random', 4, 2],
    ],
    'hotels, random picks, and a pool per server count',
  );
  t.same(
    points.map(({ coordinates }) => coordinates.point),
    [0, 1, 2, 3],
    'numbered in order',
  );
  t.equal(pointLabel('hot-rows', '16', { clients: 64, hotels: 16 }), '16 hot rows (4 clients per hot row)', 'contention in the label');
  t.equal(pointLabel('clients', '8', { clients: 8, hotels: 1 }), '8 clients on one hot row', 'clients on one row');
});

t.test('sweep flags: lists, one or two axes, --quick fills only what is not given', async (t) => {
  const sweep = async (...args: string[]) => {
    const invocation = await parseArguments(['node', 'evento', 'sweep', ...args], () => undefined);
    if (invocation.command !== 'sweep') throw new Error('not a sweep');
    return invocation;
  };
  const two = await sweep('--clients', '8,32', '--think-ms', '0,0-10', '--strategies', 'atomic,optimistic', '--duration', '2s');
  t.same(
    two.plan.axes.map(({ name }) => name),
    ['clients', 'think-ms'],
    'two axes',
  );
  t.equal(two.plan.points.length, 4, 'four points');
  t.equal(at(two.plan.points, 0).config.rooms, 1_000_000, 'fixed-time: rooms never sell out');
  t.equal(two.flags.repeat, 5, 'five trials a point unless told');
  const toSellOut = await sweep('--hot-rows', '1,4', '--rooms', '50');
  t.equal(at(toSellOut.plan.points, 0).config.rooms, 50, 'without --duration, to sell-out of --rooms');
  const quick = await sweep('--quick', '--repeat', '6');
  t.same(quick.plan.axes, [{ name: 'hot-rows', values: [1, 16] }], '--quick sweeps hot rows');
  t.equal(quick.flags.repeat, 6, '--quick keeps a given --repeat');
  t.equal(quick.flags.duration, 1000, '--quick runs each trial for a second');
  t.same(
    quick.runs.map(({ strategy }) => strategy.name),
    ['pessimistic', 'optimistic'],
    'two strategies',
  );
  await t.rejects(sweep('--clients', '8'), /sweep needs an axis/, 'one value is not an axis');
  await t.rejects(sweep('--clients', '8,16', '--servers', '1,2', '--max-rooms', '1,5'), /one or two axes at a time, not 3/, 'three axes refused');
  await t.rejects(sweep('--hot-rows', '1,x'), /expected an integer/, 'a bad item refused');
});

t.test('sweep over --rooms: to sell-out of each hotel size, never with a fixed time', async (t) => {
  const sweep = async (...args: string[]) => {
    const invocation = await parseArguments(['node', 'evento', 'sweep', ...args], () => undefined);
    if (invocation.command !== 'sweep') throw new Error('not a sweep');
    return invocation;
  };
  const fill = await sweep('--hotels', '1', '--clients', '4,64', '--rooms', '400,8000', '--strategies', 'atomic,skip-locked');
  t.same(
    fill.plan.axes.map(({ name }) => name),
    ['clients', 'rooms'],
    'clients first: crossovers run along clients, at each hotel size',
  );
  t.same(
    fill.plan.points.map(({ config }) => [config.clients, config.rooms, config.hotels]),
    [
      [4, 400, 1],
      [64, 400, 1],
      [4, 8000, 1],
      [64, 8000, 1],
    ],
    'each point sells out a hotel of its size',
  );
  t.equal(pointLabel('rooms', '400', { clients: 64, hotels: 1 }), '400 rooms a hotel, to sell-out', 'the label says the point sells out');
  t.equal(at((await sweep('--clients', '4,64', '--rooms', '50')).plan.points, 0).config.rooms, 50, 'one value is the hotel size, as before');
  await t.rejects(sweep('--rooms', '400,8000', '--duration', '2s'), /--rooms as an axis runs each point to sell-out/, 'with --duration refused');
});

t.test("a sweep's prices: refusals while rooms remained and rooms unsold, per point and strategy, medians over the trials", async (t) => {
  const trial = (strategy: string, position: number, refused: number | undefined, unsold: number | undefined, workload = 'rooms') =>
    ({
      workload,
      params: { strategy, clients: 64, hotels: 1 },
      sweep: { point: 0, axes: { clients: '64' } },
      trial: { index: position + 1, count: 3, seed: 1, position },
      outcome: {
        reservations: 100,
        reservations_per_s: 1000 + position,
        time_to_reservation_ms: { p50: 1, p90: 2, p99: 3, max: 4 },
        ...(refused !== undefined && { refused_while_available: refused }),
        ...(unsold !== undefined && { unsold_rooms: unsold }),
      },
      verdict: { promises_safety: true, safe: true, label: 'SAFE' },
    }) as unknown as StrategyResult;
  const results = [
    trial('buckets-single', 0, 3, 0),
    trial('buckets-single', 1, 10, 0),
    trial('buckets-single', 2, 69, 2),
    trial('atomic', 0, 0, 0),
    trial('atomic', 1, 0, 0),
    trial('atomic', 2, 0, undefined),
  ];
  const [point] = sweepDocument([{ name: 'clients', values: [64] }], results).points;
  t.same(
    point?.strategies.map(({ strategy, refused_while_available, unsold_rooms }) => [strategy, refused_while_available, unsold_rooms]),
    [
      ['buckets-single', 10, 0],
      ['atomic', 0, null],
    ],
    'the JSON gives each median, null where a file lacks the figure',
  );
  t.equal(
    pricesLine(results),
    'refused while rooms remained / rooms unsold (medians): buckets-single 10 / 0, atomic 0 / —',
    'the line under the table says the same',
  );
  t.equal(pricesLine([trial('exclusion', 0, 0, 0, 'slots')]), '', 'no line for slots, which have no rooms');
  const many = ['atomic', 'pessimistic', 'buckets', 'skip-locked', 'batched', 'buckets-single'].map((name) => trial(name, 0, 1234, 0));
  const lines = pricesLine(many).split('\n');
  t.ok(
    lines.length > 1 && lines.every((line) => line.length <= 100),
    `six strategies' prices in lines of 100 columns at most (${lines.map((line) => line.length).join(', ')})`,
  );
  t.match(lines.slice(1).join('\n'), /^ {2}\S/, 'the lines after the first indented');
  t.ok(
    lines.every((line) => /[a-z-]+ [0-9,]+ \/ [0-9—]+,?$/.test(line)) && lines.slice(1).every((line) => /^ {2}[a-z-]+ [0-9,]+ \/ /.test(line)),
    "each line starts and ends on a whole run's figures: no run split across lines",
  );
});
