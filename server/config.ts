import * as v from 'valibot';
import { defaultIdempotencyLeaseMs, defaultIdempotencyTtlMs, type IdempotencyOptions } from './idempotency.js';

const wholeAtLeast = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));

/** How a server handles request_id: the fields of `IdempotencyOptions`, which says what each means. */
const idempotencySchema = v.strictObject({
  enabled: v.optional(v.boolean(), true),
  ttlMs: v.optional(wholeAtLeast(1), defaultIdempotencyTtlMs),
  leaseMs: v.optional(wholeAtLeast(1), defaultIdempotencyLeaseMs),
}) satisfies v.GenericSchema<Partial<IdempotencyOptions>, Required<IdempotencyOptions>>;

/**
 * Everything a server is set up with, declared once: the harness builds it for the processes it
 * forks and for its direct path, `evento serve` from its flags, and a server checks it on receipt.
 */
export const serverConfigSchema = v.strictObject({
  databaseUrl: v.pipe(v.string(), v.nonEmpty()),
  /** Where the tenants workload's queries connect, as the role row-level security holds; without it those routes answer 503. */
  tenantDatabaseUrl: v.optional(v.pipe(v.string(), v.nonEmpty())),
  poolSize: v.optional(wholeAtLeast(1), 8),
  /** The application_name of its database connections, by which the harness finds them. */
  applicationName: v.optional(v.string()),
  host: v.optional(v.pipe(v.string(), v.nonEmpty()), '127.0.0.1'),
  /** 0: a port the OS chooses. */
  port: v.optional(v.pipe(wholeAtLeast(0), v.maxValue(65_535)), 0),
  /** When set, every route but /health requires `Authorization: Bearer <token>`. */
  token: v.optional(v.pipe(v.string(), v.nonEmpty())),
  /** Off behind a pooler that does not keep prepared statements. */
  prepare: v.optional(v.boolean(), true),
  /** Faults will be injected: a server without evento's postgres.js fixes refuses to start. */
  chaos: v.optional(v.boolean(), false),
  /** Strategy modules to load, by absolute path. */
  strategyModules: v.optional(v.array(v.pipe(v.string(), v.nonEmpty())), []),
  /** Fault injection (slow-db): the pause after each read a strategy decides on; none when unset or 0. */
  readPauseMs: v.optional(wholeAtLeast(0)),
  /** How long a strategy that batches gathers a hotel's claims (--batch-ms); its default when unset. */
  batchMs: v.optional(wholeAtLeast(0)),
  idempotency: v.optional(idempotencySchema, {}),
});

/** A server's configuration as checked, every default filled in. */
export type ServerConfig = v.InferOutput<typeof serverConfigSchema>;
/** A server's configuration as its builder writes it: what has a default may be left out. */
export type ServerConfigInput = v.InferInput<typeof serverConfigSchema>;

/** The one environment variable a forked server reads: its configuration, as JSON. */
export const serverConfigVariable = 'EVENTO_SERVER_CONFIG';

/** A configuration a server refuses to start with; its message is one line saying what is wrong. */
export class ServerConfigError extends Error {
  override name = 'ServerConfigError';
}

/** Checks a configuration built in this process; the refusal names the first field at fault. */
export function serverConfig(input: unknown): ServerConfig {
  const result = v.safeParse(serverConfigSchema, input, { abortEarly: true });
  if (result.success) return result.output;
  const [issue] = result.issues;
  const path = v.getDotPath(issue);
  throw new ServerConfigError(`the server configuration is not valid: ${path ? `${path}: ` : ''}${issue.message}`);
}

/** Reads and checks the configuration a forked server was given in its environment. */
export function serverConfigFromEnvironment(env: NodeJS.ProcessEnv): ServerConfig {
  const text = env[serverConfigVariable];
  if (text === undefined || text === '')
    throw new ServerConfigError(`${serverConfigVariable} is not set: a server is started by evento run or evento serve`);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ServerConfigError(`${serverConfigVariable} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return serverConfig(input);
}
