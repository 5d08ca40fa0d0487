import Table from 'cli-table3';
import type { SqlAudit } from '../../harness/model/result-schema.js';
import { formatThousands } from './report-table.js';

/** The audit's rows as a table, with the totals under them; printed under a target run's table and by `evento audit`. */
export function formatKeyAudit(audit: SqlAudit): string {
  const table = new Table({
    head: ['key', 'capacity', 'sold', 'overbooked', 'unsold'],
    colAligns: ['left', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  const row = (key: string, figures: Pick<SqlAudit, 'capacity' | 'sold' | 'overbooked' | 'unsold'>) => [
    key,
    formatThousands(figures.capacity),
    formatThousands(figures.sold),
    formatThousands(figures.overbooked),
    formatThousands(figures.unsold),
  ];
  table.push(...audit.rows.map((key) => row(key.key, key)), row('total', audit));
  return `audit (${audit.file}):\n${table.toString()}`;
}
