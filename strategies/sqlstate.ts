import type { ConflictReason } from './types.js';

/** SQLSTATE codes that mean "lost a race, try again", and nothing else. */
const conflictCodes: Record<string, ConflictReason> = {
  '40001': 'serialization_failure',
  '40P01': 'deadlock',
  '55P03': 'lock_timeout',
  '23505': 'unique_violation',
  '23P01': 'exclusion_violation',
};

/** Codes and client errors that mean the database is gone, not that the request was bad. */
const unavailableCodes = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EPIPE',
]);

/**
 * The SQLSTATE a conflict reason stands for, or the reason itself when no SQLSTATE does (a
 * strategy's own, such as version_mismatch): how `conflicts_by_sqlstate` files them.
 */
export function sqlstateOf(reason: string): string {
  return Object.entries(conflictCodes).find(([, known]) => known === reason)?.[0] ?? reason;
}

/** Conflicts counted by reason, counted again by SQLSTATE (`sqlstateOf`). */
export function countsBySqlstate(byReason: Readonly<Record<string, number>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [reason, count] of Object.entries(byReason)) counts[sqlstateOf(reason)] = (counts[sqlstateOf(reason)] ?? 0) + count;
  return counts;
}

export type ErrorClass = { kind: 'conflict'; reason: ConflictReason } | { kind: 'unavailable' } | { kind: 'unexpected' };

export function classifyError(error: unknown): ErrorClass {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const reason = conflictCodes[code];
  if (reason) return { kind: 'conflict', reason };
  if (unavailableCodes.has(code) || code.startsWith('08')) return { kind: 'unavailable' };
  return { kind: 'unexpected' };
}
