import type { StrategyResult } from '../../harness/model/result-schema.js';
import type { RunConfig } from '../../harness/model/run-config.js';
import { listedRooms, readTarget, runAgainstTarget, type ReadyTarget } from '../../harness/race/target.js';
import { auditWithSql, openAuditDatabase, withSqlAudit } from '../../harness/workloads/target-audit.js';
import { finishRun } from '../finish-run.js';
import type { RunFlags } from '../flags/run-flags.js';
import type { TargetRun } from '../flags/target-options.js';
import { stopOnSignal } from '../lifecycle.js';
import { formatKeyAudit } from '../output/audit-table.js';
import { formatResults } from '../output/report-table.js';
import type { RunMessages } from '../output/run-messages.js';
import { keepResult, openOutputs } from '../outputs.js';
import { plainProgress } from '../progress/progress-view.js';

/** What is printed under the table of a run judged by its 201s alone. */
function unauditedNote(result: StrategyResult): string {
  const { acknowledged, contracted } = result.outcome;
  return (
    `unaudited: no --audit-sql, so the verdict rests on the rooms the target acknowledged (201s): ` +
    `${acknowledged.rooms} of the ${contracted} listed at the start. An overbooking the clients were not told of ` +
    'cannot be seen; give --audit-sql FILE with DATABASE_URL to audit the target (docs/external-targets.md)'
  );
}

/** After the clients stop: the user's audit query when there is one, else the result as the 201s left it. */
async function audited(result: StrategyResult, auditSql: string | undefined, eventId: string): Promise<StrategyResult> {
  const url = process.env.DATABASE_URL;
  if (!auditSql || !url) return result;
  const database = await openAuditDatabase(url);
  try {
    return withSqlAudit(result, await auditWithSql(database.sql, auditSql, eventId), database.postgresVersion);
  } finally {
    await database.close();
  }
}

/**
 * `evento run --target` and `evento load`: drive the target's servers, audit with the user's query
 * if given, report; the exit code, or a typed error. `ready` lists the target when the clients are
 * to start (`load` waits for its start time and takes a sold-out event).
 */
export async function runTargetCommand(
  request: TargetRun,
  config: RunConfig,
  flags: RunFlags,
  ready: (request: TargetRun, messages: RunMessages) => Promise<ReadyTarget> = readTarget,
): Promise<number> {
  const chosen = await openOutputs(config.shard ? 'load' : 'run-target', flags);
  const { messages } = chosen;
  const target = await ready(request, messages);
  const hooks = plainProgress(chosen.progress === 'json' ? 'json' : 'lines', listedRooms(target), config.seed);
  messages.notice('target', `target ${target.urls.join(' ')}, seed ${config.seed}`, { urls: target.urls, seed: config.seed });
  const interrupt = stopOnSignal(
    () => messages.notice('stopping', 'stopping the clients; what they were told is still reported (again to quit now)'),
    messages,
  );
  const run = await runAgainstTarget({ target, config, signal: interrupt.signal, hooks }).finally(() => interrupt.release());
  const result = await audited(run.result, request.auditSql, target.eventId);
  await hooks.onResult?.(result);
  await keepResult(chosen.outputs, result);

  const audit = result.outcome.audit_sql;
  const printed = `${formatResults([result], { wide: flags.wide })}\n${audit ? formatKeyAudit(audit) : unauditedNote(result)}`;
  if (!audit && flags.assertNoOverbooking) {
    messages.notice('warning', '--assert-no-overbooking without --audit-sql can only catch more rooms acknowledged than listed');
  }
  const stoppedBy = run.stoppedBy === 'duration' ? 'done' : run.stoppedBy;
  const ending = { command: config.shard ? 'load' : 'run', results: [result], stoppedBy, printed, document: result };
  return finishRun({ ...ending, target: true, partOfShards: config.shard !== undefined, seed: config.seed }, flags, chosen);
}
