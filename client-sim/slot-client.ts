import { at } from '../lib/at.js';
import type { Api } from './api.js';
import { clientContext, retryConflicts, type ClientPlan } from './client.js';
import type { Metrics } from './metrics.js';

/** Windows are 1 to this many whole hours: long enough to overlap often on a short horizon. */
const maxWindowHours = 4;
const hourMs = 3_600_000;

/**
 * The slots workload's client: `attempts` times, book a random window of whole hours on a random
 * resource (retrying a retryable 409; a taken window is simply lost), then pause.
 */
export async function runSlotClient(index: number, server: number, api: Api, plan: ClientPlan, metrics: Metrics, signal: AbortSignal) {
  const { slots } = plan;
  if (!slots) throw new Error('the slots workload runs only with a slot plan');
  const client = clientContext(index, plan, signal);
  for (let attempt = 0; attempt < slots.attempts && !signal.aborted; attempt += 1) {
    const startHour = client.random(0, slots.hours - 1);
    const hours = Math.min(client.random(1, maxWindowHours), slots.hours - startHour);
    const start = slots.startsAt + startHour * hourMs;
    const body = {
      resource_id: at(slots.resources, client.random(0, slots.resources.length - 1)),
      user_id: `client-${index}`,
      start: new Date(start).toISOString(),
      end: new Date(start + hours * hourMs).toISOString(),
      request_id: client.requestId(),
    };
    const firstAttemptAtMs = client.firstAttemptAt();
    const { reply, attempts } = await retryConflicts(() => api.book({ client: index, server }, plan.strategy, body), metrics, signal);
    if (reply === 'booked') {
      client.waitOver();
      metrics.recordBooking(firstAttemptAtMs, attempts);
      metrics.count('hours_booked', hours);
    }
    if (reply === 'taken') metrics.count('slots_taken');
    if (reply === 'failed') {
      if (await client.failed()) continue;
      return;
    }
    client.succeeded();
    await client.think();
  }
}
