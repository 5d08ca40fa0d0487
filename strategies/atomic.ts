import { availableIn, conditionalClaim, readRooms, reserved } from './rooms.js';
import type { Strategy } from './types.js';

export const atomic: Strategy = {
  name: 'atomic',
  summary: 'one statement: UPDATE … WHERE contracted - (reserved + locked) >= n, inserting the reservation only if it matched',
  promisesSafety: true,
  safeguard: { mechanism: "claims the update's condition refused", by: 'refusal', status: 422 },
  anomaly: null,
  holds: true,
  async reserve(sql, request) {
    const id = await conditionalClaim(sql, request, sql`contracted - (reserved + locked) >= ${request.rooms}`);
    if (id) return reserved(id, request);
    // The update matched nothing: say why, from a fresh read.
    const row = await readRooms(sql, request);
    if (!row) return { status: 'not_found' };
    const available = availableIn(row);
    // Enough rooms now means the row changed under us (rooms were released): worth a retry.
    if (available >= request.rooms) return { status: 'conflict', reason: 'version_mismatch' };
    return { status: 'insufficient', available };
  },
};
