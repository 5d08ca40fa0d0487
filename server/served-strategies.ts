import type { PhaseRecorder } from '../strategies/phases.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import type { ReserveRequest } from '../strategies/types.js';

/** What a server's routes need of its configuration to run a strategy: the settings it passes with each request, and these. */
export interface ServedStrategies extends Pick<ReserveRequest, 'readPauseMs' | 'batchMs'> {
  /** The strategies it routes to: the built-ins, and the strategy modules it loaded. */
  registry: StrategyRegistry;
  /** Where each reservation's time in the app tier is recorded; untimed when unset. */
  phases?: PhaseRecorder;
}
