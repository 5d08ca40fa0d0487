import Table from 'cli-table3';
import type { StrategyResult } from '../harness/result-schema.js';
import { runLabel } from '../harness/workload.js';

/** A count with thousands separators: 12,345. */
export const formatThousands = (value: number) => value.toLocaleString('en-US');

const unsafeMarker = '*';
/** Printed under a table whose verdicts carry the marker. */
export const unsafeLegend = `${unsafeMarker} unsafe by design: promises nothing; its overbooking is what it is raced to show`;

/**
 * The verdict as a reader needs it: an unsafe strategy's overbooking is what it was raced to show,
 * and a run in which it happened not to overbook proves nothing about the next one.
 */
export function verdictText(verdict: StrategyResult['verdict']): string {
  if (verdict.promises_safety) return verdict.label;
  return `${verdict.safe ? 'held this run' : verdict.label} ${unsafeMarker}`;
}

/** Ranked (`#`): a strategy that promises safety and kept it; speed counts for nothing else. */
export const isRanked = (verdict: StrategyResult['verdict']) => verdict.promises_safety && verdict.safe;

/**
 * The ranked strategies first, then the rest, each by goodput (reservations per second), never by
 * raw requests: a strategy that retries a lot sends many requests and sells nothing more.
 */
export function rankResults<T extends Pick<StrategyResult, 'verdict'> & { outcome: Pick<StrategyResult['outcome'], 'reservations_per_s'> }>(
  results: T[],
): T[] {
  return [...results].sort(
    (a, b) => Number(isRanked(b.verdict)) - Number(isRanked(a.verdict)) || b.outcome.reservations_per_s - a.outcome.reservations_per_s,
  );
}

interface Column {
  head: string;
  align: 'left' | 'right';
  cell: (result: StrategyResult, rank: string) => string;
}

const column = (head: string, cell: Column['cell'], align: Column['align'] = 'right'): Column => ({ head, cell, align });
const perSecondText = (value: number) => formatThousands(Math.round(value));
const msText = (value: number) => value.toFixed(1);
const ratioText = (value: number | null) => (value === null ? '—' : value.toFixed(2));
// Slots have no rooms: their reservations are bookings, and overlaps show in the verdict.
const roomsCount = (count: (outcome: StrategyResult['outcome']) => string) => (result: StrategyResult) =>
  result.workload === 'slots' ? '—' : count(result.outcome);

const columns = {
  rank: column('#', (_, rank) => rank),
  strategy: column('strategy', ({ workload, params }) => runLabel(workload, params.strategy), 'left'),
  reservations: column('reservations', ({ outcome }) => formatThousands(outcome.reservations)),
  rooms: column('rooms /\ncontracted', roomsCount((outcome) => `${formatThousands(outcome.rooms_reserved)} / ${formatThousands(outcome.contracted)}`)),
  overbooked: column('overbooked', roomsCount((outcome) => formatThousands(outcome.overbooked_rooms))),
  drift: column('drift', roomsCount((outcome) => formatThousands(outcome.drift))),
  conflicts: column('conflicts', ({ outcome }) => formatThousands(outcome.conflicts)),
  retries: column('retries', ({ outcome }) => formatThousands(outcome.retries)),
  errors: column('errors', ({ outcome }) => formatThousands(outcome.errors)),
  requestsPerSecond: column('req/s', ({ outcome }) => perSecondText(outcome.throughput_rps)),
  goodput: column('goodput\nres/s', ({ outcome }) => perSecondText(outcome.reservations_per_s)),
  roomsPerSecond: column('rooms/s', roomsCount((outcome) => perSecondText(outcome.rooms_per_s))),
  requestP50: column('request\np50 ms', ({ outcome }) => msText(outcome.latency_ms.p50)),
  requestP99: column('request\np99 ms', ({ outcome }) => msText(outcome.latency_ms.p99)),
  waitP50: column('wait\np50 ms', ({ outcome }) => msText(outcome.time_to_reservation_ms.p50)),
  waitP99: column('wait\np99 ms', ({ outcome }) => msText(outcome.time_to_reservation_ms.p99)),
  requestsPerReservation: column('requests\n/ res', ({ outcome }) => ratioText(outcome.per_reservation.requests)),
  conflictsPerReservation: column('409s\n/ res', ({ outcome }) => ratioText(outcome.per_reservation.conflicts)),
  insufficientPerReservation: column('422s\n/ res', ({ outcome }) => ratioText(outcome.per_reservation.insufficient)),
  verdict: column('verdict', ({ verdict }) => verdictText(verdict), 'left'),
};

/** What a reader needs first, in 100 columns: the promise kept, goodput, what a user waits, and the waste. */
const defaultColumns = [columns.rank, columns.strategy, columns.rooms, columns.goodput, columns.waitP99, columns.conflictsPerReservation, columns.verdict];
const everyColumn = Object.values(columns);

/**
 * The comparison table, ranked (`#`) by goodput among the strategies that kept their promise: a
 * pure function of the results. `wide`: every column, far wider than 100.
 */
export function formatResults(results: StrategyResult[], options: { wide?: boolean } = {}): string {
  const shown = options.wide ? everyColumn : defaultColumns;
  const table = new Table({
    head: shown.map(({ head }) => head),
    colAligns: shown.map(({ align }) => align),
    style: { head: [], border: [], compact: true },
  });
  for (const [index, result] of rankResults(results).entries()) {
    const rank = isRanked(result.verdict) ? String(index + 1) : '';
    table.push(shown.map(({ cell }) => cell(result, rank)));
  }
  const legend = results.some(({ verdict }) => !verdict.promises_safety) ? `\n${unsafeLegend}` : '';
  return `${table.toString()}${legend}`;
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
        `chaos ${runLabel(workload, params.strategy)} (${injected}): servers killed ${formatThousands(chaos.servers_killed)}, ` +
          `connections terminated ${formatThousands(chaos.backends_terminated)}, server crashes ${formatThousands(chaos.server_crashes)}; ` +
          `indeterminate writes ${formatThousands(chaos.indeterminate)} (committed ${formatThousands(chaos.indeterminate_committed)}); ` +
          `unaccounted ${formatThousands(chaos.unaccounted)}, lost ${formatThousands(chaos.lost)}`,
      ];
    })
    .join('\n');
}
