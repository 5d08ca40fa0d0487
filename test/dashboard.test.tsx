import type { ReactElement } from 'react';
import t from 'tap';
import type { MetricsSnapshot } from '../client-sim/metrics.js';
import type { LoadResult } from '../client-sim/runner.js';
import { buildResult } from '../harness/race/result.js';
import type { HotelOutcome, StrategyResult } from '../harness/model/result-schema.js';
import type { WorkloadName } from '../harness/model/workload.js';
import { slotStrategies, strategies } from '../strategies/registry.js';
import type { StrategyInfo } from '../strategies/types.js';
import { wantsDashboard } from '../cmd/progress/progress-view.js';
import { formatResults } from '../cmd/output/report-table.js';
import { trialsVerdict } from '../harness/analysis/trial-verdict.js';
import { trialsVerdictText, unrankedText, unsafeLegend, verdictText } from '../report/verdict-text.js';
import { groupTrials, rankGroups } from '../harness/analysis/ranking.js';
import { at } from '../lib/at.js';
import {
  initialState,
  rateHistoryLength,
  reduce,
  zeroSnapshot,
  type DashboardState,
  type RacePlan,
  type StrategySummary,
} from '../cmd/progress/tui/dashboard-state.js';
import { strategyNamed } from './helpers.js';

// Colours are what the frames are about: force them before ink (and its chalk) load.
process.env.FORCE_COLOR = '1';
const { render } = await import('ink-testing-library');
const { HotelBar } = await import('../cmd/progress/tui/hotel-bar.js');
const { HotelList } = await import('../cmd/progress/tui/hotel-list.js');
const { Dashboard } = await import('../cmd/progress/tui/dashboard.js');
const { App } = await import('../cmd/progress/tui/app.js');
const { createRaceStore } = await import('../cmd/progress/tui/race-store.js');

