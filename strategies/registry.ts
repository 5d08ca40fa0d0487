import { advisory } from './advisory.js';
import { atomic } from './atomic.js';
import { batched } from './batched.js';
import { bucketsSingle } from './buckets-single.js';
import { buckets } from './buckets.js';
import { eventLog } from './event-log.js';
import { exclusionOnConflict } from './exclusion-on-conflict.js';
import { exclusion } from './exclusion.js';
import { naiveSlots } from './naive-slots.js';
import { naive } from './naive.js';
import { noKeyUpdate } from './no-key-update.js';
import { optimistic } from './optimistic.js';
import { pessimisticSlots } from './pessimistic-slots.js';
import { pessimistic } from './pessimistic.js';
import { repeatableReadSlots } from './repeatable-read-slots.js';
import { repeatableRead } from './repeatable-read.js';
import { serializableSlots } from './serializable-slots.js';
import { serializable } from './serializable.js';
import { sessionSet } from './session-set.js';
import { setLocal } from './set-local.js';
import { skipLocked } from './skip-locked.js';
import type { SlotStrategy } from './slots.js';
import type { TenantContext } from './tenant-context.js';
import { transactionSlots } from './transaction-slots.js';
import { transaction } from './transaction.js';
import type { Strategy } from './types.js';

const roomStrategies: Strategy[] = [
  naive,
  transaction,
  pessimistic,
  atomic,
  optimistic,
  repeatableRead,
  serializable,
  advisory,
  eventLog,
  noKeyUpdate,
  batched,
  buckets,
  bucketsSingle,
  skipLocked,
];

/** The built-in room strategies; a registry adds the strategy modules a process loads. */
export const strategies: readonly Strategy[] = roomStrategies;

export const strategyNames: readonly string[] = strategies.map((strategy) => strategy.name);

const byName = new Map(strategies.map((strategy) => [strategy.name, strategy]));

/** A built-in room strategy, by name. */
export function findStrategy(name: string): Strategy | undefined {
  return byName.get(name);
}

/** Those that can place holds (the holds workload). */
export const holdStrategyNames = strategies.filter((strategy) => strategy.holds).map((strategy) => strategy.name);

/** The time-slot strategies: a separate list, since `pessimistic` and the isolation levels name one of each kind. */
export const slotStrategies: readonly SlotStrategy[] = [
  naiveSlots,
  transactionSlots,
  repeatableReadSlots,
  serializableSlots,
  pessimisticSlots,
  exclusion,
  exclusionOnConflict,
];

export const slotStrategyNames = slotStrategies.map((strategy) => strategy.name);

const slotsByName = new Map(slotStrategies.map((strategy) => [strategy.name, strategy]));

export function findSlotStrategy(name: string): SlotStrategy | undefined {
  return slotsByName.get(name);
}

/** How a request names its tenant to row-level security (the tenants workload). */
export const tenantContexts: readonly TenantContext[] = [sessionSet, setLocal];

export const findTenantContext = (name: string) => tenantContexts.find((context) => context.name === name);

/** The locking strategies a tenant's reservation can go through: those whose statements share one transaction. */
export const tenantLocks = strategies.filter((strategy) => strategy.oneTransaction);

export const findTenantLock = (name: string) => tenantLocks.find((strategy) => strategy.name === name);

/** Every strategy evento ships, whatever it books: names a strategy module may not take. */
export const builtInStrategyNames: readonly string[] = [...new Set([...strategyNames, ...slotStrategyNames, ...tenantContexts.map(({ name }) => name)])];

/**
 * The room strategies one process knows (the CLI's, to plan its runs; each server's, to route to
 * them): the built-ins, then the strategy modules registered with it. Lists are read from it
 * when asked, so they include every module registered so far.
 */
export class StrategyRegistry {
  readonly #modules = new Map<string, Strategy & { module: string }>();

  get strategies(): readonly Strategy[] {
    return [...strategies, ...this.#modules.values()];
  }

  get strategyNames(): string[] {
    return this.strategies.map((strategy) => strategy.name);
  }

  /** Those that can place holds; module strategies cannot, as they are given no `holdMs`. */
  get holdStrategies(): readonly Strategy[] {
    return this.strategies.filter((strategy) => strategy.holds);
  }

  find(name: string): Strategy | undefined {
    return findStrategy(name) ?? this.#modules.get(name);
  }

  /** Adds a strategy module's strategy, in place of one of the same name. */
  register(strategy: Strategy & { module: string }) {
    this.#modules.set(strategy.name, strategy);
  }
}
