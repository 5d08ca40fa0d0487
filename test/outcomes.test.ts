import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { RunStatus } from '../harness/analysis/run-outcome.js';
import { at } from '../lib/at.js';
import { readResult, runCli, useDatabase, type CliRun } from './helpers.js';

const database = await useDatabase(t);
const withDatabase = { DATABASE_URL: database.url };
const scratch = () => mkdtemp(join(tmpdir(), 'evento-outcomes-test-'));
const small = ['--hotels', '1', '--think-ms', '0', '--warmup', '0'];

/** A module that promises safety and checks nothing: two claims on one room overbook it. */
const liarModule = async (dir: string) => {
  const file = join(dir, 'liar.mjs');
  await writeFile(
    file,
    `export default {
  name: 'liar',
  summary: 'claims whatever is asked, checking nothing, and promises safety all the same',
  promisesSafety: true,
  async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
    const [row] = await sql\`
      update event_hotel_rooms set reserved = reserved + \${rooms}, version = version + 1, updated_at = now()
      where event_id = \${eventId} and hotel_id = \${hotelId} returning id
    \`;
    if (!row) return { status: 'not_found' };
    const [{ id }] = await sql\`
      insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
      values (gen_random_uuid(), \${row.id}, \${email}, \${rooms}, 'CONFIRMED', \${requestId}, now()) returning id
    \`;
    return { status: 'reserved', reservation: { id, event_id: eventId, hotel_id: hotelId, rooms, email, status: 'CONFIRMED' } };
  },
};
`,
  );
  return file;
};

const throwerModule = async (dir: string) => {
  const file = join(dir, 'thrower.mjs');
  await writeFile(
    file,
    "export default { name: 'thrower', summary: 'throws on every request', promisesSafety: true, async reserve() { throw new Error('thrown on purpose'); } };\n",
  );
  return file;
};

interface Ended {
  run: CliRun;
  /** Each stderr line, parsed: under --progress json every one must be an object. */
  progress: Record<string, unknown>[];
  junit: string;
  summary: string;
}

/** Runs evento with every output of its ending asked for: the table, JUnit, the summary and JSON progress. */
async function endedRun(args: string[], options: Pick<NonNullable<Parameters<typeof runCli>[1]>, 'env' | 'onStderr'> = {}): Promise<Ended> {
  const dir = await scratch();
  const junit = join(dir, 'junit.xml');
  const summary = join(dir, 'summary.md');
  const run = await runCli([...args, '--results-dir', join(dir, 'results'), '--junit', junit, '--summary-md', summary, '--progress', 'json'], {
    env: options.env ?? withDatabase,
    onStderr: options.onStderr,
  });
  const progress = run.stderr
    .trim()
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { notJson: line };
      }
    });
  return { run, progress, junit: await readFile(junit, 'utf8'), summary: await readFile(summary, 'utf8') };
}

/** The exit code, the table's footer, JUnit, the summary and the last progress object, all saying `status`. */
function saysEverywhere(t: Test, ended: Ended, status: RunStatus, words: string, exitCode: number) {
  const { run, progress, junit, summary } = ended;
  t.equal(run.code, exitCode, `exit ${exitCode} (stderr: ${run.stderr.slice(-400)})`);
  t.same(
    progress.filter((line) => 'notJson' in line),
    [],
    'every stderr line is a JSON object',
  );
  t.match(at(progress, progress.length - 1), { type: 'outcome', outcome: status, exit_code: exitCode }, 'the last progress object says so');
  t.match(junit, new RegExp(`<property name="outcome" value="${status}"/>`), 'JUnit says so');
  t.match(junit, new RegExp(`<property name="exit_code" value="${exitCode}"/>`), 'with the exit code');
  t.match(summary, new RegExp(`^### evento \\w+: \\*\\*${words}\\*\\*`), 'the summary heads with it');
  if (run.stdout !== '') t.match(run.stdout, new RegExp(`\\noutcome: ${words}: .*\\(exit ${exitCode}\\)\\n$`), "the table's footer says so");
}

t.test('passed: every output says passed, exit 0', async (t) => {
  const ended = await endedRun(['run', '--strategy', 'atomic', '--clients', '4', '--rooms', '10', ...small]);
  saysEverywhere(t, ended, 'passed', 'passed', 0);
  t.notMatch(ended.junit, /<failure|<error/, 'no testcase failed');
});

t.test("a broken promise fails the run without any flag: a module's, exit 1", async (t) => {
  const liar = await liarModule(await scratch());
  const ended = await endedRun(['run', '--strategy', liar, '--clients', '8', '--rooms', '1', ...small]);
  saysEverywhere(t, ended, 'promise-broken', 'failed', 1);
  t.match(ended.run.stdout, /OVERBOOKED by \d+/, 'the table shows the overbooking');
  t.match(ended.junit, /<failure type="promise-broken" message="liar promises safety but was OVERBOOKED by \d+"/, 'JUnit fails its testcase');
  t.match(
    ended.progress.filter(({ type }) => type === 'assertion'),
    [{ message: /liar promises safety but was OVERBOOKED/ }],
    'the assertion as an object',
  );
});

