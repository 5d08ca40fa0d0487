// `npm run bench`: evento's atomic throughput against pgbench's ceiling on the same database,
// a 10,000-client scale run, the clients phase beside the original Evento's figures, and what
// recording a history (--history) costs in goodput, and evento's clients beside autocannon; atomic
// through the servers and called in evento's process (--via), beside pgbench's same two statements.
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { integer } from '../cmd/flags/options.js';
import { openDatabase } from '../harness/database/database.js';
import { toolVersion } from '../harness/model/paths.js';
import { hotRows, measureCeiling, measurePaths } from './ceiling.js';
import { historyCost, measureHistoryOverhead, measureSamplingOverhead, samplerShare, samplingCost, samplingIntervalMs } from './history.js';
import { loadgenPoolSize, measureLoadgen, profileClients, profileServer } from './loadgen.js';
import { compareWithOriginal } from './original.js';
import { measureReport, reportBudgets } from './html-report.js';
import { measureDriver } from './driver.js';
import { findPgbench } from './pgbench.js';
import { postmasterOf } from './proc.js';
import {
  ceilingSummary,
  formatCeiling,
  flagOverheadText,
  formatLoadgen,
  formatOriginal,
  formatProfile,
  formatReportBench,
  formatScale,
  formatServerParts,
  pathsSummary,
  samplerShareText,
} from './report.js';
import { measureSamplerCost } from './sampler-cost.js';
import { measureScale } from './scale.js';

const phaseNames = ['ceiling', 'paths', 'driver', 'scale', 'original', 'report', 'history', 'sampling', 'loadgen'] as const;

/** The sampler's own cost is measured in rounds of this many seconds (at least 6 rounds, for an interval). */
const samplerSeconds = 4;

/** The paths phase's servers (evento's default): one pool each, of a server's size, on the direct path. */
const pathServers = 2;

const list =
  <T>(parse: (value: string) => T) =>
  (value: string) =>
    value.split(',').map(parse);

function phase(value: string) {
  const name = phaseNames.find((known) => known === value.trim());
  if (!name) throw new InvalidArgumentError(`expected a comma-separated list of: ${phaseNames.join(', ')}`);
  return name;
}

const full = { runs: 3, clients: [8, 32, 128], servers: [1, 2, 4], seconds: 10, scaleClients: 10_000, reportTrials: 6 };
const quick = { runs: 1, clients: [32], servers: [2], seconds: 3, scaleClients: 2_000, reportTrials: 2 };

const program = new Command('bench')
  .description("evento against the database's own ceiling (pgbench), at scale, against the original Evento, and beside autocannon")
  .option('--quick', `fewer combinations and shorter runs, to iterate: ${JSON.stringify(quick)}`)
  .addOption(new Option('--runs <n>', `runs per figure, the median is shown (default ${full.runs})`).argParser(integer(1, 20)))
  .addOption(new Option('--clients <list>', `client counts (default ${full.clients.join(',')})`).argParser(list(integer(1, 1000))))
  .addOption(new Option('--servers <list>', `server counts (default ${full.servers.join(',')})`).argParser(list(integer(1, 64))))
  .addOption(new Option('--seconds <n>', `length of each throughput run (default ${full.seconds})`).argParser(integer(1, 600)))
  .addOption(new Option('--scale-clients <n>', `clients of the scale run (default ${full.scaleClients})`).argParser(integer(1, 100_000)))
  .addOption(new Option('--scale-rooms <n>', 'rooms per hotel (3 hotels) of the scale run').argParser(integer(1, 1_000_000)).default(10_000))
  .addOption(new Option('--phases <list>', `which parts to run (default all: ${phaseNames.join(',')})`).argParser(list(phase)))
  .option(
    '--profile',
    "loadgen: two more evento runs at the most connections, its CLI and then its server under node --cpu-prof: the CLI's top self-time functions, the server's time by part",
  )
  .option('--extra <flags>', 'more flags for every evento run, e.g. "--pool-size 4"', '')
  .option('--results-dir <dir>', 'where the JSON result is written', 'bench-results');

program.parse();
const flags = program.opts();
const preset = flags.quick ? quick : full;
const settings = {
  runs: flags.runs ?? preset.runs,
  clients: flags.clients ?? preset.clients,
  servers: flags.servers ?? preset.servers,
  seconds: flags.seconds ?? preset.seconds,
  scaleClients: flags.scaleClients ?? preset.scaleClients,
  scaleRooms: flags.scaleRooms,
  reportTrials: preset.reportTrials,
  phases: (flags.phases as string[] | undefined) ?? [...phaseNames],
  extraArgs: flags.extra.split(/\s+/).filter(Boolean),
};
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const out = (text: string) => process.stdout.write(`${text}\n`);

