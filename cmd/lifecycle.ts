import { exitCodeOfStatus } from '../harness/analysis/run-outcome.js';
import { EnvironmentError } from '../harness/model/errors.js';
import type { RunMessages } from './output/run-messages.js';

/** How long SIGTERM leaves a run to audit and write what it measured before it quits. */
const termGraceMs = 5000;

/**
 * Ctrl-C from now on stops the clients cleanly: `signal` aborts and `stopping` says so; a second
 * one quits at once. SIGTERM, which a supervisor sends to end a process, stops the clients and
 * quits once what was measured is written, or after a few seconds whatever it is waiting on.
 * `stop` is Ctrl-C's, for a view's own keys; `release` ends it.
 */
export function stopOnSignal(stopping: () => void, messages: RunMessages): { signal: AbortSignal; stop(): void; release(): void } {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(exitCodeOfStatus.interrupted);
    stopping();
    controller.abort();
  };
  const terminate = () => {
    if (!controller.signal.aborted) stop();
    setTimeout(() => {
      messages.notice('terminated', `SIGTERM: quitting before the run ended; finished runs are in their result files`);
      process.exit(exitCodeOfStatus.interrupted);
    }, termGraceMs).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', terminate);
  return {
    signal: controller.signal,
    stop,
    release() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', terminate);
    },
  };
}

/** How a race ended: its clients' stop, or the environment error that cut it short (its finished trials are kept). */
export async function endedRace(race: Promise<{ stoppedBy: 'done' | 'timeout' | 'interrupted' }>) {
  try {
    return { stoppedBy: (await race).stoppedBy, environmentError: undefined };
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    return { stoppedBy: 'done' as const, environmentError: error.message };
  }
}
