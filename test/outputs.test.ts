import t from 'tap';
import { chooseOutputs, type ChosenOutputs, type LoadCommand, type Surroundings } from '../cmd/outputs.js';
import { parseArguments } from '../cmd/program.js';

const event = '6b1f5e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const terminal: Surroundings = { stdout: { isTTY: true, write: () => true }, stderr: process.stderr, env: {} };
const pipe: Surroundings = { ...terminal, stdout: { isTTY: false, write: () => true } };

/** The progress view and the outputs (name and path) that a command line gets, parsed as the CLI parses it. */
async function chosen(args: string[], where: Surroundings) {
  const invocation = await parseArguments(['node', 'evento', ...args]);
  let choice: ChosenOutputs;
  switch (invocation.command) {
    case 'run':
    case 'race':
    case 'run-target':
    case 'load':
    case 'sweep':
      choice = chooseOutputs(invocation.command satisfies LoadCommand, invocation.flags, where);
      break;
    default:
      throw new Error(`${invocation.command} runs no load`);
  }
  return { progress: choice.progress, outputs: choice.outputs.map(({ name, path }) => (path === undefined ? name : `${name} ${path}`)) };
}

t.test('the progress view: the dashboard only for run and race on a terminal with a person at it', async (t) => {
  const run = ['run', '--strategy', 'atomic'];
  t.equal((await chosen(run, terminal)).progress, 'dashboard');
  t.equal((await chosen(['race'], terminal)).progress, 'dashboard');
  t.equal((await chosen(run, pipe)).progress, 'lines', 'a pipe gets lines');
  t.equal((await chosen(run, { ...terminal, env: { CI: 'true' } })).progress, 'lines', 'so does CI');
  t.equal((await chosen([...run, '--no-tui'], terminal)).progress, 'lines', 'and --no-tui');
  t.equal((await chosen([...run, '--progress', 'lines'], terminal)).progress, 'lines', 'and --progress lines');
  t.equal((await chosen([...run, '--progress', 'json'], terminal)).progress, 'json', '--progress json on a terminal too');
  t.equal((await chosen(['sweep', '--quick'], terminal)).progress, 'lines', 'a sweep shows its points in lines');
  t.equal((await chosen(['sweep', '--quick', '--progress', 'json'], pipe)).progress, 'json', 'or in JSON when asked');
  const target = ['run', '--target', 'http://127.0.0.1:9', '--event', event];
  t.equal((await chosen(target, terminal)).progress, 'lines', 'a run against a target shows lines');
  const load = ['load', '--target', 'http://127.0.0.1:9', '--event', event, '--shard', '1/2', '--progress', 'json'];
  t.equal((await chosen(load, terminal)).progress, 'json', 'a load host follows --progress json');
});

t.test('the outputs: the table and the result files always, then each file its flag asks for, in the order the "wrote" line names them', async (t) => {
  t.same((await chosen(['race'], pipe)).outputs, ['table', 'results bench-results']);
  const every = ['--json', 'r.json', '--junit', 'j.xml', '--summary-md', 's.md', '--report', 'r.html', '--results-dir', 'out'];
  const all = ['table', 'results out', 'json r.json', 'junit j.xml', 'summary s.md', 'report r.html'];
  t.same((await chosen(['race', ...every], pipe)).outputs, all, 'race');
  t.same((await chosen(['sweep', '--quick', ...every], pipe)).outputs, all, 'sweep');
  t.same((await chosen(['run', '--target', 'http://127.0.0.1:9', '--event', event, ...every], pipe)).outputs, all, 'run --target');
  const load = ['load', '--target', 'http://127.0.0.1:9', '--event', event, '--shard', '2/2', '--json', 'part.json'];
  t.same((await chosen(load, pipe)).outputs, ['table', 'results bench-results', 'json part.json'], 'load');
  t.same(
    (await chosen(['run', '--strategy', 'atomic'], { ...pipe, env: { GITHUB_STEP_SUMMARY: '/summary.md' } })).outputs,
    ['table', 'results bench-results', 'summary'],
    "GitHub's step summary without --summary-md",
  );
});
