import { useInput, useStdin, useStdout } from 'ink';
import { Dashboard } from './dashboard.js';
import type { RaceStore } from './race-store.js';
import { useRace } from './use-race.js';

/** The dashboard fed by the race; q and Ctrl-C (raw mode turns Ctrl-C into a key) stop it. */
export function App({ store, onStop }: { store: RaceStore; onStop: () => void }) {
  const state = useRace(store);
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) onStop();
    },
    { isActive: isRawModeSupported },
  );
  return <Dashboard state={state} columns={stdout.columns || 80} />;
}
