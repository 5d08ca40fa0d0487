import type { Sql } from '../../db/connection.js';
import type { Inventory } from '../../strategies/types.js';
import type { HotelOutcome } from '../model/result-schema.js';
import { hotelOutcomes } from '../model/seeded-event.js';
import { auditEvent } from './event.js';

/**
 * The audit query run on each tick while the clients are at work, so a live view can show
 * per-hotel overbooking and drift as the tables have them. A slow audit skips ticks rather
 * than piling queries onto the database under test.
 */
export function liveAudit(sql: Sql, eventId: string, inventory: Inventory | undefined, report: (hotels: HotelOutcome[]) => void) {
  let pending: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  return {
    tick() {
      if (pending || failure) return;
      pending = auditEvent(sql, eventId, inventory)
        .then(
          (audit) => report(hotelOutcomes(audit)),
          (error: unknown) => {
            failure = { error };
          },
        )
        .finally(() => {
          pending = undefined;
        });
    },
    /** Waits for the audit in flight; a failed one is the run's failure, not a silent gap. */
    async settle() {
      await pending;
      if (failure) throw failure.error;
    },
  };
}
