import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { at } from '../lib/at.js';
import { cliPath, readResult, tagGone } from './helpers.js';

const hideCursor = '\u001b[?25l';
const showCursor = '\u001b[?25h';
// eslint-disable-next-line no-control-regex -- what the terminal draws is escape sequences, which begin with the ESC control character.
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

interface TerminalRun {
  code: number | null;
  output: string;
  tag: string;
}

/**
 * `evento …` in a pseudo-terminal of 120 × 40 (util-linux `script`), outside CI, as a person
 * at a terminal runs it. `onOutput` sees the screen bytes as they come and may type keys.
 */
function runInTerminal(args: string[], options: { timeoutMs: number; onOutput?: (output: string, type: (keys: string) => void) => void }) {
  const tag = randomUUID();
  const { CI: _ci, ...env } = process.env;
  const command = `stty cols 120 rows 40; exec ${[process.execPath, cliPath, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    env: { ...env, TERM: 'xterm-256color', DATABASE_URL: '', EVENTO_TEST_TAG: tag },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const type = (keys: string) => child.stdin.write(keys);
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    options.onOutput?.(output, type);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise<TerminalRun>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output, tag });
    });
  });
}

const scratch = () => mkdtemp(join(tmpdir(), 'evento-tui-test-'));

t.test('run in a terminal: the dashboard, then the verdict and the table; terminal restored, nothing left', async (t) => {
  const dir = await scratch();
  const run = await runInTerminal(
    ['run', '--strategy', 'atomic', '--clients', '20', '--servers', '1', '--hotels', '2', '--rooms', '15', '--think-ms', '0', '--results-dir', dir],
    { timeoutMs: 300_000 },
  );
  const screen = plain(run.output);
  t.equal(run.code, 0, `exit 0 (last output: ${screen.slice(-400)})`);
  t.match(screen, /evento run {2}\s*atomic/, 'the dashboard header names the strategy');
  t.match(screen, /1 servers · 2 hotels × 15 rooms/, 'and the parameters');
  t.match(screen, /✔ atomic {2}SAFE {2}30 \/ 30 rooms/, 'the final frame has the verdict');
  t.match(screen, /│ atomic +│ .*│ SAFE +│/, 'then the table, unranked: one strategy has nothing to be ranked against, so no rank column');
  t.ok(run.output.includes(hideCursor), 'the dashboard hid the cursor');
  t.ok(run.output.lastIndexOf(showCursor) > run.output.lastIndexOf(hideCursor), 'and showed it again before exiting');
  t.equal((await readdir(dir)).filter((name) => name.endsWith('-atomic.json')).length, 1, 'the result file is written');
  t.same(await tagGone(run.tag), [], 'no postgres or server process outlives the run');
});

t.test('Ctrl-C on the dashboard: partial results audited and written, exit 130, nothing left', async (t) => {
  const dir = await scratch();
  let typed = false;
  const run = await runInTerminal(
    // Slow clients on many rooms: the run is still going when the key comes.
    [
      'run',
      '--strategy',
      'pessimistic',
      '--clients',
      '20',
      '--servers',
      '2',
      '--hotels',
      '2',
      '--rooms',
      '5000',
      '--think-ms',
      '50-100',
      '--timeout',
      '60',
      '--results-dir',
      dir,
    ],
    {
      timeoutMs: 300_000,
      onOutput(output, type) {
        // After the first tick that saw reservations: a run well under way.
        if (!typed && /\n[1-9][0-9,]* requests · [1-9]/.test(plain(output))) {
          typed = true;
          type('\u0003');
        }
      },
    },
  );
  const screen = plain(run.output);
  t.ok(typed, 'the dashboard came up and Ctrl-C was typed');
  t.equal(run.code, 130, `exit 130 (last output: ${screen.slice(-400)})`);
  t.match(screen, /pessimistic {2}SAFE {2}[0-9,]+ \/ 10,000 rooms.* · stopped early/, 'the partial run has its verdict');
  t.ok(run.output.lastIndexOf(showCursor) > run.output.lastIndexOf(hideCursor), 'the cursor is back');
  const files = (await readdir(dir)).filter((name) => name.endsWith('-pessimistic.json'));
  t.equal(files.length, 1, 'a partial result file is written');
  const result = await readResult(join(dir, at(files, 0)));
  t.equal(result.outcome.stopped_by, 'interrupted', 'marked as interrupted');
  t.ok(result.outcome.rooms_reserved > 0 && result.outcome.rooms_reserved < 10_000, 'stopped mid-run, what was written is counted');
  t.same(await tagGone(run.tag), [], 'no postgres or server process is left');
});