t.test('a missed expectation: naive with one client cannot overbook, exit 1', async (t) => {
  const ended = await endedRun(['run', '--strategy', 'naive', '--clients', '1', '--rooms', '10', '--expect-overbooking', ...small]);
  saysEverywhere(t, ended, 'assertion-failed', 'failed', 1);
  t.match(ended.junit, /<failure type="nothing-proved"/, 'JUnit fails its testcase');
});

t.test('timed out: never passed anywhere, exit 3', async (t) => {
  const ended = await endedRun(['run', '--strategy', 'atomic', '--clients', '8', '--rooms', '1000000', '--timeout', '1', ...small]);
  saysEverywhere(t, ended, 'timed-out', 'timed out', 3);
  t.match(ended.junit, /<error type="timeout"/, 'its testcase is in error');
  t.notMatch(ended.summary, /passed/, 'the summary never says passed');
});

t.test('interrupted: Ctrl-C once, the outputs say so, exit 130', async (t) => {
  let interrupted = false;
  const ended = await endedRun(['run', '--strategy', 'atomic', '--clients', '8', '--rooms', '1000000', '--duration', '30s', ...small], {
    onStderr: (text, child) => {
      if (!interrupted && text.includes('"type":"tick"')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    },
  });
  t.ok(interrupted, 'interrupted mid-run');
  saysEverywhere(t, ended, 'interrupted', 'interrupted', 130);
  t.match(ended.junit, /<error type="interrupted"/, 'its testcase is in error');
});

t.test('an environment error during the run: the outputs say error, exit 3', async (t) => {
  const ended = await endedRun(['run', '--strategy', 'atomic', '--clients', '4', '--rooms', '10', ...small], {
    env: { DATABASE_URL: 'postgres://evento@127.0.0.1:1/evento' },
  });
  saysEverywhere(t, ended, 'environment-error', 'error', 3);
  t.match(
    ended.junit,
    /<testcase name="evento run" classname="evento.run"[^>]*>\s*<error type="environment" message="cannot use the database at 127.0.0.1:1/,
    'JUnit has it in error',
  );
  t.equal(ended.run.stdout, '', 'no table: nothing ran');
});

t.test('nothing measured: a module that throws on every request is not SAFE, shows its errors, exit 3', async (t) => {
  const thrower = await throwerModule(await scratch());
  const ended = await endedRun(['run', '--strategy', thrower, '--clients', '2', '--rooms', '10', ...small]);
  saysEverywhere(t, ended, 'nothing-measured', 'nothing measured', 3);
  t.match(ended.run.stdout, /errors/, 'the default table has an errors column');
  t.match(ended.run.stdout, /│\s+thrower\s+│\s+0 \/ 10\s+│[^\n]*│\s+[1-9][0-9]*\s+│ NOTHING MEASURED\s+│/, 'with its count, and the verdict');
  t.notMatch(ended.run.stdout, /SAFE/, 'never SAFE');
  t.match(ended.junit, /<error type="nothing-measured"/, 'its testcase is in error');
  t.match(
    ended.progress.filter(({ type }) => type === 'server'),
    [{ line: /thrown on purpose/ }],
    "the server's own line is an object too",
  );
});

t.test('SIGTERM stops the run as a supervisor means it: results written, then exit 130', async (t) => {
  const dir = await scratch();
  let terminated = false;
  const run = await runCli(
    ['run', '--strategy', 'atomic', '--clients', '8', '--rooms', '1000000', '--duration', '60s', '--timeout', '120', '--results-dir', dir, ...small],
    {
      env: withDatabase,
      onStderr: (text, child) => {
        if (!terminated && / rooms [1-9]/.test(text)) {
          terminated = true;
          child.kill('SIGTERM');
        }
      },
    },
  );
  t.ok(terminated, 'terminated mid-run');
  t.equal(run.code, 130, `exit 130 (stderr: ${run.stderr.slice(-300)})`);
  const result = await readResult(join(dir, at(await readdir(dir), 0)));
  t.equal(result.outcome.stopped_by, 'interrupted', 'the audited partial result was written');
  t.match(run.stdout, /outcome: interrupted/, 'the table and its footer were printed');
});

t.test('environment errors before any trial: one line, exit 3, no stack, nothing run', async (t) => {
  const dir = await scratch();
  const file = join(dir, 'a-file');
  await writeFile(file, '');
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['--results-dir inside a file', ['--results-dir', join(file, 'results')], withDatabase, /--results-dir .*a-file is a file, not a folder/],
    [
      '--results-dir where no folder can be made',
      ['--results-dir', '/proc/evento-nope'],
      withDatabase,
      /--results-dir \/proc\/evento-nope: cannot write there/,
    ],
    ['--junit inside a file', ['--junit', join(file, 'junit.xml')], withDatabase, /--junit .*a-file is a file, not a folder/],
    ['a malformed DATABASE_URL', ['--results-dir', dir], { DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
  ];
  for (const [what, args, env, line] of cases) {
    const run = await runCli(['run', '--strategy', 'atomic', '--clients', '2', '--rooms', '5', ...small, ...args], { env, timeoutMs: 60_000 });
    t.equal(run.code, 3, `${what}: exit 3`);
    t.match(run.stderr, line, `${what}: says what to fix`);
    t.equal(run.stderr.trim().split('\n').length, 1, `${what}: one line (${run.stderr})`);
    t.equal(run.stdout, '', `${what}: nothing ran`);
  }
});
