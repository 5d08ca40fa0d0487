import { loadStrategyModule, StrategyModuleError } from '../../strategies/module.js';
import type { StrategyRegistry } from '../../strategies/registry.js';
import { UsageError } from '../model/errors.js';

/**
 * Loads the strategy module at `path`, checks it and registers its strategy with `registry`,
 * before any server starts; returns the strategy's name. A module that cannot be used is a usage error.
 */
export async function useStrategyModule(registry: StrategyRegistry, path: string): Promise<string> {
  try {
    const strategy = await loadStrategyModule(path, registry);
    registry.register(strategy);
    return strategy.name;
  } catch (error) {
    throw error instanceof StrategyModuleError ? new UsageError(error.message) : error;
  }
}
