import { EventEmitter } from 'node:events';
import type { RaceHooks } from '../../../harness/model/race-hooks.js';
import { initialState, reduce, type DashboardState, type RaceEvent, type RacePlan } from './dashboard-state.js';

/** Subscribes `listener` to `event` and returns the unsubscribe, as React's effects want it. */
export function listenCleanup(emitter: EventEmitter, event: string, listener: (...args: unknown[]) => void) {
  emitter.on(event, listener);
  return () => {
    emitter.off(event, listener);
  };
}

/**
 * The race hooks folded into one dashboard state. The store holds the state, not React, so an
 * event that comes before the first render is not lost; the view reads it on each change.
 */
export function createRaceStore(plan: RacePlan) {
  const emitter = new EventEmitter();
  let state = initialState(plan);
  const apply = (event: RaceEvent) => {
    state = reduce(state, event);
    emitter.emit('change');
  };
  const hooks: RaceHooks = {
    onReady: (info) => apply({ type: 'ready', info }),
    onWarmup: (info) => apply({ type: 'warmup', info }),
    onStart: (info) => apply({ type: 'start', info }),
    onTick: (info) => apply({ type: 'tick', info }),
    onAudit: (info) => apply({ type: 'audit', info }),
    onResult: (result) => apply({ type: 'result', result }),
  };
  return {
    hooks,
    stopping: () => apply({ type: 'stopping' }),
    over: () => apply({ type: 'over' }),
    getState: (): DashboardState => state,
    subscribe: (onChange: () => void) => listenCleanup(emitter, 'change', onChange),
  };
}

export type RaceStore = ReturnType<typeof createRaceStore>;
