import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v from 'valibot';
import type { Strategy as PublicStrategy } from './public.js';
import { builtInStrategyNames, type StrategyRegistry } from './registry.js';
import { classifyError } from './sqlstate.js';
import { anomalyFamilies, conflictReasons, notDeclared, type ReserveOutcome, type Strategy } from './types.js';
import type { NamespacedUnregister } from 'tsx/esm/api';

/** The files a strategy module may be: JavaScript, or TypeScript loaded without a build step. */
export const moduleExtensions = ['.js', '.mjs', '.ts', '.mts'];

const typeScript = new Set(['.ts', '.mts']);

/** ".js, .mjs, .ts or .mts", for messages. */
export const extensionList = `${moduleExtensions.slice(0, -1).join(', ')} or ${moduleExtensions.at(-1) ?? ''}`;

/** Whether a `--strategy` value names a file rather than a built-in strategy. */
export const isModulePath = (value: string) => value.includes('/') || moduleExtensions.includes(extname(value));

/** A strategy module that cannot be used, and why; the message names the file. */
export class StrategyModuleError extends Error {
  override name = 'StrategyModuleError';
}

/** A module strategy's reserve threw something that is not a lost race, or answered with no outcome: the server's fault, a 500. */
export class StrategyError extends Error {
  override name = 'StrategyError';
}

// Lower case, digits and dashes, as the built-ins are named: safe in a URL path, a file name and a `workload:strategy` item.
const namePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

const safeguardSchema = v.variant('by', [
  v.object({ mechanism: v.string(), by: v.literal('lock') }),
  v.object({ mechanism: v.string(), by: v.literal('conflict'), reason: v.picklist(conflictReasons) }),
  v.object({ mechanism: v.string(), by: v.literal('refusal'), status: v.picklist([409, 422]), reason: v.optional(v.picklist(conflictReasons)) }),
]);

const strategySchema = v.object({
  name: v.pipe(v.string(), v.regex(namePattern, 'expected lower-case letters, digits and dashes, starting with a letter or digit')),
  summary: v.string(),
  promisesSafety: v.boolean(),
  safeguard: v.optional(safeguardSchema),
  anomaly: v.optional(v.nullable(v.picklist(anomalyFamilies))),
  reserve: v.function(),
});

const outcomeSchema = v.variant('status', [
  v.object({
    status: v.literal('reserved'),
    reservation: v.object({
      id: v.string(),
      event_id: v.string(),
      hotel_id: v.string(),
      rooms: v.number(),
      email: v.string(),
      status: v.string(),
    }),
  }),
  v.object({ status: v.literal('conflict'), reason: v.picklist(conflictReasons) }),
  v.object({ status: v.literal('insufficient'), available: v.number() }),
  v.object({ status: v.literal('not_found') }),
]);

/** The first problem valibot found, as "at reservation.id: expected string but received undefined". */
function firstIssue(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]) {
  const [issue] = issues;
  const path = v.getDotPath(issue);
  return `${path ? `${path}: ` : ''}${issue.message}`;
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** An error in one line: a heading that ends in a colon (esbuild's "Transform failed with 1 error:") takes its first detail along. */
function firstLine(error: unknown) {
  const [heading = '', detail] = lines(error instanceof Error ? error.message : String(error));
  return heading.endsWith(':') && detail ? `${heading} ${detail}` : heading;
}

let typeScriptLoader: Promise<NamespacedUnregister> | undefined;

async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!typeScript.has(extname(file))) return (await import(url)) as Record<string, unknown>;
  // One loader for the process, scoped to its own imports: the rest keeps Node's own, and tsx's
  // registrations, one per tsImport, share state that a later one can take from an earlier one.
  typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => register({ namespace: 'evento-strategy-modules' }));
  return (await (await typeScriptLoader).import(url, import.meta.url)) as Record<string, unknown>;
}

/** A .ts file in a package without "type": "module" loads as CommonJS, its default export one level down. */
function defaultExport(module: Record<string, unknown>): unknown {
  const value = module.default;
  const nested = typeof value === 'object' && value !== null && !('reserve' in value) && 'default' in value ? value.default : undefined;
  return nested ?? value;
}

/**
 * Loads the strategy module at `path` (relative to the working directory), checks its default
 * export and wraps its `reserve` so that what it answers is checked too. Throws a
 * StrategyModuleError naming the file and the problem; `registry` holds the modules loaded before it.
 */
export async function loadStrategyModule(path: string, registry: StrategyRegistry): Promise<Strategy & { module: string }> {
  const file = resolve(path);
  const fail = (problem: string) => new StrategyModuleError(`strategy module ${path}: ${problem}`);
  if (!moduleExtensions.includes(extname(file))) throw fail(`expected a ${extensionList} file`);
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) throw fail('no such file');
  let module: Record<string, unknown>;
  try {
    module = await importModule(file);
  } catch (error) {
    throw fail(`does not load: ${firstLine(error)}`);
  }
  const exported = defaultExport(module);
  if (exported === undefined) throw fail('has no default export; export default { name, summary, promisesSafety, reserve }');
  const parsed = v.safeParse(strategySchema, exported);
  if (!parsed.success) throw fail(`its default export is not a Strategy: ${firstIssue(parsed.issues)}`);
  const { name, summary, promisesSafety, safeguard, anomaly } = parsed.output;
  if (safeguard && !promisesSafety) throw fail('it declares a safeguard but promisesSafety is false; drop the safeguard or promise safety');
  if (builtInStrategyNames.includes(name)) throw fail(`its name "${name}" is a built-in strategy's; give it another`);
  const namesake = registry.find(name)?.module;
  if (namesake !== undefined && namesake !== file) throw fail(`its name "${name}" is taken by the strategy module ${namesake}`);
  const strategy = exported as PublicStrategy;
  return {
    name,
    summary,
    promisesSafety,
    // What it leaves out is said to be so, never guessed: no lock, no anomaly family by default.
    safeguard: promisesSafety ? (safeguard ?? notDeclared) : null,
    anomaly: anomaly ?? (promisesSafety ? null : notDeclared),
    module: file,
    async reserve(sql, request): Promise<ReserveOutcome> {
      let outcome: unknown;
      try {
        const { eventId, hotelId, rooms, email, requestId } = request;
        outcome = await strategy.reserve(sql, { eventId, hotelId, rooms, email, requestId });
      } catch (error) {
        // A lost race or a lost database means what it means for the built-ins.
        if (classifyError(error).kind !== 'unexpected') throw error;
        throw new StrategyError(`${name}.reserve threw: ${firstLine(error)}`, { cause: error });
      }
      const checked = v.safeParse(outcomeSchema, outcome);
      if (!checked.success) throw new StrategyError(`${name}.reserve answered no outcome: ${firstIssue(checked.issues)}`);
      return checked.output;
    },
  };
}
