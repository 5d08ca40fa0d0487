import t from 'tap';
import { EnvironmentError } from '../harness/model/errors.js';
import { pgbouncerBinary } from '../harness/database/pooler.js';
import { runRace, type RaceRun } from '../harness/race/race.js';
import type { RunConfig } from '../harness/model/run-config.js';
import { findTenantContext } from '../strategies/registry.js';
import { contendedRace, countOf, roomRuns, strategyNamed, useDatabase, runOf } from './helpers.js';

t.test('without the binary, --pooler pgbouncer is an environment error that says how to install it', async (t) => {
  const error: unknown = await pgbouncerBinary('/nonexistent', '/nonexistent').catch((caught: unknown) => caught);
  t.ok(error instanceof EnvironmentError, 'an environment error (exit 3)');
  t.match(String(error), /apt install pgbouncer/, 'the message says how to install it');
});

const installed = await pgbouncerBinary().then(
  () => true,
  () => false,
);

t.test(
  'through PgBouncer in transaction pooling mode',
  { skip: installed ? false : 'pgbouncer is not installed (apt install pgbouncer)' },
  async (t) => {
    const database = await useDatabase(t);
    const config: RunConfig = { ...contendedRace.config, pooler: 'pgbouncer' };
    const safe = [
      'pessimistic',
      'atomic',
      'optimistic',
      'serializable',
      'advisory',
      'event-log',
      'no-key-update',
      'batched',
      'buckets',
      'skip-locked',
    ].map(strategyNamed);
    const setLocal = findTenantContext('set-local');
    if (!setLocal) throw new Error('no tenant context is named set-local');
    const runs: RaceRun[] = [...roomRuns(safe), runOf({ workload: 'tenants', tenants: { tenants: 4, lock: 'pessimistic' } }, setLocal)];
    const { results, stoppedBy } = await runRace({ config, databaseUrl: database.url, runs });
    t.equal(stoppedBy, 'done', 'every run ended by selling out');
    t.equal(results.length, runs.length, 'one result per run');
    for (const { params, outcome, verdict } of results) {
      const name = `${params.workload ?? 'rooms'}:${params.strategy}`;
      t.same(
        params.pooler,
        { name: 'pgbouncer', version: params.pooler?.version, pool_mode: 'transaction', prepared_statements: false },
        `${name}: the result names PgBouncer in transaction mode, without prepared statements`,
      );
      t.equal(outcome.errors, 0, `${name}: no errors (a prepared statement lost between connections would be one)`);
      t.equal(outcome.rooms_reserved, outcome.contracted, `${name}: booked == contracted`);
      t.equal(verdict.label, 'SAFE', `${name}: SAFE`);
      if (params.workload === 'tenants') {
        t.equal(countOf(outcome, 'cross_tenant_reads'), 0, `${name}: no row of another tenant read`);
        t.ok(countOf(outcome, 'rows_read') > 0, `${name}: the clients read rows back`);
      }
    }
  },
);
