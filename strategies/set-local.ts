import type { Db, Sql } from '../db/connection.js';
import { withPrologue } from './pipelined.js';
import { setTenant, tenantRoleMissing, type TenantContext } from './tenant-context.js';

// The setting lives and dies with the request's transaction, on the connection that runs it,
// so neither a pool nor a pooler in transaction mode can hand it to another request.
export const setLocal: TenantContext = {
  name: 'set-local',
  summary: "set_config('app.tenant_id', $1, true) inside the request's transaction, right after BEGIN: the setting ends with it",
  promisesSafety: true,
  unavailable: tenantRoleMissing,
  reserve: (sql, tenantId, lock, request) =>
    withPrologue(
      (tx) => setTenant(tx, tenantId, true),
      () => lock.reserve(sql, request),
    ),
  read: readLocal,
};

async function readLocal<T>(sql: Sql, tenantId: string, body: (db: Db) => Promise<T>): Promise<T> {
  // Boxed: sql.begin's type would unwrap a T that is itself a list of promises.
  const [box] = await sql.begin(async (tx) => {
    await setTenant(tx, tenantId, true);
    return [{ value: await body(tx) }];
  });
  return box.value;
}
