import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { parseArguments } from '../cmd/program.js';
import { runConfigOf } from '../cmd/flags/run-flags.js';
import { UsageError } from '../harness/model/errors.js';
import { projectPath } from '../harness/model/paths.js';
import { serverConfigOf, startServers } from '../harness/race/servers.js';
import { ServerConfigError, serverConfig, serverConfigVariable } from '../server/config.js';
import type { ServerMessage } from '../server/main.js';

const serverEntry = projectPath('dist/server/main.js');
const databaseUrl = 'postgres://127.0.0.1:1/evento';

/** What `build` throws; a build that does not throw fails the test. */
function refusal(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error('not refused');
}

t.test('a configuration gets its defaults, and one at fault is refused in one line naming the field', async (t) => {
  const config = serverConfig({ databaseUrl });
  t.match(config, { poolSize: 8, host: '127.0.0.1', port: 0, prepare: true, chaos: false, strategyModules: [] });
  t.match(config.idempotency, { enabled: true, ttlMs: 86_400_000, leaseMs: 5_000 });
  const refusals: [unknown, RegExp][] = [
    [{ databaseUrl, poolSize: 'eight' }, /^the server configuration is not valid: poolSize: .*"eight"/],
    [{ databaseUrl, poolSize: 0 }, /^the server configuration is not valid: poolSize: /],
    [{ databaseUrl, idempotency: { leaseMs: Number.NaN } }, /^the server configuration is not valid: idempotency\.leaseMs: /],
    [{ databaseUrl, pool_size: 8 }, /^the server configuration is not valid: pool_size: /],
    [{ poolSize: 8 }, /^the server configuration is not valid: databaseUrl: /],
  ];
  for (const [input, message] of refusals) {
    const error = refusal(() => serverConfig(input));
    t.ok(error instanceof ServerConfigError, JSON.stringify(input));
    t.match((error as Error).message, message);
    t.notOk((error as Error).message.includes('\n'), 'in one line');
  }
});

t.test('request ids are timed as the documented variables say, and one that is not a number is a usage error', async (t) => {
  const config = serverConfigOf(databaseUrl, 2, { idempotency: false }, { EVENTO_IDEMPOTENCY_LEASE_MS: '1000' });
  t.match(config.idempotency, { enabled: false, leaseMs: 1_000, ttlMs: 86_400_000 });
  t.equal(serverConfigOf(databaseUrl, 2, {}, { EVENTO_IDEMPOTENCY: 'off' }).idempotency.enabled, false, 'the variable decides when the options do not');
  const error = refusal(() => serverConfigOf(databaseUrl, 2, {}, { EVENTO_IDEMPOTENCY_TTL_MS: 'a day' }));
  t.ok(error instanceof UsageError);
  t.match((error as Error).message, /idempotency\.ttlMs: /);
});

t.test("the servers' Node flags are an option of the harness, which the CLI reads from EVENTO_SERVER_NODE_ARGS", async (t) => {
  const refused = await startServers(1, databaseUrl, 1, { nodeArgs: ['--no-such-node-flag'] }).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.match(refused, { name: 'EnvironmentError', message: /did not start: exited with code 9/ }, 'Node refused the flag: it reached the server process');
  const invocation = await parseArguments(['node', 'evento', 'run']);
  if (invocation.command !== 'run') throw new Error(`parsed as ${invocation.command}`);
  const config = runConfigOf(invocation.flags, { EVENTO_SERVER_NODE_ARGS: ' --cpu-prof  --cpu-prof-dir=prof ' });
  t.same(config.serverNodeArgs, ['--cpu-prof', '--cpu-prof-dir=prof'], 'split on spaces');
  t.equal(runConfigOf(invocation.flags, {}).serverNodeArgs, undefined, 'none unless set');
});

t.test('a forked server refuses a malformed configuration over IPC, before it connects anywhere', async (t) => {
  const cases: [string | undefined, RegExp][] = [
    [undefined, new RegExp(`^${serverConfigVariable} is not set`)],
    ['{"databaseUrl":', new RegExp(`^${serverConfigVariable} is not JSON: `)],
    [JSON.stringify({ databaseUrl, poolSize: 'eight' }), /^the server configuration is not valid: poolSize: /],
  ];
  for (const [text, message] of cases) {
    const { [serverConfigVariable]: _unset, ...env } = process.env;
    const child = fork(serverEntry, [], { env: text === undefined ? env : { ...env, [serverConfigVariable]: text }, execArgv: [], stdio: 'pipe' });
    const [reply] = (await once(child, 'message')) as [ServerMessage];
    const [code] = (await once(child, 'exit')) as [number];
    t.equal(reply.type, 'failed');
    t.match(reply.type === 'failed' ? reply.message : '', message);
    t.notOk(reply.type === 'failed' && reply.message.includes('\n'), 'in one line');
    t.equal(code, 1);
  }
});

t.test('a server started by hand says why on stderr, in one line', async (t) => {
  const child = spawn(process.execPath, [serverEntry], {
    env: { ...process.env, [serverConfigVariable]: JSON.stringify({ databaseUrl, port: 70_000 }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  t.equal(code, 1);
  t.match(stderr, /^evento server: the server configuration is not valid: port: .*\n$/);
  t.equal(stderr.trimEnd().split('\n').length, 1);
});
