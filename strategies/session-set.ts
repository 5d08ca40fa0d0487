import { setTenant, tenantRoleMissing, type TenantContext } from './tenant-context.js';

// What many applications do on a pool: SET, then the queries. On a pool the next statement may
// go out on another connection, which still carries whichever tenant was set on it last.
export const sessionSet: TenantContext = {
  name: 'session-set',
  summary: 'SET app.tenant_id for the session as its own statement on the pool, then the queries: the setting stays on the connection',
  promisesSafety: false,
  unavailable: tenantRoleMissing,
  async reserve(sql, tenantId, lock, request) {
    await setTenant(sql, tenantId, false);
    return lock.reserve(sql, request);
  },
  async read(sql, tenantId, body) {
    await setTenant(sql, tenantId, false);
    return body(sql);
  },
};
