import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `step` again and again, `pauseMs()` apart (a pause first with `pauseFirst`), beside the
 * clients, until stop(): which ends the pause under way, waits for a step under way, and rejects
 * with what made the loop fail.
 */
export function startLoop(step: () => Promise<void>, pauseMs: () => number, { pauseFirst = false } = {}) {
  const stop = new AbortController();
  const pause = () => sleep(pauseMs(), undefined, { signal: stop.signal }).catch(() => undefined);
  const loop = (async () => {
    if (pauseFirst) await pause();
    while (!stop.signal.aborted) {
      await step();
      await pause();
    }
  })();
  // A failure is reported by stop(), not as an unhandled rejection in between.
  loop.catch(() => undefined);
  return {
    async stop() {
      stop.abort();
      await loop;
    },
  };
}
