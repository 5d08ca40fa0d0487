import { beginAt, pipelinedTransaction } from './pipelined.js';
import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

// The original Evento called this "atomic". A READ COMMITTED transaction makes the writes
// all-or-nothing but does not stop two transactions from reading the same availability.
export const transaction: Strategy = {
  name: 'transaction',
  summary: 'the naive check, update and insert inside one READ COMMITTED transaction, no lock',
  promisesSafety: false,
  safeguard: null,
  anomaly: 'G-single',
  holds: true,
  oneTransaction: true,
  isolation: { level: 'read committed', anomaly: 'P4', hermitage: 'allowed' },
  reserve: (sql, request) => pipelinedTransaction(sql, beginAt('read committed'), (tx, commit) => checkThenWrite(tx, request, 'no lock', commit)),
};
