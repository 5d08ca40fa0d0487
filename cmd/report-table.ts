import Table from 'cli-table3';
import type { StrategyResult } from '../harness/result.js';

const number = (value: number) => value.toLocaleString('en-US');

/** The comparison table: a pure function of the results. */
export function formatResults(results: StrategyResult[]): string {
  const table = new Table({
    head: ['strategy', 'reservations', 'rooms / contracted', 'overbooked', 'drift', 'conflicts', 'retries', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'verdict'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const { params, outcome, verdict } of results) {
    const promise = verdict.promises_safety ? '' : ' (unsafe by design)';
    table.push([
      params.strategy,
      number(outcome.reservations),
      `${number(outcome.rooms_reserved)} / ${number(outcome.contracted)}`,
      number(outcome.overbooked_rooms),
      number(outcome.drift),
      number(outcome.conflicts),
      number(outcome.retries),
      number(outcome.errors),
      number(Math.round(outcome.throughput_rps)),
      outcome.latency_ms.p50.toFixed(1),
      outcome.latency_ms.p99.toFixed(1),
      verdict.label + promise,
    ]);
  }
  return table.toString();
}
