/** What a run's trials share: results whose settings differ are not trials of one run, and are neither pooled nor compared as one. */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parameters that vary by trial (`seed`), name the run (`strategy`, `workload`) or only say how closely it was watched (`sample_ms`). */
const notSettings = new Set(['seed', 'strategy', 'workload', 'sample_ms']);

/** Parameters as `key.sub=value` pairs, so that nested ones (chaos, holds) can be told apart and printed. */
function flatParams(params: Record<string, unknown>, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [key, value] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined || (prefix === '' && notSettings.has(key))) continue;
    if (isObject(value)) for (const [sub, text] of flatParams(value, `${prefix}${key}.`)) flat.set(sub, text);
    else flat.set(`${prefix}${key}`, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return flat;
}

/** A run's settings: its parameters but the seed, the names and the sampling, flattened to `key.sub=value`. */
// A file from before --via took the only path there was.
export const settingsOf = (params: object): Map<string, string> => flatParams({ via: 'http', ...params });

/** The settings in which some of these differ, by name, in the first one's order. */
export function differingSettings(settings: readonly Map<string, string>[]): string[] {
  const keys = [...new Set(settings.flatMap((each) => [...each.keys()]))].sort();
  return keys.filter((key) => new Set(settings.map((each) => each.get(key) ?? '—')).size > 1);
}

/** `key=value` of each differing setting, as labels show them; `—` where one does not have it. */
export const settingsText = (settings: Map<string, string>, keys: readonly string[]) => keys.map((key) => `${key}=${settings.get(key) ?? '—'}`);
