import Table from 'cli-table3';
import { attemptBuckets, type AttemptsHistogram } from '../../client-sim/metrics.js';
import { medianPhase, requestSplit, type AppPhases, type PhaseSummary } from '../../harness/analysis/app-phases.js';
import { meanShares } from '../../harness/analysis/db-time.js';
import { groupTrials, rankGroups, unpooledRuns, waitsOf, type TrialGroup } from '../../harness/analysis/ranking.js';
import { alpha, median, type Summary } from '../../harness/analysis/stats.js';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import { runLabel } from '../../harness/model/workload.js';
import { at } from '../../lib/at.js';
import { trialsVerdictText, unpooledText, unrankedText, unsafeLegend } from '../../report/verdict-text.js';

/** A count with thousands separators: 12,345. */
export const formatThousands = (value: number) => value.toLocaleString('en-US');

/** `12,345 ± 4%`: a median and the farther bound of its interval, in percent (benchstat's ±); the value alone for one trial. */
export function summaryText({ n, median, low, high }: Summary, format: (value: number) => string): string {
  if (n === 1) return format(median);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return `${format(median)} ± ∞`;
  if (median === 0) return `${format(median)} ± ${low === 0 && high === 0 ? '0%' : '?'}`;
  return `${format(median)} ± ${Math.round(Math.max(high / median - 1, 1 - low / median) * 100)}%`;
}

interface Column {
  head: string;
  align: 'left' | 'right';
  cell: (group: TrialGroup, rank?: number) => string;
}

const column = (head: string, cell: Column['cell'], align: Column['align'] = 'right'): Column => ({ head, cell, align });
const perSecondText = (value: number) => formatThousands(Math.round(value));
const msText = (value: number) => value.toFixed(1);
const ratioText = (value: number | null) => (value === null ? '—' : value.toFixed(2));
type Outcome = StrategyResult['outcome'];
/** The median over the trials of one outcome figure (the figure itself for one trial). */
const medianOf = (group: TrialGroup, figure: (outcome: Outcome) => number) => median(group.trials.map(({ outcome }) => figure(outcome)));
const medianCell = (figure: (outcome: Outcome) => number, format: (value: number) => string) => (group: TrialGroup) => format(medianOf(group, figure));
const medianColumn = (head: string, figure: (outcome: Outcome) => number, format: (value: number) => string) => column(head, medianCell(figure, format));
const ratioCell = (figure: (outcome: Outcome) => number | null) => (group: TrialGroup) => {
  const values = group.trials.map(({ outcome }) => figure(outcome)).filter((value) => value !== null);
  return ratioText(values.length === group.trials.length ? median(values) : null);
};
// Slots have no rooms: their reservations are bookings, and overlaps show in the verdict.
const roomsCell = (cell: Column['cell']) => (group: TrialGroup) => (at(group.trials, 0).workload === 'slots' ? '—' : cell(group));
/** The trial that sold the most rooms (`--wide` over several trials): the worst is what a promise is judged by. */
const mostSold = (group: TrialGroup) =>
  group.trials.reduce((most, trial) => (trial.outcome.rooms_reserved > most.outcome.rooms_reserved ? trial : most)).outcome;

/** `Lock:tuple 61%`; `short`, the wait's type alone (`Lock 61%`), where the table has no room for more. */
export const waitText = ([key, share]: [string, number], short = false) => `${short ? key.replace(/:.*/, '') : key} ${Math.round(share * 100)}%`;
const topWaits = (group: TrialGroup, count: number, short = false) => {
  const dbTimes = group.trials.map(({ outcome }) => outcome.db_time);
  const waits = meanShares(dbTimes).slice(0, count);
  if (waits.length > 0) return waits.map((wait) => waitText(wait, short)).join(', ');
  // Sampled, and never once seen busy: the time went elsewhere.
  return dbTimes.some((dbTime) => dbTime) ? 'none busy' : '—';
};
/** Reservations by attempts, in `attemptBuckets`' order (`812 / 90 / 12 / 1 / 0`), summed over the histograms given; a dash when one is missing. */
export const attemptsText = (histograms: readonly (AttemptsHistogram | undefined)[]) =>
  histograms.some((histogram) => histogram === undefined)
    ? '—'
    : attemptBuckets.map((bucket) => formatThousands(histograms.reduce((sum, histogram) => sum + (histogram?.[bucket] ?? 0), 0))).join(' / ');
