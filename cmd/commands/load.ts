import { setTimeout as sleep } from 'node:timers/promises';
import type { Shard } from '../../client-sim/shard.js';
import { listTarget, type ReadyTarget } from '../../harness/race/target.js';
import type { TargetRun } from '../flags/target-options.js';
import type { RunMessages } from '../output/run-messages.js';

/**
 * `evento load`'s start: the target as listed when this shard's clients start. Before waiting for
 * `startAt` it is asked once already, so that a wrong URL or token fails now rather than at the
 * start; the listing at the start is what the shard is judged against. A sold-out event is a part
 * with zero reservations, not an error: another shard started together may have sold every room first.
 */
export const shardStart =
  (shard: Shard, startAt: number | undefined) =>
  async (request: TargetRun, messages: RunMessages): Promise<ReadyTarget> => {
    const name = `shard ${shard.index}/${shard.count}`;
    if (startAt !== undefined && startAt > Date.now()) {
      await listTarget(request);
      const waitMs = Math.max(0, startAt - Date.now());
      messages.notice('waiting', `${name} starts at ${new Date(startAt).toISOString()}, in ${(waitMs / 1000).toFixed(1)}s`, {
        start_at: new Date(startAt).toISOString(),
      });
      await sleep(waitMs);
    }
    const target = await listTarget(request);
    if (target.listed.length === 0) {
      messages.notice('nothing-to-book', `${name} finds nothing left to book in event ${request.eventId}; its part holds zero reservations`);
    }
    return target;
  };
