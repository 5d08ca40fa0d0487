import Table from 'cli-table3';
import type { Strategy } from '../strategies/types.js';

export function listStrategies(list: readonly Strategy[], json: boolean): string {
  const rows = list.map(({ name, promisesSafety, summary }) => ({ name, promises_safety: promisesSafety, summary }));
  if (json) return `${JSON.stringify(rows, null, 2)}\n`;
  const table = new Table({
    head: ['strategy', 'guarantee', 'how'],
    colWidths: [14, 20, 80],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push([row.name, row.promises_safety ? 'never overbooks' : 'unsafe: overbooks', row.summary]);
  return `${table.toString()}\n`;
}
