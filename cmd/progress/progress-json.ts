import type { RaceHooks } from '../../harness/model/race-hooks.js';
import { poolerText } from './progress-lines.js';

/**
 * One JSON object per line on stderr (`--progress json`), for programs that follow a race: the
 * bench, CI wrappers. Each has a `type`: ready, warmup, start, tick (a metrics snapshot), server (a line a server printed) or result;
 * the command's closing objects (wrote, assertion, outcome) follow (run-messages.ts).
 */
export function progressJson(stream: NodeJS.WritableStream): RaceHooks {
  const write = (line: object) => {
    stream.write(`${JSON.stringify(line)}\n`);
  };
  return {
    onReady: ({ pooler, ...info }) => write({ type: 'ready', ...info, ...(pooler && { pooler: poolerText(pooler) }) }),
    onWarmup: ({ ms }) => write({ type: 'warmup', ms }),
    onStart: ({ strategy, workload = 'rooms', via = 'http', event }) =>
      write({ type: 'start', workload, strategy: strategy.name, via, event_id: event.event_id }),
    onTick: ({ strategy, snapshot }) => write({ type: 'tick', strategy: strategy.name, snapshot }),
    onServerOutput: (line) => write({ type: 'server', line }),
    onResult: ({ workload, params, trial, outcome, verdict }) =>
      write({ type: 'result', workload, strategy: params.strategy, trial, stopped_by: outcome.stopped_by, duration_ms: outcome.duration_ms, verdict }),
  };
}
