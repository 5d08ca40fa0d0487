import { exclusionRefusals } from './safeguards.js';
import { exclusionUnavailable } from './exclusion.js';
import { insertBooking, resourceExists, type SlotStrategy } from './slots.js';

const name = 'exclusion-on-conflict';

// Speculative insertion (ON CONFLICT) waits on a conflicting uncommitted insert in one direction
// only, so two overlapping bookings cannot wait on each other: the constraint's guard without its deadlocks.
export const exclusionOnConflict: SlotStrategy = {
  name,
  summary: 'insert … ON CONFLICT DO NOTHING, so that the exclusion constraint skips an overlapping window instead of raising 23P01 (a 409)',
  promisesSafety: true,
  safeguard: exclusionRefusals,
  anomaly: null,
  unavailable: (sql) => exclusionUnavailable(sql, name),
  async book(sql, request) {
    const missing = await exclusionUnavailable(sql, name);
    if (missing) return { status: 'unavailable', detail: missing };
    const outcome = await insertBooking(sql, request, name, 'do nothing');
    // No row: the resource is unknown, or the constraint found the window taken.
    if (outcome.status === 'not_found' && (await resourceExists(sql, request.resourceId))) return { status: 'taken', reason: 'exclusion_violation' };
    return outcome;
  },
};
