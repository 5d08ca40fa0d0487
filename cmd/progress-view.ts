import type { LoadFlags } from './options.js';
import { progressJson } from './progress-json.js';
import { progressLines } from './progress-lines.js';
import type { ProgressView } from './progress-view-types.js';
import type { RacePlan } from './tui/dashboard-state.js';

/** The dashboard needs a terminal and a person at it; pipes, logs and CI get plain lines. */
export function wantsDashboard(tui: boolean, stdout: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const inCi = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false';
  return tui && stdout.isTTY === true && !inCi;
}

export async function progressView(
  race: Pick<RacePlan, 'command' | 'strategies' | 'seed'>,
  flags: LoadFlags,
  onStop: () => void,
): Promise<ProgressView> {
  if (flags.progress === 'json') {
    return { hooks: progressJson(process.stderr), stopping: () => undefined, close: () => Promise.resolve() };
  }
  if (flags.progress === 'auto' && wantsDashboard(flags.tui, process.stdout, process.env)) {
    // ink and React are loaded only when a dashboard is drawn.
    const { startDashboard } = await import('./tui/start-dashboard.js');
    const { clients, servers, hotels, rooms } = flags;
    return startDashboard({ ...race, clients, servers, hotels, rooms, thinkMs: flags.thinkMs.text }, onStop);
  }
  return {
    hooks: progressLines(process.stderr, flags.hotels * flags.rooms, race.seed),
    stopping: () => process.stderr.write('evento: stopping the clients; what was written is still audited (again to quit now)\n'),
    close: () => Promise.resolve(),
  };
}
