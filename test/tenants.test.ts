import t, { type Test } from 'tap';
import { connect, type Db } from '../db/connection.js';
import { runRace, type RaceRun } from '../harness/race/race.js';
import type { RunConfig } from '../harness/model/run-config.js';
import { tenantRoleUrl } from '../harness/database/tenant-role.js';
import { seedTenants, tenantsWorkload } from '../harness/workloads/tenants-workload.js';
import { at } from '../lib/at.js';
import { findTenantContext } from '../strategies/registry.js';
import { countOf, contendedRace, randomUUID, serveApp, useDatabase, runOf } from './helpers.js';

const database = await useDatabase(t);
const tenantUrl = await tenantRoleUrl(database.sql, database.url);

/** The contended scenario, split over 4 tenants with one hotel of 20 rooms each. */
const config: RunConfig = { ...contendedRace.config, hotels: 1 };

function tenantRuns(name: string, count: number): RaceRun[] {
  const strategy = findTenantContext(name);
  if (!strategy) throw new Error(`no tenant context is named ${name}`);
  return Array.from({ length: count }, () => runOf({ workload: 'tenants', tenants: { tenants: 4, lock: 'pessimistic' } }, strategy));
}

t.test('the servers role is held by row-level security: without the setting it reads nothing, with it only its tenant', async (t) => {
  const { tenants } = await seedTenants(database.sql, 2, 1, 10);
  const [a, b] = [at(tenants, 0), at(tenants, 1)];
  await database.sql`
    insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, created_at, tenant_id)
    select gen_random_uuid(), id, 'a@evento.test', 1, 'CONFIRMED', now(), tenant_id from event_hotel_rooms where event_id = ${a.eventId}
  `;
  const tenant = connect(tenantUrl, 1);
  t.teardown(() => tenant.end({ timeout: 1 }));
  const [role] = await tenant<{ user: string; rolsuper: boolean; rolbypassrls: boolean; owner: boolean }[]>`
    select current_user as user, rolsuper, rolbypassrls, pg_has_role(current_user, (select relowner from pg_class where oid = 'evento.reservations'::regclass), 'member') as owner
    from pg_roles where rolname = current_user
  `;
  t.same(role, { user: 'evento_tenant', rolsuper: false, rolbypassrls: false, owner: false }, 'neither superuser, nor BYPASSRLS, nor the owner');
  // Each query names tenant A's rows outright: only row-level security can hide them.
  const ofTenantA = {
    events: (db: Db) => db<{ n: number }[]>`select count(*)::int as n from events where id = ${a.eventId}`,
    event_hotel_rooms: (db: Db) => db<{ n: number }[]>`select count(*)::int as n from event_hotel_rooms where event_id = ${a.eventId}`,
    reservations: (db: Db) => db<{ n: number }[]>`select count(*)::int as n from reservations where tenant_id = ${a.id}`,
  };
  const count = (table: keyof typeof ofTenantA, tenantId: string | null) =>
    tenant.begin(async (tx) => {
      if (tenantId) await tx`select set_config('app.tenant_id', ${tenantId}, true)`;
      const [row] = await ofTenantA[table](tx);
      return row?.n ?? 0;
    });
  for (const table of ['events', 'event_hotel_rooms', 'reservations'] as const) {
    t.equal(await count(table, null), 0, `${table}: nothing without the setting`);
    t.equal(await count(table, b.id), 0, `${table}: nothing of tenant A as tenant B`);
    t.equal(await count(table, a.id), 1, `${table}: tenant A sees its own`);
  }
  await t.rejects(
    tenant.begin(async (tx) => {
      await tx`select set_config('app.tenant_id', ${b.id}, true)`;
      await tx`insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, created_at, tenant_id)
               values (gen_random_uuid(), gen_random_uuid(), 'b@evento.test', 1, 'CONFIRMED', now(), ${a.id})`;
    }),
    { code: '42501' },
    'tenant B cannot write a row in tenant A’s name',
  );
});

