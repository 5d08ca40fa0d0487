import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { OpenLoopPlan } from '../client-sim/arrivals.js';
import { mergeEncoded } from '../client-sim/metrics.js';
import { capacities } from '../harness/analysis/capacity.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import type { RunConfig } from '../harness/model/run-config.js';
import { at } from '../lib/at.js';
import { raceIn, roomRuns, runCli, strategyNamed, useDatabase, waitOf } from './helpers.js';

const database = await useDatabase(t);
const scratch = () => mkdtemp(join(tmpdir(), 'evento-open-loop-test-'));

/** One hot row that never sells out, measured from the start: only the load model differs between runs. */
const steady: RunConfig = {
  clients: 10,
  servers: 2,
  hotels: 1,
  rooms: 1_000_000,
  maxRooms: 5,
  thinkMs: { min: 0, max: 0, text: '0' },
  seed: 11,
  pick: 'first',
  inFlight: 256,
  poolSize: 2,
  timeoutMs: 120_000,
  durationMs: 3000,
  rampMs: 0,
};

const stallMs = 1000;

/** A run of atomic whose servers are all stopped (SIGSTOP) for `stallMs`, one second into it: every answer waits for them. */
async function stalledRun(openLoop: OpenLoopPlan | undefined): Promise<StrategyResult> {
  let pids: readonly number[] = [];
  const resume = () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already: the race stopped its servers.
      }
    }
  };
  t.teardown(resume);
  const { results } = await raceIn(t, {
    runs: roomRuns([strategyNamed('atomic')]),
    config: { ...steady, openLoop },
    databaseUrl: database.url,
    hooks: {
      onReady: ({ serverPids }) => (pids = serverPids),
      onStart: () => {
        setTimeout(() => {
          pids.forEach((pid) => process.kill(pid, 'SIGSTOP'));
          setTimeout(resume, stallMs);
        }, 1000);
      },
    },
  });
  return at(results, 0);
}

/** How many reservations waited `ms` or longer, read off the run's histogram (to its precision, a few parts in a thousand). */
function waitedAtLeast({ outcome }: StrategyResult, ms: number) {
  const histogram = mergeEncoded([{ encoded: outcome.histograms.time_to_reservation_us, values: outcome.reservations }]);
  let [below, atOrAbove] = [0, 100];
  for (let step = 0; step < 40; step += 1) {
    const percentile = (below + atOrAbove) / 2;
    if (histogram.getValueAtPercentile(percentile) >= ms * 1000) atOrAbove = percentile;
    else below = percentile;
  }
  return Math.round(((100 - atOrAbove) / 100) * outcome.reservations);
}

t.test('coordinated omission shown: a stall the closed loop hides is in the open loop wait p99', async (t) => {
  const closed = await stalledRun(undefined);
  const open = await stalledRun({ rate: 200, arrivals: 'constant' });
  const closedStalled = waitedAtLeast(closed, stallMs / 2);
  const openStalled = waitedAtLeast(open, stallMs / 2);
  t.comment(`a ${stallMs} ms stall: ${closedStalled} waits of half of it or more in the closed loop, ${openStalled} in the open loop at 200 attempts/s`);
  // A closed-loop client is caught by the stall once, whatever the run's pace; the open loop's arrivals keep coming.
  t.ok(
    closedStalled <= steady.clients,
    `the closed loop met the stall with its ${steady.clients} clients at most (${closedStalled}): they just sent less`,
  );
  t.ok(
    openStalled >= 50,
    `the open loop's waits hold it (${openStalled}): waits count from each intended start, so every arrival the stall delayed waited`,
  );
  t.ok(waitOf(open.outcome).p99 >= 0.9 * stallMs, `the open loop's p99 (${waitOf(open.outcome).p99} ms) is the stall`);
  t.ok((open.outcome.schedule_lag_ms?.max ?? 0) > 0, 'attempts queued behind the stall started late');
  t.equal(open.params.rate, 200, 'the result names the rate');
  t.equal(open.params.arrivals, 'constant', 'and the arrivals');
  t.equal(closed.params.rate, undefined, 'a closed-loop result names none');
  t.ok(Math.abs((open.outcome.offered_rate ?? 0) / 200 - 1) < 0.05, `offered ${String(open.outcome.offered_rate)}/s`);
});

t.test('--clients caps the attempts in flight, and --latency-limit drops and counts the arrivals that waited too long', async (t) => {
  // Every locked read sleeps 50 ms: two clients can settle at most 40 attempts a second.
  const { results } = await raceIn(t, {
    runs: roomRuns([strategyNamed('pessimistic')]),
    config: {
      ...steady,
      clients: 2,
      durationMs: 2000,
      chaos: { faults: ['slow-db'], everyMs: 2000, latencyMs: 50 },
      openLoop: { rate: 200, arrivals: 'poisson', latencyLimitMs: 200 },
    },
    databaseUrl: database.url,
  });
  const { outcome } = at(results, 0);
  t.ok(outcome.reservations_per_s <= 42, `two clients at 50 ms an attempt: ${outcome.reservations_per_s} reservations/s`);
  t.ok((outcome.dropped ?? 0) > 0, `arrivals dropped: ${String(outcome.dropped)}`);
  const offered = ((outcome.offered_rate ?? 0) * (outcome.window_ms?.to ?? 0)) / 1000;
  t.ok(outcome.reservations + (outcome.dropped ?? 0) <= offered + 2, 'each arrival was reserved, dropped or still waiting at the end');
  t.equal(outcome.window_ms?.from, 0, 'measured from the start');
  t.ok(
    (outcome.schedule_lag_ms?.p99 ?? 0) <= 200 + 60,
    `no attempt started later than the limit allows (p99 lag ${String(outcome.schedule_lag_ms?.p99)} ms)`,
  );
});

