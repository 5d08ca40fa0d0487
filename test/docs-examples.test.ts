import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliPath, runCli, useDatabase } from './helpers.js';

/**
 * Every `npx evento …` example in a `sh` block of the README and docs/cli.md, run as written but
 * smaller, must exit with the code its `# exit N` comment gives: the docs say what a user will see.
 */
const documents = ['README.md', 'docs/cli.md'];

interface Example {
  document: string;
  line: string;
  env: Record<string, string>;
  args: string[];
  exitCode: number;
}

function examplesIn(document: string, text: string): Example[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map(([, body = '']) => body.replace(/\\\n\s*/g, ''));
  return blocks.flatMap((body) =>
    body
      .split('\n')
      .filter((line) => /\bnpx evento\b/.test(line))
      .map((line) => {
        const exit = /#\s*exit (\d+)/.exec(line);
        const words = (line.split('#')[0] ?? '').trim().split(/\s+/);
        const env = Object.fromEntries(words.filter((word) => /^[A-Z_]+=/.test(word)).map((word) => word.split(/=(.*)/s, 2) as [string, string]));
        const args = words.slice(words.indexOf('evento') + 1);
        return { document, line, env, args, exitCode: exit ? Number(exit[1]) : Number.NaN };
      }),
  );
}

const flagValue = (args: readonly string[], flag: string) => {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
};

/** The same command at a size a test can afford: later values of a flag override earlier ones. */
function smaller(args: readonly string[], resultsDir: string): string[] {
  const [command] = args;
  if (command !== 'run' && command !== 'race' && command !== 'sweep') return [...args];
  const extra = ['--results-dir', resultsDir, '--think-ms', '0'];
  if (args.includes('--target')) return [...args, ...extra, '--clients', '8'];
  extra.push('--hotels', '1', '--warmup', '0');
  if (Number(flagValue(args, '--rooms') ?? 200) <= 1000) extra.push('--rooms', '20');
  if (command === 'sweep') {
    const firstTwo = (flag: string) => flagValue(args, flag)?.split(',').slice(0, 2);
    const clients = (firstTwo('--clients') ?? ['8']).map((value) => String(Math.min(Number(value), 8)));
    // Hotel sizes as an axis run each point to sell-out, which a fixed time would forbid.
    const roomsAxis = flagValue(args, '--rooms')?.includes(',') ?? false;
    extra.push('--clients', clients.join(','), '--repeat', '2', ...(roomsAxis ? ['--rooms', '20,40'] : ['--duration', '300ms']));
    // Two strategies and two rates show the flags as well as four.
    for (const flag of ['--strategies', '--rate']) {
      const values = firstTwo(flag);
      if (values) extra.push(flag, values.join(','));
    }
  } else if (Number(flagValue(args, '--clients') ?? 200) > 8) extra.push('--clients', '8');
  return [...args, ...extra];
}

const database = await useDatabase(t);

t.test('every command example in the README and docs/cli.md exits as its comment says', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'evento-docs-examples-'));
  const root = new URL('../../', import.meta.url);
  const examples = (await Promise.all(documents.map(async (document) => examplesIn(document, await readFile(new URL(document, root), 'utf8'))))).flat();
  t.ok(examples.length >= 10, `found ${examples.length} examples`);
  t.same(
    examples.filter(({ exitCode }) => Number.isNaN(exitCode)).map(({ line }) => line),
    [],
    'every example says its exit code',
  );
  await writeFile(
    join(dir, 'audit.sql'),
    `select h.name as key, r.contracted as capacity,
       coalesce((select sum(number_of_rooms) from evento.reservations where event_hotel_rooms_id = r.id and status in ('CONFIRMED', 'HELD')), 0) as sold
     from evento.event_hotel_rooms r join evento.hotels h on h.id = r.hotel_id
     where r.event_id = $1`,
  );
  let eventId = '';
  let served: { url: string; stop: () => Promise<number | null> } | undefined;
  let ran = 0;
  for (const example of examples) {
    const args = smaller(example.args, join(dir, 'results')).map((arg) =>
      arg === '<event_id>' ? eventId : arg === 'http://10.0.0.5:8080' ? (served?.url ?? arg) : arg,
    );
    const env = { ...example.env, DATABASE_URL: database.url };
    if (args[0] === 'serve') {
      served = await serveInBackground(
        args.map((arg, index) => (args[index - 1] === '--port' ? '0' : arg)),
        env,
        dir,
      );
      continue;
    }
    const run = await runCli(args, { env, timeoutMs: 120_000, cwd: dir });
    ran += 1;
    t.equal(run.code, example.exitCode, `${example.document}: ${example.line.trim()} (stderr: ${run.stderr.slice(-300)})`);
    if (args[0] === 'seed') eventId = (JSON.parse(run.stdout) as { event_id: string }).event_id;
  }
  if (served) {
    const serveExample = examples.find(({ args }) => args[0] === 'serve');
    t.equal(await served.stop(), serveExample?.exitCode, 'serve: exit as documented on Ctrl-C');
    ran += 1;
  }
  t.comment(`${ran} examples run`);
});

/** `evento serve …` until the test is done with it: its URL, and a stop that sends Ctrl-C and gives the exit code. */
function serveInBackground(args: string[], env: Record<string, string>, cwd: string): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /serving on (\S+)/.exec(stderr)?.[1];
      if (url !== undefined) {
        resolve({
          url,
          stop: async () => {
            child.kill('SIGINT');
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`serve exited ${String(code)} before serving: ${stderr}`)));
  });
}
