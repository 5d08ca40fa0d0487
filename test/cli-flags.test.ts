import t from 'tap';
import { at } from '../lib/at.js';
import { parsedCli, runCli } from './helpers.js';

// Every numeric flag of run and race, with a value that is not a number and one out of its range
// (below it for every other flag, above it for the rest), and the words of the one line that must
// name the flag and the range. The first goes to run, the second to race.
const integer = (min: number, max: number) => `expected an integer from ${min} to ${max}`;
const share = 'expected a share from 0 to 1';
const numeric: [flag: string, values: [notNumeric: string, below: string, above: string], range: string][] = [
  ['--clients', ['many', '0', '100001'], integer(1, 100_000)],
  ['--servers', ['two', '0', '65'], integer(1, 64)],
  ['--rooms', ['1e3', '0', '1000001'], integer(1, 1_000_000)],
  ['--hotels', ['three', '0', '1001'], integer(1, 1000)],
  ['--max-rooms', ['5.5', '0', '1001'], integer(1, 1000)],
  ['--think-ms', ['soon', '-5', '0-60001'], 'with 0 <= A <= B <= 60000'],
  ['--seed', ['random', '-1', '2147483648'], integer(0, 2_147_483_647)],
  ['--in-flight', ['lots', '0', '100001'], integer(1, 100_000)],
  ['--pool-size', ['auto', '0', '101'], integer(1, 100)],
  ['--duration', ['10', '0s', '25h'], 'from 1ms to 24h'],
  ['--warmup', ['2', '-1s', '11m'], 'from 0 to 10m'],
  ['--timeout', ['1m', '0', '86401'], integer(1, 86_400)],
  ['--confirm-ratio', ['half', '-0.1', '1.5'], share],
  ['--cancel-ratio', ['none', '-1', '2'], share],
  ['--hold-ttl-ms', ['1s', '0', '86400001'], integer(1, 86_400_000)],
  ['--sweep-ms', ['often', '0', '60001'], integer(1, 60_000)],
  ['--resources', ['3x', '0', '1001'], integer(1, 1000)],
  ['--hours', ['day', '0', '8785'], integer(1, 8784)],
  ['--attempts', ['ten', '0', '100001'], integer(1, 100_000)],
  ['--client-timeout-ms', ['50ms', '0', '600001'], integer(1, 600_000)],
  ['--drop-responses', ['some', '-0.5', '1.01'], share],
  ['--chaos-every', ['2', '50ms', '2h'], 'from 100ms to 1h'],
  ['--chaos-latency-ms', ['fast', '0', '10001'], integer(1, 10_000)],
  ['--rate', ['abc', '0', '1000001'], 'expected attempts per second, a number above 0 and at most 1000000'],
  ['--latency-limit', ['50ms', '0', '3600001'], integer(1, 3_600_000)],
  ['--ramp', ['1', '-1s', '2h'], 'from 0 to 1h'],
  ['--batch-ms', ['2ms', '0', '1001'], integer(1, 1000)],
];