const red = '\u001b[31m';
// eslint-disable-next-line no-control-regex -- a colour is an escape sequence, which begins with the ESC control character.
const plain = (frame = '') => frame.replace(/\u001b\[[0-9;]*m/g, '');
/** The last frame ink drew of `element`; drawing none fails the test here. */
const frameOf = (element: ReactElement) => {
  const frame = render(element).lastFrame();
  if (frame === undefined) throw new Error('ink drew no frame');
  return frame;
};

const plan: RacePlan = {
  command: 'race',
  strategies: ['naive', 'atomic', 'optimistic'],
  clients: 200,
  servers: 2,
  hotels: 2,
  rooms: 100,
  thinkMs: '0-300',
  seed: 42,
};
const hotel = (name: string, booked: number, extra: Partial<HotelOutcome> = {}): HotelOutcome => ({
  hotel_id: `id-${name}`,
  name,
  contracted: 100,
  booked,
  overbooked: Math.max(0, booked - 100),
  drift: 0,
  ...extra,
});
const summary = (strategy: string, booked: number, promisesSafety: boolean): StrategySummary => {
  const overbooked = Math.max(0, booked - 200);
  return {
    eventId: `event-${strategy}`,
    strategy,
    verdict: { promises_safety: promisesSafety, safe: overbooked === 0, label: overbooked ? `OVERBOOKED by ${overbooked}` : 'SAFE' },
    hotels: [hotel('Hotel 001', booked - 100), hotel('Hotel 002', 100)],
    roomsReserved: booked,
    contracted: 200,
    reservationsPerS: 1234.5,
    waitP99Ms: 80.25,
    durationMs: 2500,
    stoppedBy: 'done',
    trial: '',
  };
};
const snapshot = (elapsedMs: number, requests: number, extra: Partial<MetricsSnapshot> = {}): MetricsSnapshot => ({
  ...zeroSnapshot,
  elapsedMs,
  requests,
  ...extra,
});

t.test('an overbooked hotel: red overflow past the end of the bar, and the count', async (t) => {
  const frame = frameOf(<HotelBar hotel={hotel('Hotel 001', 140)} width={20} nameWidth={9} />);
  const [, overflow] = plain(frame).split('│');
  t.match(plain(frame), /Hotel 001 █{20}│/, 'the bar is full up to its end');
  t.match(overflow, /^█{8} /, '40 rooms over 100 at 20 cells a bar: 8 cells past the end');
  t.ok(frame.includes(`${red}${'█'.repeat(8)}`), 'the overflow is red');
  t.match(plain(frame), /140 \/ 100\s+\+40 overbooked/, 'sold / contracted and the overbooked count');
});

t.test('a hotel within its contract: no overflow, no count; drift shows on its own', async (t) => {
  const frame = frameOf(<HotelBar hotel={hotel('Hotel 002', 50, { drift: 3 })} width={20} nameWidth={9} />);
  t.match(plain(frame), /Hotel 002 █{10}░{10}│ +50 \/ 100/, 'half the bar sold, the rest empty');
  t.notOk(frame.includes(red), 'nothing red');
  t.notMatch(plain(frame), /overbooked/, 'no overbooked count');
  t.match(plain(frame), /drift 3/, 'drift shown');
});

t.test('a huge overflow is clipped at half a bar with an arrow', async (t) => {
  const frame = plain(render(<HotelBar hotel={hotel('Hotel 001', 400)} width={20} nameWidth={9} />).lastFrame());
  t.match(frame, /│█{9}▶ /, '10 cells, the last an arrow');
  t.match(frame, /\+300 overbooked/, 'the count is exact');
});

t.test('many hotels: a bar each up to the limit, the rest summed', async (t) => {
  const hotels = Array.from({ length: 12 }, (_, index) => hotel(`Hotel ${String(index + 1).padStart(3, '0')}`, index === 11 ? 105 : 100));
  const frame = plain(render(<HotelList hotels={hotels} width={10} limit={8} />).lastFrame());
  t.equal(frame.split('\n').filter((line) => line.includes('│')).length, 8, 'eight bars');
  t.match(frame, /… 4 more hotels, 405 rooms sold, \+5 overbooked/, 'the other four in one line, overbooking included');
});

t.test('a race: finished strategies with verdicts, the running one live', async (t) => {
  let state: DashboardState = { ...initialState(plan), database: { kind: 'embedded', host: '127.0.0.1:5432/postgres' } };
  state = { ...state, finished: [summary('naive', 260, false), summary('atomic', 200, true)] };
  state = reduce(state, {
    type: 'start',
    info: { strategy: strategyNamed('optimistic'), event: { event_id: 'e3', hotels: [{ hotel_id: 'h1', name: 'Hotel 001', contracted: 100 }] } },
  });
  const optimistic = strategyNamed('optimistic');
  state = reduce(state, { type: 'tick', info: { strategy: optimistic, snapshot: snapshot(500, 1000, { conflicts: 300, retries: 290 }) } });
  state = reduce(state, {
    type: 'tick',
    info: {
      strategy: optimistic,
      snapshot: snapshot(1000, 2500, {
        conflicts: 800,
        retries: 780,
        reservations: 40,
        errors: { network: 2, timeout: 1, http_5xx: 0, strategy_error: 0, unexpected_status: 0 },
        errorsTotal: 3,
        clientsActive: 150,
        latencyMs: { p50: 9.5, p90: 20, p99: 41.25, max: 60 },
      }),
    },
  });
  state = reduce(state, { type: 'audit', info: { strategy: optimistic, hotels: [hotel('Hotel 001', 60)] } });
  const frame = plain(render(<Dashboard state={state} columns={160} />).lastFrame());

  t.match(frame, /✘ naive {2}OVERBOOKED by 60 \* {2}260 \/ 200 rooms · 1,235 res\/s · wait p99 80\.3 ms · 2\.50s\n/, 'naive finished unsafe');
  t.match(
    frame,
    /\n\* unsafe by design: promises nothing; its overbooking is what it is raced to show\n/,
    'the marker explained once, under the live view',
  );
  t.match(frame, /\+60 overbooked/, 'with the bar of the hotel it overbooked');
  t.match(frame, /✔ atomic {2}SAFE {2}200 \/ 200 rooms/, 'atomic finished safe');
  t.match(frame, /evento race {2}naive ✘ · atomic ✔ · {2}optimistic {3}1\.0s/, 'the header marks finished ones and highlights the running one');
  t.match(frame, /200 clients · 2 servers · 2 hotels × 100 rooms · think 0-300 ms\n/, 'the load');
  t.match(frame, /embedded database 127\.0\.0\.1:5432\/postgres · seed 42/, 'the database and the seed');
  t.match(frame, /150 of 200 clients still booking/, 'clients still running');
  t.match(frame, /Hotel 001 █{24}░{16}│ +60 \/ 100/, 'the live bar follows the audit');
  t.match(frame, /requests\/s +3,000 ▆█/, 'requests/s is the last tick over its interval, with a sparkline');
  t.match(frame, /conflicts\/s +1,000 ▅█/, 'conflicts/s');
  t.match(frame, /retries\/s +980 /, 'retries/s');
  t.match(frame, /p50 9\.5 ms · p99 41\.3 ms/, 'latency so far');
  t.match(frame, /errors network 2 · timeout 1/, 'errors by kind, only those that happened');
  t.match(frame, /q or Ctrl-C: stop/, 'the keys');
});

t.test('rates come from cumulative snapshots and keep ~30 s of history', async (t) => {
  const optimistic = strategyNamed('optimistic');
  let state = reduce(initialState(plan), { type: 'start', info: { strategy: optimistic, event: { event_id: 'e', hotels: [] } } });
  for (let tick = 1; tick <= rateHistoryLength + 5; tick += 1) {
    state = reduce(state, { type: 'tick', info: { strategy: optimistic, snapshot: snapshot(tick * 500, tick * tick * 10) } });
  }
  const { current } = state;
  if (!current) throw new Error('a started run is the current one');
  const requests = current.rates.requests;
  t.equal(requests.length, rateHistoryLength, 'bounded history');
  const last = rateHistoryLength + 5;
  t.equal(requests.at(-1), ((last * last - (last - 1) * (last - 1)) * 10) / 0.5, 'last rate: the difference over half a second');
});

t.test('the warm-up shows until the first run starts', async (t) => {
  const warming = reduce(initialState(plan), { type: 'warmup', info: { ms: 2000 } });
  t.match(plain(render(<Dashboard state={warming} />).lastFrame()), /warming up for 2s .*not measured/, 'says it is not measured');
  const started = reduce(warming, { type: 'start', info: { strategy: strategyNamed('atomic'), event: { event_id: 'e', hotels: [] } } });
  t.notMatch(plain(render(<Dashboard state={started} />).lastFrame()), /warming up/, 'gone once a run starts');
});

t.test('stopping and the end change only the footer', async (t) => {
  const stopping = plain(render(<Dashboard state={reduce(initialState(plan), { type: 'stopping' })} />).lastFrame());
  t.match(stopping, /stopping: auditing what was written/, 'says what happens after q');
  const over = plain(render(<Dashboard state={reduce(initialState(plan), { type: 'over' })} />).lastFrame());
  t.notMatch(over, /q or Ctrl-C|stopping/, 'a finished race shows no keys');
});

t.test('q and Ctrl-C on the dashboard ask for the same stop', async (t) => {
  let stops = 0;
  const { stdin, unmount } = render(<App store={createRaceStore(plan)} onStop={() => (stops += 1)} />);
  // Let ink turn raw mode on and start reading.
  await new Promise((resolve) => setTimeout(resolve, 50));
  stdin.write('q');
  stdin.write('\u0003');
  stdin.write('x');
  unmount();
  t.equal(stops, 2, 'q and Ctrl-C stop, other keys do not');
});

t.test('the dashboard only on a terminal, outside CI, without --no-tui', async (t) => {
  const tty = { isTTY: true };
  t.equal(wantsDashboard(true, tty, {}), true, 'a terminal');
  t.equal(wantsDashboard(false, tty, {}), false, '--no-tui');
  t.equal(wantsDashboard(true, {}, {}), false, 'stdout piped');
  t.equal(wantsDashboard(true, tty, { CI: 'true' }), false, 'CI');
  t.equal(wantsDashboard(true, tty, { CI: '1' }), false, 'CI=1');
  t.equal(wantsDashboard(true, tty, { CI: 'false' }), true, 'CI=false is no CI');
});

/** Trials of one strategy as the table reads them: goodput, wait p99 and the verdict. */
function trialsOf(name: string, promises_safety: boolean, goodputs: number[], overbooked = 0): StrategyResult[] {
  return goodputs.map(
    (reservations_per_s) =>
      ({
        workload: 'rooms',
        params: { strategy: name },
        verdict: { promises_safety, safe: overbooked === 0, label: overbooked === 0 ? 'SAFE' : `OVERBOOKED by ${overbooked}` },
        outcome: { reservations_per_s, throughput_rps: 10_000 - reservations_per_s, time_to_reservation_ms: { p99: 50 }, overbooked_rooms: overbooked },
      }) as StrategyResult,
  );
}

/** The table's verdict cell of these trials. */
const verdictOverTrials = (trials: StrategyResult[]) => trialsVerdictText(trialsVerdict(trials));

const rankOf = (ranking: ReturnType<typeof rankGroups>) => ranking.rows.map(({ group, rank }) => [group.label, rank ?? null]);

t.test('one trial each: kept promises first by goodput, the rest after, and no rank, with the reason', async (t) => {
  // Raw requests run against goodput here: a ranking by throughput would come out reversed.
  const ranking = rankGroups(
    groupTrials([
      ...trialsOf('naive', false, [900], 3),
      ...trialsOf('pessimistic', true, [800]),
      ...trialsOf('transaction', false, [3000]),
      ...trialsOf('advisory', true, [5000], 3),
      ...trialsOf('optimistic', true, [2600]),
    ]),
  );
  t.same(
    rankOf(ranking),
    [
      ['optimistic', null],
      ['pessimistic', null],
      ['advisory', null],
      ['transaction', null],
      ['naive', null],
    ],
    'kept promises most reservations/s first; then the rest likewise, an unsafe strategy that did not overbook this time included; none ranked',
  );
  t.same(ranking.unranked, { fewest: 1, needed: 4 }, 'the ranking says why, as data');
  t.equal(
    ranking.unranked && unrankedText(ranking.unranked),
    'not ranked: 1 trial of a strategy cannot show a difference; --repeat 4 or more',
    'the table says it in words',
  );
  t.equal(verdictText(at(trialsOf('transaction', false, [0]), 0).verdict), 'held this run *', 'no anomaly is not a promise');
  t.equal(verdictText(at(trialsOf('naive', false, [0], 3), 0).verdict), 'OVERBOOKED by 3 *');
  t.equal(verdictText(at(trialsOf('advisory', true, [0], 3), 0).verdict), 'OVERBOOKED by 3', 'a broken promise reads as the audit found it');
  t.equal(unsafeLegend, '* unsafe by design: promises nothing; its overbooking is what it is raced to show', 'what the marker means');
});

t.test('five trials each: a significant difference ranks apart, a difference within the noise shares a rank', async (t) => {
  const ranking = rankGroups(
    groupTrials([
      ...trialsOf('serializable', true, [2300, 2250, 2390, 2280, 2330]),
      ...trialsOf('atomic', true, [5760, 5600, 5810, 5700, 5650]),
      ...trialsOf('advisory', true, [2310, 2400, 2240, 2290, 2350]),
      ...trialsOf('pessimistic', true, [2950, 3010, 2900, 2980, 2960]),
    ]),
  );
  t.same(
    rankOf(ranking),
    [
      ['atomic', 1],
      ['pessimistic', 2],
      ['advisory', 3],
      ['serializable', 3],
    ],
    'advisory and serializable overlap: one rank',
  );
  t.equal(ranking.unranked, undefined, 'enough trials to rank');
  t.same(
    rankOf(rankGroups(groupTrials([...trialsOf('atomic', true, [5760, 5600, 5810]), ...trialsOf('serializable', true, [2300, 2250, 2390])]))),
    [
      ['atomic', null],
      ['serializable', null],
    ],
    'three trials a side cannot reach p ≤ 0.05: no rank, however far apart',
  );
});

t.test('the verdict over trials: how many held, and by how much the others overbooked', async (t) => {
  t.equal(verdictOverTrials(trialsOf('atomic', true, [1, 2, 3])), 'SAFE 3/3');
  t.equal(
    verdictOverTrials([...trialsOf('naive', false, [1], 212), ...trialsOf('naive', false, [1], 371), ...trialsOf('naive', false, [1], 300)]),
    'OVERBOOKED 3/3 (+212..+371) *',
  );
  t.equal(verdictOverTrials([...trialsOf('transaction', false, [1]), ...trialsOf('transaction', false, [1], 4)]), 'OVERBOOKED 1/2 (+4) *');
  t.equal(verdictOverTrials(trialsOf('transaction', false, [1, 1])), 'held 2/2 *');
  t.equal(
    verdictOverTrials([...trialsOf('advisory', true, [1, 1]), ...trialsOf('advisory', true, [1], 2)]),
    'OVERBOOKED 1/3 (+2)',
    'a broken promise, unmarked',
  );
});

t.test('on a narrow terminal the bars and sparklines shrink to fit', async (t) => {
  const optimistic = strategyNamed('optimistic');
  let state = reduce(initialState(plan), {
    type: 'start',
    info: { strategy: optimistic, event: { event_id: 'e', hotels: [{ hotel_id: 'h1', name: 'Hotel 001', contracted: 100 }] } },
  });
  for (let tick = 1; tick <= rateHistoryLength; tick += 1) {
    state = reduce(state, { type: 'tick', info: { strategy: optimistic, snapshot: snapshot(tick * 500, tick * 100) } });
  }
  state = reduce(state, { type: 'audit', info: { strategy: optimistic, hotels: [hotel('Hotel 001', 150)] } });
  const lines = plain(render(<Dashboard state={state} columns={80} />).lastFrame()).split('\n');
  const lineStarting = (prefix: string) => {
    const line = lines.find((each) => each.startsWith(prefix));
    if (line === undefined) throw new Error(`no line starts with ${prefix}`);
    return line;
  };
  const bar = lineStarting('Hotel 001');
  t.ok(bar.length <= 80, `the hotel line fits in 80 columns (${bar.length})`);
  t.match(bar, /\+50 overbooked/, 'with its count');
  const requests = lineStarting('requests/s');
  t.ok(requests.length <= 80, `the rate line fits in 80 columns (${requests.length})`);
});

/**
 * A result as buildResult makes it, at the scale of the bench's 10,000-client run (3 × 10,000
 * rooms): the unsafe strategies overbook by thousands, the others spend many 409s a reservation.
 */
function scaleResult(workload: WorkloadName, strategy: StrategyInfo, index: number, figures: { reservations?: number } = {}): StrategyResult {
  const reservations = figures.reservations ?? 10_000 + index * 37;
  const overbooked = strategy.promisesSafety ? 0 : 1_234;
  const time = { p50: 98.76, p90: 456.78, p99: 1234.56, max: 2345.67 };
  const load: LoadResult = {
    snapshot: {
      ...zeroSnapshot,
      elapsedMs: 812,
      requests: 456_789,
      reservations,
      roomsReserved: 30_000 + overbooked,
      conflicts: 213_456,
      retries: 213_456,
      insufficient: 9_876,
      latencyMs: { ...time, p99: 987.65 },
      timeToReservationMs: time,
    },
    conflictsByReason: {},
    attemptsPerReservation: { '1': reservations, '2': 0, '3-4': 0, '5-8': 0, '9+': 0 },
    retriedAttemptsMs: 0,
    counts: {},
    stoppedBy: 'done',
    writes: { acknowledged: [], indeterminate: [] },
    histograms: { latency_us: 'HISTFAAAA…', time_to_reservation_us: 'HISTFAAAB…' },
    perSecond: { requests: [], reservations: [], conflicts: [], errors: [] },
  };
  const rooms = {
    hotels: [],
    contracted: 30_000,
    confirmed: 30_000 + overbooked,
    held: 0,
    reservations,
    overbooked: workload === 'slots' ? 0 : overbooked,
    drift: 0,
  };
  return buildResult({
    strategy,
    params: {
      strategy: strategy.name,
      clients: 10_000,
      servers: 4,
      hotels: 3,
      rooms: 10_000,
      max_rooms: 5,
      think_ms: '0-300',
      seed: 1,
      pick: 'first',
      in_flight: 256,
      pool_size: 1,
      workload,
    },
    startedAt: new Date(0),
    database: { kind: 'embedded', postgresVersion: '17.0' },
    eventId: `event-${workload}-${strategy.name}`,
    load,
    audit: { rooms, counts: {}, problems: workload === 'slots' && !strategy.promisesSafety ? ['OVERLAPS 1234'] : [] },
    trial: { index: 1, count: 1, seed: 1, position: 0 },
  });
}

/** Every run a race of every workload has, the longest named `holds:repeatable-read`. */
const everyRun = (): StrategyResult[] => [
  ...strategies.map((strategy, index) => scaleResult('rooms', strategy, index)),
  ...strategies.filter((strategy) => strategy.holds).map((strategy, index) => scaleResult('holds', strategy, 10 + index)),
  ...slotStrategies.map((strategy, index) => scaleResult('slots', strategy, 20 + index)),
];

t.test('the default table fits 100 columns: ranked by goodput, what a user waits, 409s per reservation, the marker explained', async (t) => {
  const results = everyRun();
  const lines = formatResults(results).split('\n');
  const widest = Math.max(...lines.map((line) => line.length));
  t.ok(widest <= 100, `every line fits in 100 columns (widest: ${widest})`);
  t.ok(
    lines.some((line) => line.includes('holds:repeatable-read')),
    'a long run name is in it whole',
  );
  t.ok(
    lines.some((line) => /^│ exclusion-on-conflict +│ +│/.test(line)),
    'the longest, slots:exclusion-on-conflict, on two lines',
  );
  t.match(lines[1], /^│ strategy +│ +rooms \/ │ goodput │ +wait │ +409s │ verdict +│$/, 'the headings, first line: no rank column with nothing ranked');
  t.match(lines[2], /^│ +│ +contracted │ +res\/s │ p99 ms │ \/ res │ +│$/, 'the headings, second line');
  // A name too long for one line takes two, its second line holding no figure.
  const rows = lines.filter((line) => line.startsWith('│') && !/verdict|contracted/.test(line) && /[0-9]/.test(line));
  t.equal(rows.length, results.length, 'one row per run, no separator rows between them');
  // Reservations grow with the index, so the safe slots runs lead.
  t.match(
    rows[0],
    /^│ slots: +│ +— │ +13,500 │ 1234\.6 │ 19\.47 │ SAFE +│$/,
    'first: the most reservations per second among the kept promises, unranked after one trial',
  );
  t.match(
    rows.filter((row) => /│ SAFE +│$/.test(row)).at(-1),
    /^│ pessimistic +│ 30,000 \/ 30,000 │ +12,406 │ 1234\.6 │ 21\.19 │ SAFE +│$/,
    'the last kept promise, the fewest',
  );
  t.match(
    rows.find((row) => row.includes('│ naive ')),
    /^│ naive +│ 31,234 \/ 30,000 │ +12,315 │ 1234\.6 │ 21\.35 │ OVERBOOKED by 1234 \* │$/,
    'an unsafe run: unranked, its verdict marked',
  );
  t.match(
    rows.find((row) => row.includes('slots:naive-slots')),
    /│ OVERLAPS 1234 \* +│$/,
    'a slots anomaly carries the marker too',
  );
  t.ok(lines.includes(unsafeLegend), 'the legend under the table');
  t.equal(lines.at(-1), 'closed loop: 10,000 clients, each sending again once answered', 'and which load the runs met');
  t.ok(lines.includes('not ranked: 1 trial of a strategy cannot show a difference; --repeat 4 or more'), 'why nothing is ranked');
  t.notMatch(lines.join('\n'), /│ # │/, 'one trial each: no rank at all');

  const sixTrials = results.flatMap((result) =>
    Array.from({ length: 6 }, (_, trial) => ({
      ...result,
      outcome: {
        ...result.outcome,
        reservations_per_s: result.outcome.reservations_per_s * (1 + trial / 100),
        overbooked_rooms: result.outcome.overbooked_rooms && 212 + trial * 1000,
      },
    })),
  );
  const trialLines = formatResults(sixTrials).split('\n');
  const widestTrials = Math.max(...trialLines.map((line) => line.length));
  t.ok(widestTrials <= 100, `with six trials each, every line still fits (widest: ${widestTrials})\n${trialLines.join('\n')}`);
  t.match(
    trialLines.find((line) => line.includes('│ holds:naive ')),
    /│ OVERBOOKED 6\/6 \(\+212\.\.\+5212\) \* │$/,
    'the range of the overbooking over the trials',
  );
  t.match(
    trialLines.find((line) => line.includes('│ atomic ')),
    /^│ +[0-9]+ │ atomic +│ +[0-9,]+ ± [0-9]+% │ 1234\.6 ± 0% │ [0-9.]+ │ SAFE 6\/6 +│$/,
    'medians with their interval, the verdict over trials',
  );

  const safeOnly = formatResults(results.filter(({ verdict }) => verdict.promises_safety));
  t.notMatch(safeOnly, /unsafe by design|\*/, 'no marker and no legend when every strategy promises safety');
});

t.test('--wide: every column', async (t) => {
  const [naive, atomic] = [scaleResult('rooms', strategyNamed('naive'), 0), scaleResult('rooms', strategyNamed('atomic'), 1)];
  const wide = formatResults([naive, atomic], { wide: true });
  const [top, first, second] = wide.split('\n');
  t.ok((top ?? '').length > 100, 'wider than the default');
  t.match(
    first,
    /^│ # │ strategy +│ trials │ reservations │ +rooms \/ │ overbooked │ drift │ conflicts │ retries │ errors │ +req\/s │ goodput │ rooms\/s │ request │ request │ +wait │ +wait │ requests │ +409s │ +422s │ 409s by │ reservations by attempts │ +retried │ db time: +│ +request mean ms: │ pool wait ms │ statements ms │ commit ms │ verdict +│$/,
    'every heading',
  );
  t.match(
    second,
    /│ +│ +contracted │ +│ +│ +│ +│ +│ +│ +res\/s │ +│ +p50 ms │ +p99 ms │ p50 ms │ p99 ms │ +\/ res │ \/ res │ \/ res │ cause +│ +1 \/ 2 \/ 3-4 \/ 5-8 \/ 9\+ │ ms \/ res │ top waits │ client\+HTTP \/ pool wait \/ db \/ handling │ +p50 \/ p99 │ +p50 \/ p99 │ p50 \/ p99 │ +│$/,
    'with its unit',
  );
  t.match(
    wide,
    /│ +│ atomic +│ +1 │ +10,037 │ 30,000 \/ 30,000 │ +0 │ +0 │ +213,456 │ 213,456 │ +0 │ 562,548 │ +12,361 │ +36,946 │ +98\.8 │ +987\.6 │ +98\.8 │ 1234\.6 │ +45\.51 │ 21\.27 │ +0\.98 │ — +│ +10,037 \/ 0 \/ 0 \/ 0 \/ 0 │ +0\.00 │ — +│ +— │ +— │ +— │ +— │ SAFE +│/,
    'a safe run, every figure',
  );
  t.match(wide, /│ +│ naive +│ +1 │ +10,000 │ 31,234 \/ 30,000 │ +1,234 │ .* │ +12,315 │ +38,466 │ .* │ OVERBOOKED by 1234 \* │/, 'an unsafe one');
  t.ok(wide.split('\n').includes(unsafeLegend), 'the legend');
});

t.test('nothing reserved: no figure per reservation, a dash in the table', async (t) => {
  const none = scaleResult('rooms', strategyNamed('atomic'), 0, { reservations: 0 });
  t.same(none.outcome.per_reservation, { requests: null, conflicts: null, insufficient: null }, 'null, not a division by zero');
  t.match(formatResults([none], { wide: true }), /│ +0 │ .* │ +— │ +— │ +— │ .* │ NOTHING MEASURED +│/, 'dashes, and a verdict that is not SAFE');
  const some = scaleResult('rooms', strategyNamed('atomic'), 0);
  t.same(some.outcome.per_reservation, { requests: 45.68, conflicts: 21.35, insufficient: 0.99 }, 'each count over reservations, 2 decimals');
  t.equal(some.outcome.rooms_per_s, 36_945.8, 'rooms per second of the clients phase');
  t.same(some.outcome.time_to_reservation_ms, { p50: 98.76, p90: 456.78, p99: 1234.56, max: 2345.67 }, 'time to a reservation from the clients');
  t.same(some.outcome.histograms, { latency_us: 'HISTFAAAA…', time_to_reservation_us: 'HISTFAAAB…' }, 'the histograms as the clients encoded them');
});

t.test("the dashboard's finished lines fit 100 columns, the figures on a line of their own when the verdict is long", async (t) => {
  const long = (strategy: string, verdict: StrategySummary['verdict']): StrategySummary => ({
    ...summary(strategy, 200, verdict.promises_safety),
    verdict,
    roomsReserved: 31_234,
    contracted: 30_000,
    reservationsPerS: 12_345.6,
    waitP99Ms: 12_345.67,
    durationMs: 123_450,
    stoppedBy: 'duration',
  });
  const state: DashboardState = {
    ...initialState({ ...plan, strategies: ['holds:serializable', 'holds:transaction', 'atomic'] }),
    finished: [
      long('holds:serializable', { promises_safety: true, safe: true, label: 'SAFE' }),
      { ...long('holds:transaction', { promises_safety: false, safe: false, label: 'OVERBOOKED by 1234, DRIFT 56' }), trial: 'trial 10/10' },
      { ...summary('atomic', 200, true), stoppedBy: 'interrupted' },
    ],
    phase: 'over',
  };
  for (const columns of [100, 160]) {
    const lines = plain(render(<Dashboard state={state} columns={columns} />).lastFrame()).split('\n');
    const widest = Math.max(...lines.map((line) => line.length));
    t.ok(widest <= 100, `${columns}-column terminal: every line fits in 100 columns (widest: ${widest})`);
    const figures = '  31,234 / 30,000 rooms · 12,346 res/s · wait p99 12345.7 ms · 123.45s · stopped by --duration';
    t.equal(lines.filter((line) => line === figures).length, 2, `${columns}: two long runs, their figures whole on a line of their own`);
    t.ok(lines.includes('✔ holds:serializable  SAFE'), `${columns}: the verdict line of a safe run`);
    t.ok(lines.includes('✘ holds:transaction trial 10/10  OVERBOOKED by 1234, DRIFT 56 *'), `${columns}: of an unsafe one, marked, with its trial`);
    t.ok(
      lines.includes('✔ atomic  SAFE  200 / 200 rooms · 1,235 res/s · wait p99 80.3 ms · 2.50s · stopped early'),
      `${columns}: a short one on one line`,
    );
    t.ok(lines.includes(unsafeLegend), `${columns}: the legend`);
  }
});
