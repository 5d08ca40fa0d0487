import type { Api } from './api.js';
import { arrivalSchedule, type OpenLoopPlan } from './arrivals.js';
import { attemptReservation, clientContext, pause, type ClientPlan } from './client.js';
import type { Metrics } from './metrics.js';

/**
 * Open-loop load (wrk2's and k6's constant-arrival-rate): attempts arrive on a schedule, and each
 * is timed from when it should have started, so a slow answer shows as the wait of every attempt
 * queued behind it instead of as fewer attempts sent. `workers` (the clients) take the arrivals in
 * order and cap the attempts in flight; an arrival finding them all busy waits, and that wait
 * counts. Stops at sell-out or on `signal`.
 */
export async function runOpenLoop(options: {
  workers: readonly number[];
  serverCount: number;
  api: Api;
  plan: ClientPlan;
  openLoop: OpenLoopPlan;
  metrics: Metrics;
  signal: AbortSignal;
}): Promise<void> {
  const { workers, api, plan, openLoop, metrics, signal } = options;
  const next = arrivalSchedule(openLoop.rate, openLoop.arrivals, plan.seed);
  const startedAt = performance.now();
  const soldOut = new AbortController();
  const stopped = AbortSignal.any([signal, soldOut.signal]);
  const running = () => !stopped.aborted;

  async function work(index: number, position: number) {
    const client = clientContext(index, plan, stopped);
    const caller = { client: index, server: position % options.serverCount };
    while (!stopped.aborted) {
      const intendedAt = startedAt + next();
      await pause(intendedAt - performance.now(), stopped);
      if (!running()) return;
      const lagMs = performance.now() - intendedAt;
      if (openLoop.latencyLimitMs !== undefined && lagMs > openLoop.latencyLimitMs) {
        metrics.recordDropped();
        continue;
      }
      metrics.recordScheduleLag(lagMs);
      const attempt = await attemptReservation(client, caller, api, plan, metrics, stopped, () => intendedAt);
      if (attempt.step === 'sold-out') soldOut.abort();
      if (attempt.step !== 'claimed') continue;
      if (attempt.reply === 'reserved') metrics.recordReservation(attempt.rooms, intendedAt, attempt.answeredAtMs, attempt.attempts);
      if (attempt.reply === 'insufficient') metrics.recordInsufficient(attempt.rooms, attempt.available);
    }
  }

  await Promise.all(
    workers.map((index, position) => {
      metrics.clientStarted();
      return work(index, position).finally(() => metrics.clientStopped());
    }),
  );
}
