import { serializationFailuresRetried } from './safeguards.js';
import { beginAt, pipelinedTransaction } from './pipelined.js';
import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

// The same statements as `transaction`, two isolation levels up: PostgreSQL's serializable
// snapshot isolation aborts one of two transactions that read the same availability and then
// both write, with 40001, which the HTTP layer turns into a 409 the client retries.
export const serializable: Strategy = {
  name: 'serializable',
  summary:
    'the check, update and insert in one SERIALIZABLE transaction, no explicit lock; a serialization failure (40001) is a 409 and the client retries',
  promisesSafety: true,
  safeguard: serializationFailuresRetried,
  anomaly: null,
  holds: true,
  oneTransaction: true,
  isolation: { level: 'serializable', anomaly: 'P4', hermitage: 'prevented' },
  reserve: (sql, request) => pipelinedTransaction(sql, beginAt('serializable'), (tx, commit) => checkThenWrite(tx, request, 'no lock', commit)),
};
