import { setTimeout as sleep } from 'node:timers/promises';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { WriteLog } from '../../client-sim/metrics.js';
import type { Sql } from '../../db/connection.js';
import { at } from '../../lib/at.js';
import { startLoop } from '../../lib/background-loop.js';
import type { ChaosConfig, ChaosOutcome } from '../model/faults.js';
import { projectPath } from '../model/paths.js';
import type { ServerFleet } from './servers.js';

export type WriteReconciliation = Pick<ChaosOutcome, 'indeterminate_committed' | 'unaccounted' | 'lost'>;

/** The clients' writes against the tables, by request_id (sql/audit-writes.sql). */
export async function reconcileWrites(sql: Sql, eventId: string, writes: WriteLog): Promise<WriteReconciliation> {
  const [reconciled] = await sql.file<[WriteReconciliation]>(projectPath('sql/audit-writes.sql'), [
    eventId,
    writes.indeterminate,
    writes.acknowledged,
  ] as never);
  return reconciled;
}

/** Terminates a random non-empty subset of the connections named `applicationName`; returns how many. */
async function terminateBackends(sql: Sql, applicationName: string, random: (min: number, max: number) => number) {
  const backends = await sql<{ pid: number }[]>`select pid from pg_stat_activity where application_name = ${applicationName}`;
  if (backends.length === 0) return 0;
  const chosen = backends.filter(() => random(0, 1) === 1).map(({ pid }) => pid);
  if (chosen.length === 0) chosen.push(at(backends, random(0, backends.length - 1)).pid);
  const [{ terminated }] = await sql<[{ terminated: number }]>`
    select count(*) filter (where pg_terminate_backend(pid))::int as terminated from unnest(${chosen}::int[]) as pid
  `;
  return terminated;
}

/**
 * Waits, at most `limitMs`, until none of the fleet's connections is inside a statement or a
 * transaction: a statement a killed server left running (waiting for a lock, say) may still
 * commit, and the audit must see it.
 */
async function settle(sql: Sql, applicationName: string, limitMs: number) {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    const [{ busy }] = await sql<[{ busy: number }]>`
      select count(*)::int as busy from pg_stat_activity where application_name = ${applicationName} and state <> 'idle'
    `;
    if (busy === 0) return;
    await sleep(20);
  }
}

/**
 * Waits, at most `limitMs`, until no request id of the event is held by a live lease; returns
 * how many still are. The clients' request ids start with the event id (client-sim/client.ts).
 */
async function heldIds(sql: Sql, eventId: string, limitMs: number) {
  const deadline = performance.now() + limitMs;
  for (;;) {
    const [{ held }] = await sql<[{ held: number }]>`
      select count(*)::int as held from idempotency_keys
      where starts_with(key, ${`${eventId}/`}) and status is null and lease_expires_at > now()
    `;
    if (held === 0 || performance.now() >= deadline) return held;
    await sleep(100);
  }
}

/**
 * Injects the kill faults at random moments, `seed` choosing when and whom, until finish():
 * which stops them, lets the database settle, and reconciles the clients' writes.
 */
export function startChaos(
  config: ChaosConfig,
  fleet: Pick<ServerFleet, 'urls' | 'applicationName' | 'leaseMs' | 'crashes' | 'replace'>,
  sql: Sql,
  seed: number,
) {
  const rng = xoroshiro128plus(seed);
  const random = (min: number, max: number) => unsafeUniformIntDistribution(min, max, rng);
  const kills = config.faults.filter((fault) => fault !== 'slow-db');
  const crashesBefore = fleet.crashes();
  const done = { servers_killed: 0, backends_terminated: 0 };
  async function injectOne() {
    if (kills[random(0, kills.length - 1)] === 'kill-server') {
      await fleet.replace(random(0, fleet.urls.length - 1));
      done.servers_killed += 1;
    } else {
      done.backends_terminated += await terminateBackends(sql, fleet.applicationName, random);
    }
  }
  const between = () => random(Math.floor(config.everyMs / 2), Math.ceil((config.everyMs * 3) / 2));
  // A failure (a replacement that would not start) is reported by stop().
  const faults = kills.length > 0 ? startLoop(injectOne, between, { pauseFirst: true }) : undefined;
  return {
    /** Ends the faults; a fault under way completes first. */
    async stop() {
      await faults?.stop();
    },
    async finish(eventId: string, writes: WriteLog): Promise<ChaosOutcome> {
      await this.stop();
      await settle(sql, fleet.applicationName, Math.max(5_000, 2 * (config.latencyMs ?? 0)));
      // The servers' own lease, with a second to spare for the last renewal before a kill.
      const stuck = await heldIds(sql, eventId, fleet.leaseMs + 1_000);
      return {
        ...done,
        server_crashes: fleet.crashes() - crashesBefore,
        indeterminate: new Set(writes.indeterminate).size,
        ...(await reconcileWrites(sql, eventId, writes)),
        stuck,
      };
    },
  };
}

export type Chaos = ReturnType<typeof startChaos>;