const attemptsCell = (group: TrialGroup) => attemptsText(group.trials.map(({ outcome }) => outcome.attempts_per_reservation));
/** Summed over the trials, largest first. */
const causesCell = (group: TrialGroup) => {
  const counts = new Map<string, number>();
  for (const { outcome } of group.trials) {
    for (const [cause, count] of Object.entries(outcome.conflicts_by_sqlstate ?? {})) counts.set(cause, (counts.get(cause) ?? 0) + count);
  }
  const causes = [...counts].filter(([, count]) => count > 0).sort(([, a], [, b]) => b - a);
  return causes.length === 0 ? '—' : causes.map(([cause, count]) => `${cause} ${formatThousands(count)}`).join(', ');
};
/** `a / b` of app-phase figures, medians over the trials, in ms; a dash when a trial has none (a run against a target). */
const phasesCell =
  (...figures: ((phases: AppPhases) => number)[]) =>
  (group: TrialGroup) => {
    const trials = group.trials.map(({ outcome }) => outcome.app_phases);
    const values = figures.map((figure) => medianPhase(trials, figure));
    return values.some((value) => value === undefined) ? '—' : values.map((value) => msText(value ?? 0)).join(' / ');
  };
const percentilesCell = (phase: (phases: AppPhases) => PhaseSummary) =>
  phasesCell(
    (phases) => phase(phases).p50,
    (phases) => phase(phases).p99,
  );
const topWaitHead = 'db time:\ntop wait';
const dbTimeLegend = "db time: what the servers' sampled sessions waited on most (CPU: nothing); --wide: the top 4";

const columns = {
  rank: column('#', (_, rank) => (rank === undefined ? '' : String(rank))),
  strategy: column('strategy', ({ label }) => label, 'left'),
  trials: column('trials', ({ trials }) => String(trials.length)),
  reservations: medianColumn('reservations', (outcome) => outcome.reservations, formatThousands),
  rooms: column(
    'rooms /\ncontracted',
    roomsCell((group) => {
      const { rooms_reserved, contracted } = mostSold(group);
      return `${formatThousands(rooms_reserved)} / ${formatThousands(contracted)}`;
    }),
  ),
  overbooked: column('overbooked', roomsCell(medianCell((outcome) => outcome.overbooked_rooms, formatThousands))),
  drift: column('drift', roomsCell(medianCell((outcome) => outcome.drift, formatThousands))),
  conflicts: medianColumn('conflicts', (outcome) => outcome.conflicts, formatThousands),
  retries: medianColumn('retries', (outcome) => outcome.retries, formatThousands),
  errors: medianColumn('errors', (outcome) => outcome.errors, formatThousands),
  requestsPerSecond: medianColumn('req/s', (outcome) => outcome.throughput_rps, perSecondText),
  offered: medianColumn('offered\natt/s', (outcome) => outcome.offered_rate ?? 0, perSecondText),
  goodput: column('goodput\nres/s', ({ goodput }) => summaryText(goodput, perSecondText)),
  roomsPerSecond: column('rooms/s', roomsCell(medianCell((outcome) => outcome.rooms_per_s, perSecondText))),
  requestP50: medianColumn('request\np50 ms', (outcome) => outcome.latency_ms.p50, msText),
  requestP99: medianColumn('request\np99 ms', (outcome) => outcome.latency_ms.p99, msText),
  waitP50: column('wait\np50 ms', ({ trials }) => {
    const waits = waitsOf(trials, 'p50');
    return waits ? msText(median(waits)) : '—';
  }),
  waitP99: column('wait\np99 ms', ({ waitP99 }) => (waitP99 ? summaryText(waitP99, msText) : '—')),
  requestsPerReservation: column(
    'requests\n/ res',
    ratioCell((outcome) => outcome.per_reservation.requests),
  ),
  conflictsPerReservation: column(
    '409s\n/ res',
    ratioCell((outcome) => outcome.per_reservation.conflicts),
  ),
  insufficientPerReservation: column(
    '422s\n/ res',
    ratioCell((outcome) => outcome.per_reservation.insufficient),
  ),
  conflictCauses: column('409s by\ncause', causesCell, 'left'),
  attempts: column(`reservations by attempts\n${attemptBuckets.join(' / ')}`, attemptsCell),
  retriedPerReservation: column(
    'retried\nms / res',
    ratioCell((outcome) => (outcome.reservations > 0 ? (outcome.retried_attempts_ms ?? 0) / outcome.reservations : null)),
  ),
  topWaits: column('db time:\ntop waits', (group) => topWaits(group, 4), 'left'),
  requestSplit: column(`request mean ms:\n${requestSplit.map(({ name }) => name).join(' / ')}`, phasesCell(...requestSplit.map(({ figure }) => figure))),
  poolWait: column(
    'pool wait ms\np50 / p99',
    percentilesCell((phases) => phases.pool_wait_ms),
  ),
  statements: column(
    'statements ms\np50 / p99',
    percentilesCell((phases) => phases.statements_ms),
  ),
  commit: column(
    'commit ms\np50 / p99',
    percentilesCell((phases) => phases.commit_ms),
  ),
  verdict: column('verdict', ({ verdict }) => trialsVerdictText(verdict), 'left'),
};

