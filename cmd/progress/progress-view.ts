import type { RaceHooks } from '../../harness/model/race-hooks.js';
import { progressJson } from './progress-json.js';
import { progressLines } from './progress-lines.js';
import type { ProgressChoice, ProgressView } from './progress-view-types.js';
import type { RacePlan } from './tui/dashboard-state.js';

/** The dashboard needs a terminal and a person at it; pipes, logs and CI get plain lines. */
export function wantsDashboard(tui: boolean, stdout: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const inCi = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false';
  return tui && stdout.isTTY === true && !inCi;
}

/** The views that need no terminal, on stderr; the lines count `roomsPerEvent` and name the seed to replay with. */
export function plainProgress(format: Exclude<ProgressChoice, 'dashboard'>, roomsPerEvent: number, seed: number): RaceHooks {
  return format === 'json' ? progressJson(process.stderr) : progressLines(process.stderr, roomsPerEvent, seed);
}

/**
 * The progress view chosen (`chooseOutputs`), started: `onStop` is the dashboard's own stop (q,
 * Ctrl-C); `stopping` says, in the plain views, that the clients are being stopped.
 */
export async function progressView(choice: ProgressChoice, race: RacePlan, onStop: () => void, stopping: () => void): Promise<ProgressView> {
  if (choice === 'dashboard') {
    // ink and React are loaded only when a dashboard is drawn.
    const { startDashboard } = await import('./tui/start-dashboard.js');
    return startDashboard(race, onStop);
  }
  return { hooks: plainProgress(choice, race.hotels * race.rooms, race.seed), stopping, close: () => Promise.resolve() };
}
