import { checkThenBookAt, type SlotStrategy } from './slots.js';

// Write skew: two bookings that each found the window free insert two different rows, so no
// row has two writers and snapshot isolation has nothing to abort.
export const repeatableReadSlots: SlotStrategy = {
  name: 'repeatable-read',
  summary:
    'look for an overlapping active booking, then insert, in one REPEATABLE READ transaction: two bookings write different rows, so both commit (write skew)',
  promisesSafety: false,
  safeguard: null,
  anomaly: 'G2',
  isolation: { level: 'repeatable read', anomaly: 'G2', hermitage: 'allowed' },
  book: (sql, request) => checkThenBookAt(sql, 'repeatable read', request, 'repeatable-read', 'no lock'),
};