t.test("another tenant's reservation is a 404, as one that does not exist", async (t) => {
  const { tenants } = await seedTenants(database.sql, 2, 1, 10);
  const [a, b] = [at(tenants, 0), at(tenants, 1)];
  const { port } = await serveApp(t, database.url, { tenantSql: connectTenant(t) });
  const call = async (method: string, path: string, tenantId?: string, body?: object) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...(tenantId && { 'x-tenant-id': tenantId }), ...(body && { 'content-type': 'application/json' }) },
      body: body && JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const [hotel] = (await call('GET', `/tenants/set-local/${a.eventId}/available`, a.id)).body as unknown as { hotel_id: string }[];
  const created = await call('POST', `/tenants/set-local/${a.eventId}/${hotel?.hotel_id ?? ''}/reserve/pessimistic`, a.id, {
    rooms: 2,
    email: 'a@evento.test',
  });
  t.equal(created.status, 201, 'tenant A reserves in its event');
  const id = (created.body.reservation as { id: string }).id;
  for (const context of ['set-local', 'session-set']) {
    const own = await call('GET', `/tenants/${context}/reservations/${id}`, a.id);
    t.equal(own.status, 200, `${context}: tenant A reads its reservation`);
    t.equal((own.body.reservation as { tenant_id: string }).tenant_id, a.id, `${context}: the row is tenant A's`);
    const foreign = await call('GET', `/tenants/${context}/reservations/${id}`, b.id);
    const missing = await call('GET', `/tenants/${context}/reservations/${randomUUID()}`, b.id);
    t.equal(foreign.status, 404, `${context}: tenant B gets 404 for tenant A's reservation`);
    t.same(foreign, missing, `${context}: the same 404 as for an id that does not exist`);
  }
  t.equal((await call('GET', `/tenants/set-local/${a.eventId}/available`, b.id)).status, 404, "tenant B does not see tenant A's event");
  const listed = await call('GET', '/tenants/set-local/reservations?limit=100', b.id);
  t.same(listed.body, { reservations: [] }, 'tenant B lists none of its own and none of A');
  t.equal((await call('GET', `/tenants/set-local/reservations/${id}`)).status, 400, 'no X-Tenant-ID: 400');
  t.equal((await call('GET', `/tenants/set-local/reservations/${id}`, 'tenant-a')).status, 400, 'an X-Tenant-ID that is not a uuid: 400');
  const unknown = await call('GET', `/tenants/set-role/reservations/${id}`, a.id);
  t.equal(unknown.status, 400, 'an unknown tenant context: 400');
  t.same(unknown.body.contexts, ['session-set', 'set-local'], 'the 400 lists the tenant contexts');
  const lock = await call('POST', `/tenants/set-local/${a.eventId}/${hotel?.hotel_id ?? ''}/reserve/atomic`, a.id, { rooms: 1, email: 'a@evento.test' });
  t.equal(lock.status, 400, 'a lock that does not run in one transaction: 400');
  t.equal((await call('GET', '/tenants/set-local/reservations?limit=1000', a.id)).status, 400, 'a limit over 100: 400');
});

t.test('the audit catches a planted cross-tenant row', async (t) => {
  const { tenants, events } = await seedTenants(database.sql, 2, 1, 10);
  const [a, b] = [at(tenants, 0), at(tenants, 1)];
  const runId = at(events, 0).event_id;
  const clean = await tenantsWorkload.audit(database.sql, runId, { cross_tenant_reads: 0 });
  t.same(clean.problems, [], 'nothing wrong before');
  await database.sql`
    insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, created_at, tenant_id)
    select gen_random_uuid(), id, 'b@evento.test', 1, 'CONFIRMED', now(), ${b.id} from event_hotel_rooms where event_id = ${a.eventId}
  `;
  const audit = await tenantsWorkload.audit(database.sql, runId, { cross_tenant_reads: 2 });
  t.equal(audit.counts.cross_tenant_writes, 1, "a reservation in tenant B's name on tenant A's event is one cross-tenant write");
  t.equal(audit.counts.cross_tenant_reads, 2, 'the reads the clients counted are carried over');
  t.same(audit.problems, ['LEAKED 3'], 'the verdict names reads and writes together');
});

t.test('session-set leaks under contention (the audit can fail)', async (t) => {
  const attempts = 8;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const [result] = (await runRace({ config, databaseUrl: database.url, runs: tenantRuns('session-set', 1) })).results;
    if (result?.verdict.label.startsWith('LEAKED')) {
      t.pass(`attempt ${attempt}: ${result.verdict.label}`);
      t.ok(countOf(result.outcome, 'cross_tenant_reads') + countOf(result.outcome, 'cross_tenant_writes') > 0, 'rows crossed tenants');
      t.equal(result.verdict.promises_safety, false, 'session-set promises nothing');
      return;
    }
  }
  t.fail(`no leak in ${attempts} contended runs`);
});

t.test('set-local never leaks, 10 contended runs', async (t) => {
  const { results, stoppedBy } = await runRace({ config, databaseUrl: database.url, runs: tenantRuns('set-local', 10) });
  t.equal(stoppedBy, 'done', 'every run ended by selling out');
  t.equal(results.length, 10, 'ten runs');
  for (const [index, { outcome, verdict }] of results.entries()) {
    t.equal(countOf(outcome, 'cross_tenant_reads'), 0, `run ${index}: no row of another tenant read`);
    t.equal(countOf(outcome, 'cross_tenant_writes'), 0, `run ${index}: no row written across tenants`);
    t.ok(countOf(outcome, 'rows_read') > 0, `run ${index}: the clients read rows back`);
    t.equal(outcome.counts.own_rows_hidden ?? 0, 0, `run ${index}: every request ran as its tenant`);
    t.equal(outcome.rooms_reserved, outcome.contracted, `run ${index}: booked == contracted`);
    t.equal(outcome.errors, 0, `run ${index}: no errors`);
    t.equal(verdict.label, 'SAFE', `run ${index}: SAFE`);
  }
});

function connectTenant(t: Test) {
  const sql = connect(tenantUrl, 4);
  t.teardown(() => sql.end({ timeout: 1 }));
  return sql;
}
