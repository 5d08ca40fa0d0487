import { availableIn, conditionalClaim, readRooms, reserved } from './rooms.js';
import type { Strategy } from './types.js';

export const optimistic: Strategy = {
  name: 'optimistic',
  summary: 'read the row and its version, then update only WHERE version = the one read; a mismatch is a 409 and the client retries',
  promisesSafety: true,
  holds: true,
  async reserve(sql, request) {
    const row = await readRooms(sql, request);
    if (!row) return { status: 'not_found' };
    const available = availableIn(row);
    if (available < request.rooms) return { status: 'insufficient', available };
    const id = await conditionalClaim(sql, request, sql`version = ${row.version}`);
    return id ? reserved(id, request) : { status: 'conflict', reason: 'version_mismatch' };
  },
};
