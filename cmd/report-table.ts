import Table from 'cli-table3';
import type { StrategyResult } from '../harness/result.js';
import { runLabel } from '../harness/workloads.js';

/** A count with thousands separators: 12,345. */
export const formatThousands = (value: number) => value.toLocaleString('en-US');

/**
 * The verdict as a reader needs it: an unsafe strategy's overbooking is what it was raced to show,
 * and a run in which it happened not to overbook proves nothing about the next one.
 */
export function verdictText(verdict: StrategyResult['verdict']): string {
  if (verdict.promises_safety) return verdict.label;
  return verdict.safe ? 'held this run (unsafe by design)' : `${verdict.label} (unsafe by design)`;
}

/** Ranked (`#`): a strategy that promises safety and kept it; speed counts for nothing else. */
export const isRanked = (verdict: StrategyResult['verdict']) => verdict.promises_safety && verdict.safe;

/** The ranked strategies first, fastest first, then the rest, fastest first. */
export function rankResults<T extends Pick<StrategyResult, 'verdict'> & { outcome: Pick<StrategyResult['outcome'], 'throughput_rps'> }>(
  results: T[],
): T[] {
  return [...results].sort(
    (a, b) => Number(isRanked(b.verdict)) - Number(isRanked(a.verdict)) || b.outcome.throughput_rps - a.outcome.throughput_rps,
  );
}

/** The comparison table, ranked (`#`) by throughput among the strategies that kept their promise: a pure function of the results. */
export function formatResults(results: StrategyResult[]): string {
  const table = new Table({
    head: ['#', 'strategy', 'reservations', 'rooms / contracted', 'overbooked', 'drift', 'conflicts', 'retries', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'verdict'],
    colAligns: ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const [index, { workload, params, outcome, verdict }] of rankResults(results).entries()) {
    // Slots have no rooms: their reservations are bookings, and overlaps show in the verdict.
    const rooms = workload === 'slots' ? ['—', '—', '—'] : [
      `${formatThousands(outcome.rooms_reserved)} / ${formatThousands(outcome.contracted)}`,
      formatThousands(outcome.overbooked_rooms),
      formatThousands(outcome.drift),
    ];
    table.push([
      isRanked(verdict) ? String(index + 1) : '',
      runLabel(workload, params.strategy),
      formatThousands(outcome.reservations),
      ...rooms,
      formatThousands(outcome.conflicts),
      formatThousands(outcome.retries),
      formatThousands(outcome.errors),
      formatThousands(Math.round(outcome.throughput_rps)),
      outcome.latency_ms.p50.toFixed(1),
      outcome.latency_ms.p99.toFixed(1),
      verdictText(verdict),
    ]);
  }
  return table.toString();
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
