import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { projectPath } from '../harness/model/paths.js';
import { claimStatement, runCli, useDatabase } from './helpers.js';

// evento as a dependency of another project: packed, installed from the tarball into an empty
// project, and raced under kill-backends there, with the postgres.js npm installed beside it.
const run = promisify(execFile);
const database = await useDatabase(t);
const consumer = await mkdtemp(join(tmpdir(), 'evento-consumer-'));
t.teardown(() => rm(consumer, { recursive: true, force: true }));

// --ignore-scripts: the tree is built already, and prepare would delete dist/ under the other tests.
const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], { cwd: projectPath('.') });
const [{ filename }] = JSON.parse(packed) as [{ filename: string }];
await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'evento-consumer', private: true }));
await run('npm', ['install', '--no-fund', '--no-audit', join(consumer, filename)], { cwd: consumer, timeout: 600_000 });
const installed = join(consumer, 'node_modules', 'evento');
const cli = join(installed, 'bin', 'evento.js');

const killBackends = (results: string) => [
  'run',
  '--strategy',
  'atomic',
  '--clients',
  '40',
  '--servers',
  '2',
  '--hotels',
  '2',
  '--rooms',
  // Enough to outlast several faults: a run that sells out before the first one proves nothing.
  '400',
  '--think-ms',
  '0',
  '--chaos',
  'kill-backends',
  '--chaos-every',
  '150ms',
  '--results-dir',
  join(consumer, results),
  '--assert-no-overbooking',
];

t.test('installed from the tarball, evento runs its patched postgres.js and servers survive kill-backends', async (t) => {
  const beside = await readFile(join(consumer, 'node_modules', 'postgres', 'src', 'queue.js'), 'utf8');
  t.notOk(beside.includes('peek'), 'the postgres.js npm installed beside evento is the release as published');
  const patches = JSON.parse(await readFile(join(installed, 'vendor', 'postgres', 'patches.json'), 'utf8')) as { patches: string[] };
  t.equal(patches.patches.length, 6, 'evento carries its own copy with the six fixes');
  // The soak's short lease: the run waits a lease for the request ids the faults left claimed, the default 5 s.
  const race = await runCli(killBackends('results'), {
    cliPath: cli,
    env: { DATABASE_URL: database.url, EVENTO_IDEMPOTENCY_LEASE_MS: '2000' },
    timeoutMs: 120_000,
  });
  t.equal(race.code, 0, `exit 0 (stderr: ${race.stderr.slice(-300)})`);
  t.match(race.stdout, /connections terminated [1-9]\d*, server crashes 0; .*unaccounted 0, lost 0/, 'backends terminated, no server crashed');
});

// A project's own strategy, in TypeScript, typed by the installed package and loaded without a build step.
const myStrategy = (outcome: string) => `import type { Strategy } from 'evento';

const mine: Strategy = {
  name: 'mine',
  summary: 'the one-statement claim, as a project writes it',
  promisesSafety: true,
  async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
    ${claimStatement('sql<{ id: string }[]>')}
    if (!row) return { status: 'insufficient', available: 0 };
    return ${outcome};
  },
};

export default mine;
`;

t.test('a strategy module of the installing project typechecks against evento and races', async (t) => {
  const tsc = projectPath('node_modules/typescript/bin/tsc');
  const typecheck = (file: string) =>
    run(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022', file], { cwd: consumer }).then(
      () => '',
      (error: unknown) => String((error as { stdout?: string }).stdout),
    );
  const good = join(consumer, 'my-strategy.ts');
  await writeFile(
    good,
    myStrategy("{ status: 'reserved', reservation: { id: row.id, event_id: eventId, hotel_id: hotelId, rooms, email, status: 'CONFIRMED' } }"),
  );
  t.equal(await typecheck(good), '', "import type { Strategy } from 'evento' typechecks");
  const wrong = join(consumer, 'wrong-strategy.ts');
  await writeFile(wrong, myStrategy("{ status: 'reserved', id: row.id }"));
  t.match(
    await typecheck(wrong),
    /wrong-strategy\.ts.*error TS2322[^]*Property 'reservation' is missing/,
    'and the types are real: an outcome without its reservation does not',
  );
  const race = await runCli(
    [
      'run',
      '--strategy',
      good,
      '--clients',
      '10',
      '--hotels',
      '1',
      '--rooms',
      '30',
      '--think-ms',
      '0',
      '--warmup',
      '0',
      '--results-dir',
      join(consumer, 'mine'),
    ],
    { cliPath: cli, env: { DATABASE_URL: database.url }, timeoutMs: 120_000 },
  );
  t.equal(race.code, 0, `exit 0 (stderr: ${race.stderr.slice(-300)})`);
  t.match(race.stdout, /│ mine +│ +30 \/ 30/, 'the module strategy sold every room, under its own name');
});

t.test('without the patched copy, servers refuse --chaos and the run exits 3', async (t) => {
  await rm(join(installed, 'vendor'), { recursive: true, force: true });
  const race = await runCli(killBackends('unguarded'), { cliPath: cli, env: { DATABASE_URL: database.url }, timeoutMs: 120_000 });
  t.equal(race.code, 3, 'exit 3');
  t.match(race.stderr, /a server process did not start: --chaos needs evento's postgres.js fixes/, 'says why');
  const plain = await runCli(['seed', '--hotels', '1', '--rooms', '1'], { cliPath: cli, env: { DATABASE_URL: database.url } });
  t.equal(plain.code, 0, 'without --chaos it still works, on the published postgres.js');
});
