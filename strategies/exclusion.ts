import { exclusionRefusals } from './safeguards.js';
import type { Sql } from 'postgres';
import { insertBooking, type SlotStrategy } from './slots.js';
import { classifyError } from './sqlstate.js';

/** sql/migrations/repeatable/btree_gist.sql adds it whenever the database allows the btree_gist extension. */
const constraintName = 'slot_bookings_no_overlap';

/** The strategies whose guard each pool has found in place. */
const ready = new WeakMap<Sql, Set<string>>();

/** Why this database cannot guard the strategy's slots with the constraint, or undefined when it can. */
export async function exclusionUnavailable(sql: Sql, strategy: string): Promise<string | undefined> {
  if (ready.get(sql)?.has(strategy)) return undefined;
  const [state] = await sql<[{ constraint: boolean; installed: boolean; available: boolean }]>`
    select
      exists (
        select 1 from pg_constraint
        where conname = ${constraintName} and conrelid = 'slot_bookings'::regclass
          and strpos(pg_get_constraintdef(oid), quote_literal(${strategy})) > 0
      ) as constraint,
      exists (select 1 from pg_extension where extname = 'btree_gist') as installed,
      exists (select 1 from pg_available_extensions where name = 'btree_gist') as available
  `;
  // Only success is remembered: a constraint an administrator adds later is picked up.
  if (state.constraint) {
    ready.set(sql, new Set(ready.get(sql)).add(strategy));
    return undefined;
  }
  if (!state.available) {
    return `the ${strategy} strategy needs the btree_gist extension, which this PostgreSQL server does not ship (install its contrib package)`;
  }
  if (!state.installed) {
    return `the ${strategy} strategy needs the btree_gist extension and this database refused CREATE EXTENSION btree_gist (usually: it takes the CREATE privilege on the database); have an administrator run it, then run evento again`;
  }
  return `the exclusion constraint ${constraintName} is missing, or does not cover ${strategy}; run evento once more so that sql/migrations/repeatable/btree_gist.sql adds it`;
}

export const exclusion: SlotStrategy = {
  name: 'exclusion',
  summary:
    'insert, and let EXCLUDE USING gist (resource_id WITH =, during WITH &&) refuse an overlapping window (23P01, a 409); overlapping inserts can deadlock (40P01, a 409 the client retries)',
  promisesSafety: true,
  safeguard: exclusionRefusals,
  anomaly: null,
  unavailable: (sql) => exclusionUnavailable(sql, 'exclusion'),
  async book(sql, request) {
    // Without the constraint this would be a plain insert: refuse rather than overlap silently.
    const missing = await exclusionUnavailable(sql, 'exclusion');
    if (missing) return { status: 'unavailable', detail: missing };
    try {
      return await insertBooking(sql, request, 'exclusion');
    } catch (error) {
      const errorClass = classifyError(error);
      if (errorClass.kind === 'conflict' && errorClass.reason === 'exclusion_violation') {
        return { status: 'taken', reason: 'exclusion_violation' };
      }
      throw error;
    }
  },
};
