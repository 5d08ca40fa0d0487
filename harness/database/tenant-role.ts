import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/connection.js';
import { EnvironmentError } from '../model/errors.js';

/** The role sql/migrations/002_tenants.sql creates for the tenants workload's queries; row-level security holds it. */
export const tenantRole = 'evento_tenant';

/**
 * A URL that connects as the tenant role to the database `url` points to. Its password is set
 * anew for each race: the role is the tool's own, and no one else needs to know it.
 */
export async function tenantRoleUrl(sql: Sql, url: string): Promise<string> {
  const [role] = await sql<{ rolsuper: boolean; rolbypassrls: boolean }[]>`
    select rolsuper, rolbypassrls from pg_roles where rolname = ${tenantRole}
  `;
  if (!role) throw new EnvironmentError(`the tenants workload needs the role ${tenantRole}, which this database user could not create (CREATEROLE)`);
  // The workload's promise rests on row-level security applying to the role.
  if (role.rolsuper || role.rolbypassrls) throw new EnvironmentError(`the role ${tenantRole} bypasses row-level security; drop it and run again`);
  // Hex only, made here: nothing from outside reaches the statement.
  const password = randomBytes(16).toString('hex');
  await sql.unsafe(`alter role ${tenantRole} password '${password}'`);
  const parsed = new URL(url);
  parsed.username = tenantRole;
  parsed.password = password;
  return parsed.toString();
}
