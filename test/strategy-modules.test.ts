import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { seedEvent } from '../harness/workloads/event.js';
import { projectPath } from '../harness/model/paths.js';
import { useStrategyModule } from '../harness/race/strategy-modules.js';
import { formatKeptSafe } from '../cmd/output/history-text.js';
import { at } from '../lib/at.js';
import { slotStrategies, strategies, StrategyRegistry } from '../strategies/registry.js';
import { claimStatement, contendedRace, parsedCli, raceIn, readResult, roomRuns, runCli, serveApp, strategyNamed, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const dir = await mkdtemp(join(tmpdir(), 'evento-modules-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const example = (file: string) => projectPath(`examples/strategies/${file}`);
// The modules this file loads, as one command's registry holds them.
const registry = new StrategyRegistry();
const moduleStrategy = async (path: string) => {
  const strategy = registry.find(await useStrategyModule(registry, path));
  if (!strategy) throw new Error(`${path} was not registered`);
  return strategy;
};

/** Writes a module into the scratch folder (no package.json there: a .ts file loads as CommonJS) and returns its path. */
async function moduleFile(name: string, text: string) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

// The one-statement claim, then what a module answers from it.
const claim = `
  ${claimStatement()}
  if (row) return { status: 'reserved', reservation: { id: row.id, event_id: eventId, hotel_id: hotelId, rooms, email, status: 'CONFIRMED' } };
  const [left] = await sql\`select contracted - (reserved + locked) as available from event_hotel_rooms where event_id = \${eventId} and hotel_id = \${hotelId}\`;
  return left ? { status: 'insufficient', available: left.available } : { status: 'not_found' };
`;

t.test('nowait, a .ts module, never overbooks or drifts beside atomic, 5 contended runs; its lost races are lock_timeout conflicts', async (t) => {
  const nowait = await moduleStrategy(example('nowait.ts'));
  t.equal(nowait.module, example('nowait.ts'), 'the strategy knows its file, which the servers load');
  const runs = roomRuns([strategyNamed('atomic'), ...Array<typeof nowait>(5).fill(nowait)]);
  const { results, stoppedBy } = await raceIn(t, { ...contendedRace, databaseUrl: database.url, runs });
  t.equal(stoppedBy, 'done', 'every run ended by selling out');
  t.same(
    results.map(({ params }) => params.strategy),
    ['atomic', 'nowait', 'nowait', 'nowait', 'nowait', 'nowait'],
    'results carry the module strategy name',
  );
  for (const [index, { outcome, verdict }] of results.entries()) {
    t.equal(outcome.overbooked_rooms, 0, `run ${index}: no overbooked room`);
    t.equal(outcome.drift, 0, `run ${index}: no drift`);
    t.equal(outcome.rooms_reserved, outcome.contracted, `run ${index}: booked == contracted`);
    t.equal(outcome.errors, 0, `run ${index}: no errors`);
    t.equal(verdict.safe, true, `run ${index}: SAFE`);
    t.equal(verdict.promises_safety, true, `run ${index}: promises safety`);
  }
  const nowaits = results.slice(1);
  for (const [index, { outcome }] of nowaits.entries()) {
    t.equal(outcome.conflicts_by_reason.lock_timeout ?? 0, outcome.conflicts, `nowait run ${index}: every conflict was a lock_timeout`);
  }
  t.ok(
    nowaits.some(({ outcome }) => outcome.conflicts > 0),
    'the row was found locked and the request retried',
  );
});

t.test('local-count, a .mjs module, overbooks under contention and the audit catches it', async (t) => {
  const localCount = await moduleStrategy(example('local-count.mjs'));
  // Races are random: retry a bounded number of times until the anomaly shows, fail if it never does.
  const attempts = 8;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const [result] = (await raceIn(t, { ...contendedRace, databaseUrl: database.url, runs: roomRuns([localCount]) })).results;
    if (result && result.outcome.overbooked_rooms > 0) {
      t.pass(`attempt ${attempt}: the audit caught ${result.verdict.label}`);
      t.equal(result.verdict.safe, false, 'the verdict is unsafe');
      t.equal(result.verdict.promises_safety, false, 'local-count does not promise safety');
      return;
    }
  }
  t.fail(`no overbooking in ${attempts} contended runs`);
});

t.test('every built-in declares how it keeps safe, or which anomaly family it shows', async (t) => {
  for (const strategy of [...strategies, ...slotStrategies]) {
    t.not(strategy.safeguard, 'not declared', `${strategy.name}: its safeguard declared`);
    t.not(strategy.anomaly, 'not declared', `${strategy.name}: its anomaly family declared`);
    t.equal(strategy.safeguard !== null, strategy.promisesSafety, `${strategy.name}: a safeguard exactly when it promises safety`);
    t.equal(strategy.anomaly !== null, !strategy.promisesSafety, `${strategy.name}: an anomaly family exactly when it promises none`);
  }
});

t.test('a module that declares how it keeps safe gets it in its result and witness line; one that does not, "not declared"', async (t) => {
  const module = (name: string, declared: string) =>
    moduleFile(
      `${name}.mjs`,
      `export default {
        name: '${name}',
        summary: 'the one-statement claim',
        promisesSafety: true,
        ${declared}
        async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
          ${claim}
        },
      };`,
    );
  const declared = await moduleStrategy(
    await module('declares', "safeguard: { mechanism: 'claims the condition refused', by: 'refusal', status: 422 },"),
  );
  const silent = await moduleStrategy(await module('silent', ''));
  t.match(declared, { safeguard: { by: 'refusal', status: 422 }, anomaly: null }, 'the declaration is kept');
  t.match(silent, { safeguard: 'not declared', anomaly: null }, 'what is left out is said to be so');
  const config = { ...contendedRace.config, clients: 20, history: true };
  const { results } = await raceIn(t, { ...contendedRace, config, databaseUrl: database.url, runs: roomRuns([declared, silent]) });
  const [mine, theirs] = results.map((result) => result.outcome.kept_safe);
  t.match(mine, { mechanism: 'claims the condition refused', count: Number }, 'declared: counted from the history');
  t.match(theirs, { mechanism: 'not declared', count: null }, 'not declared: nothing counted, no mechanism guessed');
  if (mine && theirs) {
    t.match(formatKeptSafe('declares', mine), /^how declares stayed safe: claims the condition refused \d+ \(/, 'its witness line says how');
    t.match(formatKeptSafe('silent', theirs), /^how silent stayed safe: not declared \(the strategy does not declare its safeguard\)/, 'and says so');
  }
});

t.test('a registry is an instance: it lists what was registered after it was made, and no other registry sees it', async (t) => {
  const mine = new StrategyRegistry();
  const before = mine.strategyNames;
  mine.register({ ...strategyNamed('atomic'), name: 'later', module: '/later.mjs' });
  t.same(mine.strategyNames, [...before, 'later'], 'the names, read after, include it');
  t.equal(mine.find('later')?.module, '/later.mjs', 'found by name');
  t.ok(
    mine.holdStrategies.some(({ name }) => name === 'later'),
    'every list derived from it sees it',
  );
  t.equal(new StrategyRegistry().find('later'), undefined, 'another registry does not');
  t.notOk(
    strategies.some(({ name }) => name === 'later'),
    'nor do the built-ins',
  );
});

t.test('a module that declares a safeguard without promising safety is refused', async (t) => {
  const path = await moduleFile(
    'contradiction.mjs',
    `export default { name: 'contradiction', summary: 's', promisesSafety: false, safeguard: { mechanism: 'm', by: 'lock' }, async reserve() { return { status: 'not_found' }; } };`,
  );
  await t.rejects(useStrategyModule(registry, path), /strategy module .*contradiction\.mjs: it declares a safeguard but promisesSafety is false/);
});

t.test('a reserve that throws or answers no outcome is a strategy_error 500; a lost race it throws is a 409', async (t) => {
  const picky = await moduleFile(
    'picky.mjs',
    `export default {
      name: 'picky',
      summary: 'fails as the email asks',
      promisesSafety: true,
      async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
        if (email === 'throw@evento.test') throw new Error('picky on purpose');
        if (email === 'serialize@evento.test') throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        if (email === 'nonsense@evento.test') return { status: 'reserved' };
        ${claim}
      },
    };`,
  );
  await useStrategyModule(registry, picky);
  const { call } = await serveApp(t, database.url, { registry });
  const event = await seedEvent(database.sql, 1, 10);
  const path = `/${event.event_id}/${at(event.hotels, 0).hotel_id}/reserve/picky`;
  const thrown = await call('POST', path, { rooms: 1, email: 'throw@evento.test' });
  t.equal(thrown.status, 500, 'a throw is the server’s fault: 500');
  t.equal(thrown.body.error, 'strategy_error', 'named strategy_error');
  t.match(thrown.body.detail, /picky\.reserve threw: picky on purpose/, 'with what it threw');
  const nonsense = await call('POST', path, { rooms: 1, email: 'nonsense@evento.test' });
  t.equal(nonsense.status, 500, 'no outcome: 500');
  t.match(nonsense.body, { error: 'strategy_error', detail: /picky\.reserve answered no outcome: reservation/ }, 'says what is missing');
  const lost = await call('POST', path, { rooms: 1, email: 'serialize@evento.test' });
  t.match(
    lost,
    { status: 409, body: { error: 'conflict', reason: 'serialization_failure' } },
    'a 40001 it lets through is a conflict, as for the built-ins',
  );
  const fine = await call('POST', path, { rooms: 2, email: 'fine@evento.test' });
  t.match(fine, { status: 201, body: { reservation: { rooms: 2, status: 'CONFIRMED' } } }, 'otherwise it reserves');
  const unknown = await call('POST', `/${event.event_id}/${at(event.hotels, 0).hotel_id}/reserve/nobody`);
  t.ok(unknown.body.strategies?.includes('picky'), 'an unknown strategy’s 400 lists the module strategy among the known ones');
});

t.test('a module that fails on some requests: each failure is counted as a strategy_error and the run sells out', async (t) => {
  const flaky = await moduleFile(
    'flaky.mjs',
    `let calls = 0;
    export default {
      name: 'flaky',
      summary: 'the one-statement claim, but every 5th call throws and every 7th answers nonsense',
      promisesSafety: true,
      async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
        calls += 1;
        if (calls % 5 === 0) throw new Error('flaky on purpose');
        if (calls % 7 === 0) return { status: 'maybe' };
        ${claim}
      },
    };`,
  );
  const strategy = await moduleStrategy(flaky);
  const { results, stoppedBy } = await raceIn(t, { ...contendedRace, databaseUrl: database.url, runs: roomRuns([strategy]) });
  const { outcome, verdict } = at(results, 0);
  t.equal(stoppedBy, 'done', 'the run went on to sell-out');
  t.ok((outcome.errors_by_kind.strategy_error ?? 0) > 0, `strategy errors counted (${outcome.errors_by_kind.strategy_error ?? 0})`);
  t.equal(outcome.errors_by_kind.http_5xx, 0, 'counted as strategy_error, not as another 5xx');
  t.equal(outcome.errors, outcome.errors_by_kind.strategy_error, 'and they are all the errors');
  t.equal(outcome.rooms_reserved, outcome.contracted, 'every room sold');
  t.equal(outcome.overbooked_rooms, 0, 'none overbooked');
  t.equal(verdict.safe, true, 'SAFE');
});

t.test('a module that cannot be used stops the command line with exit 2 and one line naming the file and the problem', async (t) => {
  const strategy = (name: string) =>
    `{ name: '${name}', summary: 'a summary', promisesSafety: true, async reserve() { return { status: 'not_found' }; } }`;
  const bad: [file: string, text: string | undefined, problem: RegExp][] = [
    ['missing.mjs', undefined, /no such file/],
    ['broken.mjs', 'export default {', /does not load: /],
    ['broken.ts', 'const rooms: number = ;\nexport default {};', /does not load: .*broken\.ts(:1|\(1,)/],
    ['named.mjs', `export const strategy = ${strategy('named')};`, /has no default export/],
    [
      'shape.ts',
      `export default { name: 'shape', summary: 'a summary', promisesSafety: 'yes', reserve() {} };`,
      /its default export is not a Strategy: promisesSafety: .*boolean/,
    ],
    [
      'no-reserve.mjs',
      `export default { name: 'no-reserve', summary: 'a summary', promisesSafety: true };`,
      /its default export is not a Strategy: reserve: /,
    ],
    [
      'spaces.mjs',
      `export default ${strategy('my strategy')};`,
      /its default export is not a Strategy: name: expected lower-case letters, digits and dashes/,
    ],
    ['atomic.mjs', `export default ${strategy('atomic')};`, /its name "atomic" is a built-in strategy's/],
    ['strategy.json', '{}', /expected a \.js, \.mjs, \.ts or \.mts file/],
  ];
  // An ES module package, as a project's strategies live in: these checks run in the test process, which carries
  // tap's own TypeScript loader, and there a .ts outside one came back as ENOENT; the spawned CLI covers that case.
  const esm = await mkdtemp(join(dir, 'esm-'));
  await writeFile(join(esm, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const [file, text, problem] of bad) {
    const path = join(esm, file);
    if (text !== undefined) await writeFile(path, text);
    for (const args of [
      ['run', '--strategy', path],
      ['race', '--strategies', `atomic,${path}`],
      ['sweep', '--strategies', `rooms:${path}`, '--clients', '10,20'],
    ]) {
      const { code, stderr } = await parsedCli(args);
      t.equal(code, 2, `${file} (${at(args, 0)}): exit 2`);
      t.equal(stderr.trim().split('\n').length, 1, `${file} (${at(args, 0)}): one line`);
      t.match(
        stderr,
        new RegExp(`strategy module ${path.replace(/[.]/g, '\\.')}: ${problem.source}`),
        `${file} (${at(args, 0)}): names the file and the problem`,
      );
    }
  }
  // Two modules of one command under one name: the second is refused.
  const [first, second] = [join(esm, 'first.mjs'), join(esm, 'second.mjs')];
  for (const path of [first, second]) await writeFile(path, `export default ${strategy('twin')};`);
  for (const args of [
    ['race', '--strategies', `${first},${second}`],
    ['sweep', '--strategies', `${first},${second}`, '--clients', '10,20'],
  ]) {
    const { code, stderr } = await parsedCli(args);
    t.equal(code, 2, `a namesake (${at(args, 0)}): exit 2`);
    t.match(stderr, /strategy module .*second\.mjs: its name "twin" is taken by the strategy module .*first\.mjs/, 'names both files');
  }
  const holds = await parsedCli(['run', '--workload', 'holds', '--strategy', example('nowait.ts')]);
  t.equal(holds.code, 2, 'a module strategy runs the rooms workload only');
  t.match(holds.stderr, /strategy nowait cannot run the holds workload/, 'says so');
});

t.test('the command line races module strategies beside built-ins under their own names, before any server starts when one is bad', async (t) => {
  const missing = await runCli(['run', '--strategy', './no-such-strategy.ts'], { env: { DATABASE_URL: database.url } });
  t.equal(missing.code, 2, 'a missing module: exit 2');
  t.equal(missing.stderr, 'error: strategy module ./no-such-strategy.ts: no such file\n', 'one line, and nothing started');
  const broken = join(dir, 'broken-outside-a-package.ts');
  await writeFile(broken, 'const rooms: number = ;\nexport default {};');
  const unparsed = await runCli(['run', '--strategy', broken], { env: { DATABASE_URL: database.url } });
  t.equal(unparsed.code, 2, 'a .ts outside an ES module package that does not parse: exit 2');
  t.match(
    unparsed.stderr,
    /^error: strategy module .*broken-outside-a-package\.ts: does not load: .*broken-outside-a-package\.ts:1:\d+: ERROR/,
    'its parse error, with file and line',
  );

  const results = join(dir, 'results');
  const junit = join(dir, 'junit.xml');
  const race = await runCli(
    [
      'race',
      '--strategies',
      `atomic,${example('nowait.ts')},${example('local-count.mjs')}`,
      '--clients',
      '40',
      '--hotels',
      '2',
      '--rooms',
      '20',
      '--think-ms',
      '0',
      '--warmup',
      '0',
      '--results-dir',
      results,
      '--junit',
      junit,
      '--assert-no-overbooking',
    ],
    { env: { DATABASE_URL: database.url }, replayIn: t },
  );
  t.equal(race.code, 0, `exit 0: only a strategy that promises safety is held to it (stderr: ${race.stderr.slice(-300)})`);
  t.match(race.stdout, /│ nowait +│/, 'the table names nowait');
  t.match(race.stdout, /│ local-count +│/, 'and local-count');
  const files = (await readdir(results)).sort();
  t.equal(files.length, 3, 'a result file per run');
  t.ok(
    files.some((file) => file.endsWith('-nowait.json')),
    `a result file named after nowait (${files.join(', ')})`,
  );
  const nowait = await readResult(join(results, files.find((file) => file.endsWith('-nowait.json')) ?? ''));
  t.match(nowait, { params: { strategy: 'nowait' }, verdict: { promises_safety: true, safe: true } }, 'its result file');
  t.match(
    await readFile(junit, 'utf8'),
    /<testcase name="rooms:nowait"[^]*<testcase name="rooms:local-count"/,
    'junit has a testcase per module strategy',
  );
});