/** Where the database's time went, in one cell: the top wait and its share. */
const topWait = (short: boolean) => column(topWaitHead, (group) => topWaits(group, 1, short), 'left');

/**
 * What a reader needs first, in 100 columns: the promise kept, goodput, what a user waits, and the
 * waste. Over several trials the intervals take the room of `rooms / contracted`, whose overbooking
 * the verdict then sums up.
 */
const defaultColumns = (ranked: boolean, trials: number, errors: boolean, openLoop: boolean, wait: 'full' | 'short' | 'none') => [
  // With nothing ranked the column would stand empty; the note under the table says why.
  ...(ranked ? [columns.rank] : []),
  columns.strategy,
  // An open loop's rooms never sell out: what it offered says more.
  ...(trials === 1 && !openLoop ? [columns.rooms] : []),
  ...(openLoop ? [columns.offered] : []),
  columns.goodput,
  columns.waitP99,
  columns.conflictsPerReservation,
  ...(wait === 'none' ? [] : [topWait(wait === 'short')]),
  // Failed requests are rare, and where they happen they are what the reader must see first.
  ...(errors ? [columns.errors] : []),
  columns.verdict,
];
/** Every column, but what was offered where nothing ran open-loop. */
const everyColumn = (openLoop: boolean) => Object.values(columns).filter((column) => openLoop || column !== columns.offered);

/** Which load the runs met: the closed loop, or arrivals on a schedule, with what that changes in the figures. */
function loadModels(results: readonly StrategyResult[]): string[] {
  const models = new Set(
    results.map(({ params }) =>
      params.rate === undefined
        ? `closed loop: ${formatThousands(params.clients)} clients, each sending again once answered`
        : `open loop: ${formatThousands(params.rate)} attempts/s (${params.arrivals ?? 'poisson'}), at most ${formatThousands(params.clients)} in flight; waits from each intended start`,
    ),
  );
  return [...models];
}

/** The default table's limit, in terminal columns. */
const defaultWidth = 100;

/** As cli-table3 draws it: each column as wide as its widest line plus two spaces, a border between each and at both ends. */
const drawnWidth = (head: string[], rows: string[][]) =>
  head.reduce((width, text, index) => {
    const lines = [text, ...rows.map((row) => row[index] ?? '')].flatMap((cell) => cell.split('\n'));
    return width + Math.max(...lines.map((line) => line.length)) + 3;
  }, 1);

/** The comparison table as data, for the terminal and for Markdown: heads, alignments, rows and the notes under it. */
export interface ResultTable {
  head: string[];
  aligns: Column['align'][];
  rows: string[][];
  notes: string[];
}

/**
 * The comparison table, a pure function of the results: one row per run, its trials summed up
 * (medians; goodput and wait p99 with their interval), ranked (`#`) by goodput among the runs that
 * kept their promise, where their trials showed a difference. `wide`: every column, far wider than 100.
 */
