import { useSyncExternalStore } from 'react';
import type { DashboardState } from './dashboard-state.js';
import type { RaceStore } from './race-store.js';

/** The dashboard state, re-rendered on each race event (two ticks a second), never per request. */
export function useRace(store: RaceStore): DashboardState {
  return useSyncExternalStore(store.subscribe, store.getState);
}
