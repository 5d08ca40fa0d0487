import { checkThenBookAt, type SlotStrategy } from './slots.js';

// naive-slots in one transaction: READ COMMITTED gives each statement a fresh snapshot, so two
// bookings still both find the window free before either inserts.
export const transactionSlots: SlotStrategy = {
  name: 'transaction',
  summary: 'look for an overlapping active booking, then insert, in one READ COMMITTED transaction, no lock: two requests both find the window free',
  promisesSafety: false,
  safeguard: null,
  anomaly: 'G2',
  isolation: { level: 'read committed', anomaly: 'G2', hermitage: 'allowed' },
  book: (sql, request) => checkThenBookAt(sql, 'read committed', request, 'transaction', 'no lock'),
};