// Values that are fine alone and wrong together.
const conflicting: [args: string[], message: string][] = [
  [['run', '--duration', '2m', '--timeout', '60'], '--duration must be shorter than --timeout (60s)'],
  [['race', '--confirm-ratio', '0.7', '--cancel-ratio', '0.5'], '--confirm-ratio 0.7 and --cancel-ratio 0.5 add up to more than 1'],
  [['run', '--strategy', 'naive', '--mode', 'atomic'], '--strategy naive and --mode atomic disagree'],
  [['run', '--workload', 'rooms,holds'], 'run takes one --workload'],
  [['race', '--chaos-every', '1s'], '--chaos-every applies to --chaos kill-server or kill-backends'],
  [['run', '--chaos', 'slow-db', '--chaos-every', '1s'], '--chaos-every applies to --chaos kill-server or kill-backends'],
  [['run', '--chaos', 'kill-server', '--chaos-latency-ms', '5'], '--chaos-latency-ms applies to --chaos slow-db'],
  [['run', '--shard', '3/2'], "--shard <i/N>' argument '3/2' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--shard', '0/2'], "--shard <i/N>' argument '0/2' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--shard', '1/0'], "--shard <i/N>' argument '1/0' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--shard', 'x'], "--shard <i/N>' argument 'x' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--clients', '2', '--shard', '3/4'], '--shard 3/4 has no clients: of --clients 2, only shards 1 to 2 get any'],
  [['run', '--arrivals', 'zipf'], "--arrivals <how>' argument 'zipf' is invalid. Allowed choices are poisson, constant"],
  [['run', '--arrivals', 'constant'], '--arrivals applies to the open loop only: give --rate R too'],
  [['run', '--latency-limit', '100'], '--latency-limit applies to the open loop only: give --rate R too'],
  [['run', '--rate', '100', '--workload', 'slots'], '--rate applies to the rooms workload, not slots'],
  [['run', '--ramp', '1s'], '--ramp applies to --duration and --rate runs'],
  [['run', '--duration', '1s', '--ramp', '2s'], '--ramp must be shorter than --duration (1000 ms)'],
  [['sweep', '--rate', '100,200', '--slo', 'p99'], "--slo <pN=time>' argument 'p99' is invalid. expected pN=time with N one of 95, 99, 999"],
  [['sweep', '--rate', '100,200', '--slo', 'p42=1ms'], "--slo <pN=time>' argument 'p42=1ms' is invalid. expected pN=time"],
  [['sweep', '--rate', '100,0'], "--rate <list>' argument '100,0' is invalid. each item: expected attempts per second"],
  [['sweep', '--clients', '1,2', '--slo', 'p99=50ms'], '--slo needs --rate'],
  [['run', '--batch-ms', '5'], '--batch-ms applies to strategies that batch (batched): run one of them, or drop --batch-ms'],
  [['race', '--strategies', 'atomic,pessimistic', '--batch-ms', '5'], '--batch-ms applies to strategies that batch (batched)'],
  [['sweep', '--clients', '1,2', '--strategies', 'atomic', '--batch-ms', '5'], '--batch-ms applies to strategies that batch (batched)'],
  [
    ['run', '--target', 'http://127.0.0.1:9', '--event', '00000000-0000-4000-8000-000000000000', '--strategy', 'batched', '--batch-ms', '5'],
    '--batch-ms does not apply with --target',
  ],
  [
    ['run', '--chaos', 'kill-server,unplug'],
    "--chaos <faults>' argument 'kill-server,unplug' is invalid. expected a comma-separated list of: kill-server, kill-backends, slow-db",
  ],
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const cases = [
  ...numeric.flatMap(([flag, [notNumeric, below, above], range], index) => {
    const expected = new RegExp(`${escape(flag)} .*${escape(range)}`);
    return [
      { args: ['run', flag, notNumeric], expected },
      { args: ['race', flag, index % 2 ? above : below], expected },
    ];
  }),
  ...conflicting.map(([args, message]) => ({ args, expected: new RegExp(escape(message)) })),
];

t.test('bad values, one flag at a time or together, exit 2 with one line naming the flag and what it accepts', async (t) => {
  for (const { args, expected } of cases) {
    const { code, stderr } = await parsedCli(args);
    const line = args.join(' ');
    t.equal(code, 2, `${line}: exit 2`);
    t.match(stderr, expected, `${line}: names the flag and what it accepts`);
    t.equal(stderr.trim().split('\n').length, 1, `${line}: one line`);
  }
});

t.test('the CLI as a user runs it: the same exit 2 and the same line', async (t) => {
  // An unreachable database: a case that slipped through fails fast with exit 3 instead of running.
  const env = { DATABASE_URL: 'postgres://evento@127.0.0.1:1/nowhere' };
  const sample = [at(cases, 0), at(cases, 1), at(cases, cases.length - 2), at(cases, cases.length - 1)];
  const runs = await Promise.all(sample.map(({ args }) => runCli(args, { env })));
  for (const [index, { args, expected }] of sample.entries()) {
    const { code, stderr } = at(runs, index);
    const line = args.join(' ');
    t.equal(code, 2, `${line}: exit 2`);
    t.match(stderr, expected, `${line}: names the flag and what it accepts`);
    t.equal(stderr.trim().split('\n').length, 1, `${line}: one line`);
  }
});

const event = '00000000-0000-4000-8000-000000000001';
const loadHost = ['load', '--target', 'http://127.0.0.1:9', '--event', event, '--shard', '1/2'];
const startAtAccepts = 'expected an ISO-8601 time with its zone, e.g. 2025-05-01T12:00:00Z, or +N with a unit from now, e.g. +10s; at most 24h ahead';

