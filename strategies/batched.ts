import { lockWaits } from './safeguards.js';
import type { Sql } from '../db/connection.js';
import { inBatches, type Claims } from './batch.js';
import { beginAt, pipelinedTransaction } from './pipelined.js';
import { claimInTurn, readRooms } from './rooms.js';
import type { Strategy } from './types.js';

/** One transaction for a batch: lock the row once, then grant the claims in turn and write them together. */
export const settleBatch = (sql: Sql, claims: Claims) =>
  pipelinedTransaction(sql, beginAt('read committed'), async (tx, commit) =>
    claimInTurn(tx, claims, await readRooms(tx, claims[0], 'for update'), commit),
  );

// One row lock and one commit for every claim a server gathered on a hotel: the hot row sees fewer, larger transactions.
export const batched: Strategy = {
  name: 'batched',
  summary:
    'each server gathers the claims on a hotel for --batch-ms, then one transaction locks the row (FOR UPDATE), grants them in arrival order while rooms last and writes them together',
  promisesSafety: true,
  safeguard: lockWaits,
  anomaly: null,
  batches: true,
  reserve: inBatches(settleBatch),
};
