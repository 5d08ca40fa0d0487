import { advisory } from './advisory.js';
import { atomic } from './atomic.js';
import { eventLog } from './event-log.js';
import { naive } from './naive.js';
import { optimistic } from './optimistic.js';
import { pessimistic } from './pessimistic.js';
import { serializable } from './serializable.js';
import { transaction } from './transaction.js';
import type { Strategy } from './types.js';

export const strategies: readonly Strategy[] = [naive, transaction, pessimistic, atomic, optimistic, serializable, advisory, eventLog];

export const strategyNames = strategies.map((strategy) => strategy.name);

const byName = new Map(strategies.map((strategy) => [strategy.name, strategy]));

export function findStrategy(name: string): Strategy | undefined {
  return byName.get(name);
}
