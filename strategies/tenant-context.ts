import type { Db, Sql } from '../db/connection.js';
import type { ReserveOutcome, ReserveRequest, Strategy, StrategyInfo } from './types.js';

/**
 * How a request tells PostgreSQL which tenant it acts for: row-level security then shows and
 * accepts only that tenant's rows. `promisesSafety` here promises isolation: no row of one tenant
 * reaches another, and none is written under another's name.
 */
export interface TenantContext extends StrategyInfo {
  /** Reserves through the locking strategy `lock`, with the tenant's setting in force. */
  reserve(sql: Sql, tenantId: string, lock: Strategy, request: ReserveRequest): Promise<ReserveOutcome>;
  /** Runs the reads of `body` with the tenant's setting in force. */
  read<T>(sql: Sql, tenantId: string, body: (db: Db) => Promise<T>): Promise<T>;
}

/** The setting as its own statement; `local`: until the transaction ends, otherwise for the connection's life. */
export const setTenant = (db: Db, tenantId: string, local: boolean) => db`select set_config('app.tenant_id', ${tenantId}, ${local})`;

/** Why this database cannot run a tenant context: the role that row-level security holds is missing. */
export async function tenantRoleMissing(sql: Sql): Promise<string | undefined> {
  const [role] = await sql`select 1 from pg_roles where rolname = 'evento_tenant'`;
  return role ? undefined : 'the tenants workload needs the role evento_tenant, which this database user could not create (it needs CREATEROLE)';
}
