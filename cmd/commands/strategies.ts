import Table from 'cli-table3';
import type { SlotStrategy } from '../../strategies/slots.js';
import type { Strategy, StrategyInfo } from '../../strategies/types.js';

export function listStrategies(
  rooms: readonly Strategy[],
  slots: readonly SlotStrategy[],
  json: boolean,
  tenants: readonly StrategyInfo[] = [],
): string {
  const rows = [
    ...rooms.map(({ name, promisesSafety, summary, holds, isolation, safeguard, anomaly }) => ({
      name,
      workloads: holds ? ['rooms', 'holds'] : ['rooms'],
      promises_safety: promisesSafety,
      guarantee: promisesSafety ? 'never overbooks' : 'unsafe: overbooks',
      summary,
      isolation: isolation ?? null,
      safeguard,
      anomaly,
    })),
    ...slots.map(({ name, promisesSafety, summary, isolation, safeguard, anomaly }) => ({
      name,
      workloads: ['slots'],
      promises_safety: promisesSafety,
      guarantee: promisesSafety ? 'never overlaps' : 'unsafe: overlaps',
      summary,
      isolation: isolation ?? null,
      safeguard,
      anomaly,
    })),
    ...tenants.map(({ name, promisesSafety, summary }) => ({
      name,
      workloads: ['tenants'],
      promises_safety: promisesSafety,
      guarantee: promisesSafety ? 'never leaks' : 'unsafe: leaks',
      summary,
    })),
  ];
  if (json) return `${JSON.stringify(rows, null, 2)}\n`;
  const table = new Table({
    head: ['strategy', 'workloads', 'guarantee', 'how'],
    colWidths: [23, 14, 19, 61],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push([row.name, row.workloads.join(', '), row.guarantee, row.summary]);
  return `${table.toString()}\n`;
}