const startedAt = new Date();
const loadBefore = loadavg();
const database = await openDatabase();
try {
  const [{ pid, server_version }] = await database.sql<[{ pid: number; server_version: string }]>`
    select pg_backend_pid() as pid, current_setting('server_version') as server_version`;
  const postgresPid = await postmasterOf(pid);
  const common = { databaseUrl: database.url, postgresPid, extraArgs: settings.extraArgs };
  const medianOf = `each figure is the median of ${settings.runs} run(s)`;
  const report: Record<string, unknown> = {};
  out(
    `evento bench: ${cpus().length} CPUs, load average ${loadBefore.map((n) => n.toFixed(2)).join(' ')}, PostgreSQL ${server_version} (${database.kind}); ${medianOf}`,
  );
  if (settings.extraArgs.length > 0) out(`every evento run also gets: ${settings.extraArgs.join(' ')}`);
  if (!postgresPid) log('PostgreSQL does not run on this machine: no CPU split');

  if (settings.phases.includes('ceiling')) {
    const pgbench = await findPgbench();
    if (!pgbench) log('pgbench not found on PATH nor in /usr/lib/postgresql/*/bin: the ceiling is skipped, evento figures only');
    const cells = await measureCeiling({ ...common, sql: database.sql, pgbench, ...settings, log });
    out(`\nAtomic strategy, ${hotRows.hotels} hot rows, think 0, ${settings.seconds} s per run; ${medianOf}.`);
    out("pgbench runs the strategy's own statement; evento adds HTTP, the server processes and the client loop (GET availability, then POST reserve).");
    out(formatCeiling(cells));
    const summary = ceilingSummary(cells);
    if (summary) out(summary);
    report.ceiling = { hot_rows: hotRows, seconds: settings.seconds, pgbench: pgbench ?? null, cells };
  }
  if (settings.phases.includes('paths')) {
    const pgbench = await findPgbench();
    if (!pgbench) log('pgbench not found on PATH nor in /usr/lib/postgresql/*/bin: the paths phase runs evento only');
    const cells = await measurePaths({ ...common, sql: database.sql, pgbench, ...settings, servers: pathServers, log });
    out(`\nAtomic via http and via direct, ${pathServers} servers, ${hotRows.hotels} hot rows, think 0, ${settings.seconds} s per run; ${medianOf}.`);
    out(
      "pgbench runs what evento's clients cause per reservation: the availability read, then the atomic claim; direct calls the strategy in evento's process, without HTTP or server processes.",
    );
    out(formatCeiling(cells));
    const summary = pathsSummary(cells);
    if (summary) out(summary);
    report.paths = { hot_rows: hotRows, servers: pathServers, seconds: settings.seconds, pgbench: pgbench ?? null, cells };
  }
  if (settings.phases.includes('driver')) {
    const inFlight = Math.max(...settings.clients);
    const driver = await measureDriver({ ...common, inFlight, seconds: settings.seconds, runs: settings.runs, log });
    out(
      `\npostgres.js alone: the availability read then the atomic claim, ${inFlight} in flight on one connection in the bench's process, no HTTP; ${medianOf}.`,
    );
    out(
      `${driver.rate.toLocaleString('en-US')} reservations/s (runs: ${driver.rates.join(', ')}); CPU per reservation: ` +
        `${driver.nodeUs} µs in postgres.js's process (${driver.systemUs} of it in the kernel), ${Number.isNaN(driver.postgresUs) ? '-' : driver.postgresUs} µs in PostgreSQL`,
    );
    report.driver = { hot_rows: hotRows, ...driver };
  }
  if (settings.phases.includes('scale')) {
    const scale = await measureScale({
      ...common,
      clients: settings.scaleClients,
      servers: 4,
      hotels: 3,
      rooms: settings.scaleRooms,
      runs: settings.runs,
      log,
    });
    out(`\nScale: atomic to sell-out; ${medianOf}.`);
    out(formatScale(scale));
    report.scale = scale;
  }
  if (settings.phases.includes('original')) {
    const rows = await compareWithOriginal({ ...common, runs: settings.runs, log });
    out(
      `\nClients phase against the original Evento (its figures from its own runs on a 2-core machine); ${medianOf}.` +
        " × naive: the strategy's clients phase over naive's, within a round for evento, which a change in the machine's speed between rounds leaves alone.",
    );
    out(formatOriginal(rows));
    report.original = rows;
  }
  if (settings.phases.includes('report')) {
    const bench = await measureReport({ databaseUrl: database.url, trials: settings.reportTrials, runs: settings.runs, log });
    out(
      `\nHTML report: npm start's race (${bench.race_trials} trials) with --report, and evento report over ${bench.files} result files; ` +
        `budgets ${reportBudgets.raceBytes / 1_000_000} MB and ${reportBudgets.filesMs / 1000} s; ${medianOf}.`,
    );
    out(formatReportBench(bench));
    report.report = bench;
  }
  if (settings.phases.includes('history')) {
    const overheads = await measureHistoryOverhead({ ...common, runs: settings.runs, seconds: settings.seconds, log });
    out(`\nHistory overhead: --history against none, think 0, ${settings.seconds} s per run, ${settings.runs} rounds.`);
    out(flagOverheadText(overheads, historyCost, "evento's clients (its CLI process), its servers, and PostgreSQL"));
    report.history = overheads;
  }
  if (settings.phases.includes('sampling')) {
    const overheads = await measureSamplingOverhead({ ...common, runs: settings.runs, seconds: settings.seconds, log });
    out(`\nWait sampling: --sample-ms 10 against --sample-ms 0, think 0, ${settings.seconds} s per run, ${settings.runs} rounds.`);
    out(
      flagOverheadText(
        overheads,
        samplingCost,
        "evento's clients (its CLI process, the sampler among them), its servers, and PostgreSQL (the sampler's backend among them)",
      ),
    );
    const samplerRounds = await measureSamplerCost({
      databaseUrl: database.url,
      intervalMs: samplingIntervalMs,
      seconds: samplerSeconds,
      rounds: Math.max(settings.runs, 6),
    });
    const shares = overheads.map((overhead) => samplerShare(overhead, samplerRounds, samplingIntervalMs));
    out(samplerShareText(shares, samplingCost, samplerRounds, samplerSeconds));
    report.sampling = { runs: overheads, sampler: { rounds: samplerRounds, shares } };
  }
  if (settings.phases.includes('loadgen')) {
    const loadgen = await measureLoadgen({
      ...common,
      sql: database.sql,
      connections: settings.clients,
      runs: settings.runs,
      seconds: settings.seconds,
      log,
    });
    out(
      `\nLoad generators: evento's clients (think 0) and autocannon, the same two requests (list, then reserve atomic) against one server ` +
        `with ${loadgenPoolSize} connection(s), ${settings.seconds} s per run; reservations/s counted in the database over the middle of each run; ` +
        `${medianOf}, × taken within a round (both back to back, order alternating).`,
    );
    out(formatLoadgen(loadgen.cells));
    const most = Math.max(...settings.clients);
    const profile = flags.profile ? await profileClients({ ...common, sql: database.sql, seconds: settings.seconds, log }, most, 12) : undefined;
    if (profile) {
      out(`\nWhere evento's CLI spends its time at ${most} connections (node --cpu-prof, from its clients' first sample to their last), by self time:`);
      out(formatProfile(profile));
    }
    const serverProfile = flags.profile ? await profileServer({ ...common, sql: database.sql, seconds: settings.seconds, log }, most) : undefined;
    if (serverProfile) {
      out(`\nWhere its server spends its time at ${most} connections (node --cpu-prof), each sample given to the first part its stack passes through:`);
      out(formatServerParts(serverProfile));
    }
    report.loadgen = { pool_size: loadgenPoolSize, seconds: settings.seconds, ...loadgen, profile, server_profile: serverProfile };
  }

  const loadAfter = loadavg();
  await mkdir(flags.resultsDir, { recursive: true });
  const file = join(flags.resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}-bench.json`);
  const environment = {
    node: process.versions.node,
    postgres: server_version,
    cpus: cpus().length,
    database: database.kind,
    loadavg_before: loadBefore,
    loadavg_after: loadAfter,
  };
  await writeFile(
    file,
    `${JSON.stringify({ tool: { name: 'evento', version: toolVersion }, started_at: startedAt.toISOString(), environment, settings, ...report }, null, 2)}\n`,
  );
  out(`\nload average after: ${loadAfter.map((n) => n.toFixed(2)).join(' ')}; wrote ${file}`);
} finally {
  await database.close();
}