export function resultTable(results: StrategyResult[], options: { wide?: boolean } = {}): ResultTable {
  const ranking = rankGroups(groupTrials(results));
  const trials = Math.max(...ranking.rows.map(({ group }) => group.trials.length));
  const errors = results.some(({ outcome }) => outcome.errors > 0);
  const openLoop = results.some(({ params }) => params.rate !== undefined);
  const ranked = ranking.rows.some(({ rank }) => rank !== undefined);
  const cells = (shown: Column[]) => ranking.rows.map(({ group, rank }) => shown.map(({ cell }) => cell(group, rank)));
  const sampled = results.some(({ outcome }) => outcome.db_time);
  const fits = (shown: Column[]) =>
    drawnWidth(
      shown.map(({ head }) => head),
      cells(shown),
    ) <= defaultWidth;
  // The top wait names its event where the table has room, its type alone where it has less, and leaves it to --wide where it has none.
  const choices = sampled ? (['full', 'short'] as const).map((wait) => defaultColumns(ranked, trials, errors, openLoop, wait)) : [];
  const shown = options.wide ? everyColumn(openLoop) : (choices.find(fits) ?? defaultColumns(ranked, trials, errors, openLoop, 'none'));
  const notes = [
    ...(ranking.unranked ? [unrankedText(ranking.unranked)] : []),
    ...(ranked ? [`# by goodput; a shared rank: no significant difference (Mann-Whitney U, p > ${alpha})`] : []),
    ...(trials > 1 ? [`median ± the 95% interval's farther bound over ${trials} trials (∞ below 6)`] : []),
    ...(!options.wide && shown.some(({ head }) => head === topWaitHead) ? [dbTimeLegend] : []),
    ...(results.some(({ verdict }) => !verdict.promises_safety) ? [unsafeLegend] : []),
    ...unpooledRuns(ranking.rows.map(({ group }) => group)).map(unpooledText),
    ...loadModels(results),
  ];
  return {
    head: shown.map(({ head }) => head),
    aligns: shown.map(({ align }) => align),
    rows: cells(shown),
    notes,
  };
}

/** Past this, a run's name takes two lines in the terminal's table, its workload on the first. */
const longestOneLineLabel = 24;
const wrappedLabel = (label: string) => (label.length > longestOneLineLabel ? label.replace(':', ':\n') : label);

/** The comparison table (`resultTable`) for the terminal. */
export function formatResults(results: StrategyResult[], options: { wide?: boolean } = {}): string {
  const { head, aligns, rows, notes } = resultTable(results, options);
  const table = new Table({ head, colAligns: aligns, style: { head: [], border: [], compact: true } });
  const strategyColumn = head.indexOf(columns.strategy.head);
  table.push(...rows.map((row) => row.map((cell, index) => (index === strategyColumn ? wrappedLabel(cell) : cell))));
  return [table.toString(), ...notes].join('\n');
}

/**
 * Under --chaos, one line per run: what the faults did, and how the writes they left without an
 * answer turned out in the tables. Unaccounted and lost writes also make the verdict unsafe.
 */
export function formatChaos(results: StrategyResult[]): string {
  return results
    .flatMap(({ workload, params, outcome: { chaos } }) => {
      if (!chaos || !params.chaos) return [];
      const { faults, every_ms, latency_ms } = params.chaos;
      const kills = faults.filter((fault) => fault !== 'slow-db');
      const injected = [
        ...(kills.length > 0 ? [`${kills.join(' or ')} every ${every_ms} ms`] : []),
        ...(latency_ms !== null ? [`slow-db ${latency_ms} ms`] : []),
      ].join(', ');
      return [
        `chaos ${runLabel(workload, params.strategy, params.via)} (${injected}): servers killed ${formatThousands(chaos.servers_killed)}, ` +
          `connections terminated ${formatThousands(chaos.backends_terminated)}, server crashes ${formatThousands(chaos.server_crashes)}; ` +
          `indeterminate writes ${formatThousands(chaos.indeterminate)} (committed ${formatThousands(chaos.indeterminate_committed)}); ` +
          `unaccounted ${formatThousands(chaos.unaccounted)}, lost ${formatThousands(chaos.lost)}, stuck ${formatThousands(chaos.stuck)}`,
      ];
    })
    .join('\n');
}
