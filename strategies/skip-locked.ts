import { claimUnits } from './room-rows.js';
import { reserved } from './rooms.js';
import type { Strategy } from './types.js';

export const skipLocked: Strategy = {
  name: 'skip-locked',
  summary:
    'one row per room: SELECT … FOR UPDATE SKIP LOCKED LIMIT n takes n free rooms that no other claim holds and writes the reservation into them, all or nothing; finding fewer is a 422, even while others hold the rest',
  promisesSafety: true,
  safeguard: { mechanism: 'claims that found fewer free rooms than asked, skipping those held', by: 'refusal', status: 422 },
  anomaly: null,
  inventory: 'room_units',
  async reserve(sql, request) {
    const claim = await claimUnits(sql, request);
    if ('id' in claim) return reserved(claim.id, request);
    // Fewer than n free and unheld: the refusal says how many were free, those other claims held included.
    return claim.units === 0 ? { status: 'not_found' } : { status: 'insufficient', available: claim.free };
  },
};