t.test('load: a --start-at it cannot read, or no --shard, exits 2 with one line saying what to give', async (t) => {
  const refused: [args: string[], message: string][] = [
    ...['soon', '2025-05-01T12:00:00', '2025-13-01T00:00:00Z', '+10', '10s', '+25h', '2999-01-01T00:00:00Z'].map((value): [string[], string] => [
      [...loadHost, '--start-at', value],
      `option '--start-at <time>' argument '${value}' is invalid. ${startAtAccepts}`,
    ]),
    [loadHost.filter((arg) => arg !== '--shard' && arg !== '1/2'), 'load needs --shard i/N'],
    [[...loadHost, '--servers', '3'], "unknown option '--servers'"],
  ];
  for (const [args, message] of refused) {
    const { code, stderr } = await parsedCli(args);
    const line = args.join(' ');
    t.equal(code, 2, `${line}: exit 2`);
    t.match(stderr, new RegExp(escape(message)), `${line}: names the flag and what it accepts`);
    t.equal(stderr.trim().split('\n').length, 1, `${line}: one line`);
  }
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, '+00:00');
  for (const value of ['+0s', '+1.5s', '+24h', '2000-01-01T00:00:00Z', '2000-01-01T08:30+02:00', inAnHour]) {
    t.equal((await parsedCli([...loadHost, '--start-at', value])).code, 0, `--start-at ${value} is taken`);
  }
});

/** Each option of a command's help, its description's lines joined. */
function helpEntries(help: string): string[] {
  const entries: string[][] = [];
  for (const line of help.split('\n')) {
    if (/^ {2}-/.test(line)) entries.push([line.trim()]);
    else if (/^ {3,}\S/.test(line)) entries.at(-1)?.push(line.trim());
  }
  return entries.map((lines) => lines.join(' '));
}

// A value load takes for each flag that needs one.
// A value, or a value and the flags it only applies with.
const loadSamples: Record<string, string | string[]> = {
  '--strategy': 'my-route',
  '--shard': '2/2',
  '--start-at': '+1s',
  '--target': 'http://127.0.0.1:9',
  '--event': event,
  '--token': 'secret',
  '--clients': '4',
  '--max-rooms': '2',
  '--think-ms': '0',
  '--seed': '1',
  '--pick': 'random',
  '--in-flight': '8',
  '--duration': '1s',
  '--rate': '100',
  '--arrivals': ['constant', '--rate', '100'],
  '--latency-limit': ['100', '--rate', '100'],
  '--ramp': ['200ms', '--duration', '1s'],
  '--timeout': '10',
  '--json': 'part.json',
  '--report': 'part.html',
  '--results-dir': 'parts',
  '--progress': 'json',
  '--junit': 'part.xml',
  '--summary-md': 'part.md',
};

t.test("every command's help gives each default once, and load's offers only the flags load takes", async (t) => {
  // Every command evento lists, so that a new one is checked too.
  const listing = (await runCli(['--help'])).stdout.split('Commands:')[1] ?? '';
  const commands = [...listing.matchAll(/^ {2}([a-z]+)/gm)].map(([, name = '']) => name).filter((name) => name !== 'help');
  t.ok(
    ['run', 'race', 'sweep', 'load', 'merge'].every((name) => commands.includes(name)),
    `the commands: ${commands.join(', ')}`,
  );
  const helps = await Promise.all(commands.map((command) => runCli([command, '--help'])));
  for (const [index, command] of commands.entries()) {
    const { code, stdout } = at(helps, index);
    t.equal(code, 0, `${command} --help: exit 0`);
    const twice = helpEntries(stdout).filter((entry) => (entry.match(/\(default/g) ?? []).length > 1);
    t.same(twice, [], `${command} --help: no default printed twice`);
  }
  const loadEntries = helpEntries(at(helps, commands.indexOf('load')).stdout).filter((entry) => !entry.startsWith('-h, --help'));
  t.ok(loadEntries.length > 10, `load --help lists its flags (${loadEntries.length})`);
  for (const entry of loadEntries) {
    const [, flag = ''] = /^(--[a-z-]+)/.exec(entry) ?? [];
    const takesValue = /^--[a-z-]+ </.test(entry);
    const sample = loadSamples[flag];
    if (takesValue && sample === undefined) {
      t.fail(`${flag}: no sample value in this test; add one`);
      continue;
    }
    const args = [
      ...loadHost.filter((arg, position) => !(arg === flag || loadHost[position - 1] === flag)),
      flag,
      ...(takesValue ? [sample ?? ''].flat() : []),
    ];
    const { code, stderr } = await parsedCli(args);
    t.equal(code, 0, `load ${flag}: offered and taken (${stderr.trim()})`);
  }
  for (const refused of ['--servers', '--rooms', '--repeat', '--history', '--audit-sql', '--workload', '--mode']) {
    t.notOk(
      loadEntries.some((entry) => entry.startsWith(`${refused} `)),
      `load --help does not offer ${refused}`,
    );
  }
});
