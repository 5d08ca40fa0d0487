import { lockWaits } from './safeguards.js';
import { beginAt, pipelinedTransaction } from './pipelined.js';
import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

// pessimistic with the weaker row lock: a reservation's foreign key check (KEY SHARE) does not wait for it.
export const noKeyUpdate: Strategy = {
  name: 'no-key-update',
  summary: 'SELECT … FOR NO KEY UPDATE on the event-hotel row, then check, update and insert in one transaction',
  promisesSafety: true,
  safeguard: lockWaits,
  anomaly: null,
  holds: true,
  oneTransaction: true,
  reserve: (sql, request) =>
    pipelinedTransaction(sql, beginAt('read committed'), (tx, commit) => checkThenWrite(tx, request, 'for no key update', commit)),
};
