import { loadStrategyModule, StrategyModuleError } from '../strategies/module.js';
import { registerStrategy } from '../strategies/registry.js';
import { UsageError } from './errors.js';

/**
 * Loads the strategy module at `path`, checks it and registers its strategy in this process,
 * before any server starts; returns the strategy's name. A module that cannot be used is a usage error.
 */
export async function useStrategyModule(path: string): Promise<string> {
  try {
    const strategy = await loadStrategyModule(path);
    registerStrategy(strategy);
    return strategy.name;
  } catch (error) {
    throw error instanceof StrategyModuleError ? new UsageError(error.message) : error;
  }
}
