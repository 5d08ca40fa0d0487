import t from 'tap';
import type { Test } from 'tap';
import type { ChaosConfig } from '../harness/model/faults.js';
import type { RaceOptions, RaceRun } from '../harness/race/race.js';
import { groupTrials } from '../harness/analysis/ranking.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { strategies } from '../strategies/registry.js';
import { contendedRace, parsedCli, raceIn, strategyNamed, useDatabase, runOf } from './helpers.js';

// --via direct: the same clients, audit, history and faults, with the strategies called in this process.
// The soak's short lease: a run under kill-backends waits a lease for the request ids the faults left claimed, the default 5 s.
process.env.EVENTO_IDEMPOTENCY_LEASE_MS ??= '2000';
const database = await useDatabase(t);
const direct = (names: string[]): RaceRun[] => names.map((name) => runOf({ workload: 'rooms' }, strategyNamed(name), { via: 'direct' }));
const race = (t: Test, runs: RaceRun[], config: Partial<RaceOptions['config']> = {}) =>
  raceIn(t, { ...contendedRace, config: { ...contendedRace.config, ...config }, databaseUrl: database.url, runs });

// Every strategy that promises safety and is raced by default: the direct path must keep each SAFE.
const safe = strategies.filter((strategy) => strategy.promisesSafety && !strategy.notRacedByDefault).map(({ name }) => name);

/** What a safe strategy keeps on either path: sold out, no overbooking or drift, audited SAFE; without faults, every room told of. */
function held(t: Test, results: StrategyResult[]) {
  for (const { params, outcome, verdict } of results) {
    const run = `${params.strategy} via ${String(params.via)}`;
    t.equal(outcome.overbooked_rooms, 0, `${run}: no overbooked room`);
    t.equal(outcome.drift, 0, `${run}: no drift`);
    t.equal(outcome.rooms_reserved, outcome.contracted, `${run}: booked == contracted`);
    if (!params.chaos) t.equal(outcome.acknowledged.rooms, outcome.rooms_reserved, `${run}: clients were told of every booked room`);
    t.equal(verdict.label, 'SAFE', `${run}: SAFE`);
  }
}

for (const name of ['naive', 'transaction']) {
  t.test(`direct: ${name} overbooks or drifts under contention, as over HTTP`, async (t) => {
    const attempts = 8;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const [result] = (await race(t, direct([name]))).results;
      if (result && (result.outcome.overbooked_rooms > 0 || result.outcome.drift > 0)) {
        t.pass(`attempt ${attempt}: the audit caught ${result.verdict.label}`);
        t.equal(result.verdict.safe, false, 'an anomaly makes the verdict unsafe');
        t.equal(result.params.via, 'direct', 'the result names its path');
        return;
      }
    }
    t.fail(`no overbooking or drift in ${attempts} contended runs`);
  });
}

t.test('direct: every safe strategy sells out SAFE, two contended runs each, with no errors', async (t) => {
  const { results, stoppedBy } = await race(t, direct([...safe, ...safe]));
  t.equal(stoppedBy, 'done', 'every run ended by selling out');
  t.equal(results.length, 2 * safe.length, 'every run ran');
  held(t, results);
  t.ok(
    results.every(({ outcome }) => outcome.errors === 0),
    'no errors',
  );
  t.ok(
    results.every(({ params }) => params.via === 'direct'),
    'every result names the direct path',
  );
});

t.test('a race of both paths: the same verdicts, each result naming its path', async (t) => {
  const runs: RaceRun[] = (['http', 'direct'] as const).map((via) => runOf({ workload: 'rooms' }, strategyNamed('atomic'), { via }));
  const { results } = await race(t, runs);
  t.same(
    results.map(({ params }) => params.via),
    ['http', 'direct'],
    'one run per path, in order',
  );
  t.same(
    groupTrials(results).map(({ label }) => label),
    ['atomic', 'atomic (direct)'],
    'the table names the direct path',
  );
  held(t, results);
});

t.test('direct with --history: the history records the strategies’ decisions and checks out against the tables', async (t) => {
  const { results } = await race(t, direct(['atomic', 'naive']), { history: true });
  const [atomic, naive] = results;
  if (!atomic || !naive) throw new Error('both runs ran');
  held(t, [atomic]);
  t.same(atomic.outcome.witnesses, [], 'atomic: no witness, nothing is wrong');
  t.equal(atomic.outcome.history_check?.valid, true, 'atomic: the history checks out');
  t.equal(naive.outcome.history_check?.valid, true, 'naive: the history checks out, whatever it overbooked');
  t.equal(
    (naive.outcome.witnesses ?? []).filter((w) => w.kind === 'overbooking').length,
    naive.hotels.filter((hotel) => hotel.overbooked > 0).length,
    'naive: one witness per overbooked hotel',
  );
});

t.test('direct under kill-backends: safe strategies hold, every write accounted for', async (t) => {
  const chaos: ChaosConfig = { faults: ['kill-backends'], everyMs: 150 };
  const { results } = await race(t, direct(['atomic', 'pessimistic', 'serializable']), { rooms: 100, chaos });
  held(t, results);
  for (const { params, outcome } of results) {
    t.equal(outcome.chaos?.unaccounted, 0, `${params.strategy}: every reservation answered 201 or left in doubt`);
    t.equal(outcome.chaos?.lost, 0, `${params.strategy}: every 201 is in the tables`);
    t.equal(outcome.chaos?.stuck, 0, `${params.strategy}: no request id left claimed`);
  }
  t.ok(results.reduce((sum, { outcome }) => sum + (outcome.chaos?.backends_terminated ?? 0), 0) > 0, 'connections were terminated');
});

t.test('--via: a bad path, and what direct cannot do, are usage errors', async (t) => {
  const cases: [string[], RegExp][] = [
    [['race', '--via', 'bogus'], /--via.*expected http or direct/],
    [['run', '--via', 'http,direct'], /run takes one --via/],
    [['run', '--via', 'direct', '--chaos', 'kill-server'], /kill-server has no server process to kill with --via direct/],
    [['race', '--via', 'direct', '--workload', 'slots'], /--via direct runs the rooms workload only, not slots/],
    [
      ['run', '--via', 'direct', '--target', 'http://127.0.0.1:1', '--event', '00000000-0000-0000-0000-000000000000'],
      /--via does not apply with --target/,
    ],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await parsedCli(args);
    t.equal(code, 2, `${args.join(' ')}: exit 2`);
    t.match(stderr, message, `${args.join(' ')}: says what to fix`);
    t.equal(stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
  }
});
