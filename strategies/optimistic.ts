import { onOwnConnection } from './own-connection.js';
import { conditionalClaim, readRooms, reserved, whenAvailable } from './rooms.js';
import type { Strategy } from './types.js';

export const optimistic: Strategy = {
  name: 'optimistic',
  summary: 'read the row and its version, then update only WHERE version = the one read; a mismatch is a 409 and the client retries',
  promisesSafety: true,
  safeguard: { mechanism: 'version conflicts retried', by: 'conflict', reason: 'version_mismatch' },
  anomaly: null,
  holds: true,
  reserve: (sql, request) =>
    onOwnConnection(sql, async (db) =>
      whenAvailable(await readRooms(db, request), request, async (row) => {
        const id = await conditionalClaim(db, request, db`version = ${row.version}`);
        return id ? reserved(id, request) : { status: 'conflict', reason: 'version_mismatch' };
      }),
    ),
};
