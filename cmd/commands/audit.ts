import { writeFile } from 'node:fs/promises';
import { openDatabase } from '../../harness/database/database.js';
import { AssertionFailed, UsageError } from '../../harness/model/errors.js';
import type { SqlAudit } from '../../harness/model/result-schema.js';
import { auditEvent, inventoryOf } from '../../harness/workloads/event.js';
import { auditWithSql, keyAuditOfEvent, openAuditDatabase, sqlAuditOf } from '../../harness/workloads/target-audit.js';
import { formatKeyAudit } from '../output/audit-table.js';

export interface AuditFlags {
  event: string;
  auditSql?: string;
  assertNoOverbooking?: true;
  json?: string;
}

/** What `evento audit` found: the rows, their totals, and (of evento's own tables) the drift. */
export interface AuditReport extends SqlAudit {
  event_id: string;
  /** `sql`: the user's query; `evento`: evento's own audit of its own tables (sql/audit.sql). */
  audited_by: 'sql' | 'evento';
  /** Only evento's own tables keep a counter to drift from the rows; null for a query's. */
  drift: number | null;
  verdict: { safe: boolean; label: string };
}

/** `evento audit`: one audit of one event, now; exit 1 under --assert-no-overbooking when it finds overbooking (or drift). */
export async function auditCommand(flags: AuditFlags): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new UsageError('audit needs DATABASE_URL: the database the servers write to');
  const report = flags.auditSql ? await auditOfQuery(url, flags.auditSql, flags.event) : await auditOfOwnTables(flags.event);
  process.stdout.write(`event ${report.event_id}: ${report.verdict.label}\n${formatKeyAudit(report)}\n`);
  if (flags.json) {
    await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`evento: wrote ${flags.json}\n`);
  }
  if (flags.assertNoOverbooking && !report.verdict.safe) throw new AssertionFailed(`event ${report.event_id} was ${report.verdict.label}`);
}

const verdictOf = (overbooked: number, drift: number | null) => {
  const problems = [overbooked > 0 ? `OVERBOOKED by ${overbooked}` : '', drift ? `DRIFT ${drift}` : ''].filter(Boolean);
  return { safe: problems.length === 0, label: problems.join(', ') || 'SAFE' };
};

async function auditOfQuery(url: string, file: string, eventId: string): Promise<AuditReport> {
  const database = await openAuditDatabase(url);
  try {
    const audit = await auditWithSql(database.sql, file, eventId);
    return { event_id: eventId, audited_by: 'sql', ...audit, drift: null, verdict: verdictOf(audit.overbooked, null) };
  } finally {
    await database.close();
  }
}

async function auditOfOwnTables(eventId: string): Promise<AuditReport> {
  const database = await openDatabase();
  try {
    const audit = await auditEvent(database.sql, eventId, await inventoryOf(database.sql, eventId));
    if (audit.hotels.length === 0) throw new UsageError(`--event ${eventId}: no such event in evento's tables (--audit-sql audits your own)`);
    const rows = sqlAuditOf('sql/audit.sql', keyAuditOfEvent(audit));
    return { event_id: eventId, audited_by: 'evento', ...rows, drift: audit.drift, verdict: verdictOf(rows.overbooked, audit.drift) };
  } finally {
    await database.close();
  }
}
