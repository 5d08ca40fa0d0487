import * as hdr from 'hdr-histogram-js';
import { mergeEncoded, summarize } from '../../client-sim/metrics.js';
import { phaseNames, type EncodedPhases, type PhaseName } from '../../strategies/phases.js';
import { median } from './stats.js';

/** One phase over a run's reservations, in milliseconds. */
export interface PhaseSummary {
  /** The mean, which adds up across phases where percentiles do not. */
  mean: number;
  p50: number;
  p99: number;
}

/**
 * Where the reservations' time went in the app tier, from every server's own clock
 * (docs/where-time-goes.md, "The app tier's share"). Per reservation, `server_ms` is
 * `pool_wait_ms + statements_ms + commit_ms + handling_ms`.
 */
export interface AppPhases {
  /** Reservations timed (every strategy call, whatever it answered) over `servers` servers. */
  reservations: number;
  servers: number;
  pool_wait_ms: PhaseSummary;
  statements_ms: PhaseSummary;
  commit_ms: PhaseSummary;
  handling_ms: PhaseSummary;
  server_ms: PhaseSummary;
  /**
   * A reserve request's mean time as its client saw it, split: `client_and_http` is what the
   * servers did not see (HTTP both ways, both event loops, and under --rate the lag behind schedule).
   */
  request_mean_ms: { request: number; client_and_http: number; handling: number; pool_wait: number; statements: number; commit: number };
  /** The servers' histograms merged, in µs, compressed base64 (hdr-histogram-js), for merging runs. */
  histograms: Record<`${PhaseName}_us`, string>;
}

const toMs = (micros: number) => Math.round(micros / 10) / 100;

/**
 * The servers' phases as one, beside `requestMeanMs`, the clients' mean reserve-request time;
 * undefined when no server timed a reservation.
 */
export function summarizeAppPhases(parts: readonly EncodedPhases[], requestMeanMs: number): AppPhases | undefined {
  const reservations = parts.reduce((sum, part) => sum + part.reservations, 0);
  if (reservations === 0) return undefined;
  const merged = Object.fromEntries(
    phaseNames.map((name) => [name, mergeEncoded(parts.map((part) => ({ encoded: part[`${name}_us`], values: part.reservations })))]),
  ) as Record<PhaseName, hdr.Histogram>;
  const summary = (name: PhaseName): PhaseSummary => {
    const { p50, p99 } = summarize(merged[name]);
    return { mean: toMs(merged[name].mean), p50, p99 };
  };
  const mean = (name: PhaseName) => toMs(merged[name].mean);
  const request = Math.round(requestMeanMs * 100) / 100;
  return {
    reservations,
    servers: parts.length,
    pool_wait_ms: summary('pool_wait'),
    statements_ms: summary('statements'),
    commit_ms: summary('commit'),
    handling_ms: summary('handling'),
    server_ms: summary('server'),
    request_mean_ms: {
      request,
      client_and_http: Math.max(0, Math.round((request - mean('server')) * 100) / 100),
      handling: mean('handling'),
      pool_wait: mean('pool_wait'),
      statements: mean('statements'),
      commit: mean('commit'),
    },
    histograms: Object.fromEntries(phaseNames.map((name) => [`${name}_us`, hdr.encodeIntoCompressedBase64(merged[name])])) as AppPhases['histograms'],
  };
}

/** The clients' mean reserve-request time in ms, from their encoded latency histogram. */
export function meanOfEncoded(encoded: string, values: number): number {
  return mergeEncoded([{ encoded, values }]).mean / 1000;
}

/** The median over trials of one figure of their app phases; undefined unless every trial has them. */
export function medianPhase(trials: readonly (AppPhases | undefined)[], figure: (phases: AppPhases) => number): number | undefined {
  const timed = trials.filter((phases) => phases !== undefined);
  return timed.length > 0 && timed.length === trials.length ? median(timed.map(figure)) : undefined;
}

/** The split of a request's mean time, as the table and the report show it: client and HTTP, pool wait, the database (statements and commit), handling. */
export const requestSplit = [
  { name: 'client+HTTP', figure: (phases: AppPhases) => phases.request_mean_ms.client_and_http },
  { name: 'pool wait', figure: (phases: AppPhases) => phases.request_mean_ms.pool_wait },
  { name: 'db', figure: (phases: AppPhases) => phases.request_mean_ms.statements + phases.request_mean_ms.commit },
  { name: 'handling', figure: (phases: AppPhases) => phases.request_mean_ms.handling },
] as const;
