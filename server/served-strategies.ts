import type { PhaseRecorder } from '../strategies/phases.js';
import type { StrategyRegistry } from '../strategies/registry.js';

/** What a server's routes need of its configuration to run a strategy. */
export interface ServedStrategies {
  /** The strategies it routes to: the built-ins, and the strategy modules it loaded. */
  registry: StrategyRegistry;
  /** Fault injection (slow-db): after each read a strategy decides on, a pause this long in the same transaction. */
  readPauseMs?: number;
  /** How long a strategy that batches gathers a hotel's claims before settling them; its default when unset. */
  batchMs?: number;
  /** Where each reservation's time in the app tier is recorded; untimed when unset. */
  phases?: PhaseRecorder;
}
