import { lockWaits } from '../strategies/safeguards.js';
import { randomUUID } from 'node:crypto';
import { at } from '../lib/at.js';
import { inBatches } from '../strategies/batch.js';
import { settleBatch } from '../strategies/batched.js';
import { reserved } from '../strategies/rooms.js';
import type { Strategy } from '../strategies/types.js';

// A strategy module for the tests: batched, but a claim its batch could not cover is told 201 with an id no row has.
const brokenBatch: Strategy = {
  name: 'broken-batch',
  summary: 'batched, answering 201 to the claims its batch could not cover',
  promisesSafety: true,
  safeguard: lockWaits,
  anomaly: null,
  reserve: inBatches(async (sql, claims) =>
    (await settleBatch(sql, claims)).map((outcome, index) => (outcome.status === 'insufficient' ? reserved(randomUUID(), at(claims, index)) : outcome)),
  ),
};

export default brokenBatch;