/** A strategy that holds one lock for 10 ms per reservation: it cannot take more than about 100 a second. */
const slowModule = `export default {
  name: 'one-at-a-time',
  summary: 'the conditional claim behind one advisory lock held 10 ms: about 100 reservations a second at most',
  promisesSafety: true,
  async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
    return sql.begin(async (tx) => {
      await tx\`select pg_advisory_xact_lock(42), pg_sleep(0.01)\`;
      const [row] = await tx\`
        update event_hotel_rooms set reserved = reserved + \${rooms}, version = version + 1, updated_at = now()
        where event_id = \${eventId} and hotel_id = \${hotelId} and contracted - (reserved + locked) >= \${rooms}
        returning id\`;
      if (!row) return { status: 'insufficient', available: 0 };
      const [{ id }] = await tx\`
        insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
        values (gen_random_uuid(), \${row.id}, \${email}, \${rooms}, 'CONFIRMED', \${requestId}, now()) returning id\`;
      return { status: 'reserved', reservation: { id, event_id: eventId, hotel_id: hotelId, rooms, email, status: 'CONFIRMED' } };
    });
  },
};
`;

t.test('capacity at a latency target: a strategy slowed below the lowest rate gets none, atomic some; a missed point stops the climb', async (t) => {
  const dir = await scratch();
  const slow = join(dir, 'one-at-a-time.mjs');
  await writeFile(slow, slowModule);
  const json = join(dir, 'sweep.json');
  const run = await runCli(
    [
      'sweep',
      // Even arrivals: a point's reservations then differ from what its window offered by a boundary's one or two, not by chance.
      // At 150/s the slowed strategy (about 100 a second at most) cannot reserve 95% of the offer on any machine; atomic needs a
      // tenth of a core for it, and only a stall of a second in its window would miss a 1 s target. Three trials a point, judged
      // on their medians: a stall of the clients' own process at a window's end (300 ms once, on a loaded machine) costs a trial.
      ...['--strategies', `atomic,${slow}`, '--rate', '150,600', '--arrivals', 'constant', '--slo', 'p99=1s', '--duration', '2s', '--repeat', '3'],
      ...['--clients', '32', '--hotels', '1', '--warmup', '0', '--results-dir', join(dir, 'results'), '--json', json],
    ],
    { env: { DATABASE_URL: database.url }, replayIn: t },
  );
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-400)})`);
  const document = JSON.parse(await readFile(json, 'utf8')) as {
    capacity: { strategy: string; slo: string; rate: number | null }[];
    results: StrategyResult[];
  };
  const capacityOf = (strategy: string) => document.capacity.find((entry) => entry.strategy === strategy);
  t.comment(run.stdout.slice(run.stdout.indexOf('capacity:')));
  t.match(capacityOf('atomic'), { slo: 'p99=1s' }, "atomic's capacity is in the JSON");
  t.ok((capacityOf('atomic')?.rate ?? 0) >= 150, `atomic met the lowest rate (capacity ${String(capacityOf('atomic')?.rate)}/s)`);
  t.same(capacityOf('one-at-a-time'), { strategy: 'one-at-a-time', slo: 'p99=1s', rate: null }, 'the slowed strategy met no rate: null, not an error');
  t.match(run.stdout, /capacity: the highest rate offered/, 'the table names it');
  const level = { percentile: 'p99', ms: 1000, text: 'p99=1s' } as const;
  const topMissed = document.results.map((result) =>
    result.params.rate === 600 ? { ...result, outcome: { ...result.outcome, dropped: Math.round((result.outcome.offered_rate ?? 0) / 2) } } : result,
  );
  t.same(
    capacities(topMissed, level).map(({ strategy, rate }) => [strategy, rate]),
    [
      ['atomic', 150],
      ['one-at-a-time', null],
    ],
    'a point that dropped more than 1% of its offer stops the climb at the point below it',
  );
  const none = capacities(document.results, { percentile: 'p99', ms: 0.001, text: 'p99=1us' });
  t.same(
    none.map(({ rate }) => rate),
    none.map(() => null),
    'a target no point meets: rate null for every strategy',
  );
  t.equal(none.length, 2, 'one entry per strategy');
  const atomicBroke = document.results.map((result) =>
    result.params.strategy === 'atomic' ? { ...result, verdict: { ...result.verdict, safe: false, label: 'OVERBOOKED by 1' } } : result,
  );
  t.same(
    capacities(atomicBroke, level).map(({ strategy }) => strategy),
    ['one-at-a-time'],
    'a strategy that broke its promise in a trial is given no capacity',
  );
  const widest = Math.max(...run.stdout.split('\n').map((line) => line.length));
  t.ok(
    widest <= 100,
    `every line the sweep printed fits 100 columns (widest: ${widest}: ${run.stdout.split('\n').find((line) => line.length === widest) ?? ''})`,
  );
  t.match(
    run.stdout,
    /goodput at 600\/s, ranked where the trials differ \(Mann-Whitney U\):\n {2}not ranked/,
    'three trials a point, fewer than four: nothing ranked',
  );
});
