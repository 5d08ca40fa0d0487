import { setImmediate as nextTurn } from 'node:timers/promises';
import { render } from 'ink';
import type { ProgressView } from '../progress-view-types.js';
import { App } from './app.js';
import { dashboardTickMs, type RacePlan } from './dashboard-state.js';
import { createRaceStore } from './race-store.js';

/** Draws the race on the terminal until `close()`, which leaves the last frame and restores the terminal. */
export function startDashboard(plan: RacePlan, onStop: () => void): ProgressView {
  const store = createRaceStore(plan);
  // State changes with ticks; the cap only guards against bursts of results.
  const ink = render(<App store={store} onStop={onStop} />, { exitOnCtrlC: false, maxFps: 10 });
  return {
    hooks: store.hooks,
    tickMs: dashboardTickMs,
    stopping: store.stopping,
    async close() {
      store.over();
      // Let React commit the last state before ink writes its final frame.
      await nextTurn();
      ink.unmount();
      await ink.waitUntilExit();
    },
  };
}
