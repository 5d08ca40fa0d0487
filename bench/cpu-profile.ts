import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { projectPath } from '../harness/model/paths.js';

/** The parts of a V8 `.cpuprofile` (as `node --cpu-prof` writes it) that a summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Of the busy time: every sample in the window but `(idle)`. */
  share: number;
}

export interface ProfileSummary {
  /** From the first sample in the clients' code to the last one. */
  windowMs: number;
  busyMs: number;
  functions: SelfTime[];
  /** The same time by where the code comes from: a package, Node itself, evento's own folders. */
  origins: SelfTime[];
}

const projectUrl = pathToFileURL(projectPath('')).href;

/** A URL as a place in the project: `undici/lib/api/readable.js`, `client-sim/http-call.js`, `node:net`. */
const shortUrl = (url: string) =>
  url
    .replace(/^.*\/node_modules\//, '')
    .replace(projectUrl, '')
    .replace(/^dist\//, '');

function originOf(url: string, functionName: string) {
  if (!url) return functionName.startsWith('(') ? functionName : 'native (Node and V8 built-ins)';
  if (url.startsWith('node:')) return 'node: (Node core)';
  if (url.startsWith('wasm://')) return 'wasm (llhttp in undici)';
  const path = shortUrl(url);
  return path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : (path.split('/')[0] ?? path);
}

/**
 * Self time per function and per origin, largest first, `top` of each, over the clients' phase
 * only: from the first sample with a client-sim frame on its stack to the last one, so that
 * the process's start (loading modules) and its end (the audit, the result) are left out.
 */
export async function summarizeCpuProfile(file: string, top: number): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const inClients = new Set<number>();
  const mark = (id: number, below: boolean) => {
    const node = nodes.get(id);
    if (!node) return;
    const here = below || node.callFrame.url.includes('/client-sim/');
    if (here) inClients.add(id);
    for (const child of node.children ?? []) mark(child, here);
  };
  const [root] = profile.nodes;
  if (root) mark(root.id, false);
  const first = profile.samples.findIndex((id) => inClients.has(id));
  const last = profile.samples.findLastIndex((id) => inClients.has(id));

  const functions = new Map<string, number>();
  const origins = new Map<string, number>();
  const add = (totals: Map<string, number>, key: string, us: number) => totals.set(key, (totals.get(key) ?? 0) + us);
  let windowUs = 0;
  let busyUs = 0;
  for (let index = Math.max(first, 0); first >= 0 && index <= last; index += 1) {
    const us = profile.timeDeltas[index + 1] ?? 0;
    windowUs += us;
    const frame = nodes.get(profile.samples[index] ?? -1)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    busyUs += us;
    const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    add(functions, `${frame.functionName || '(anonymous)'}${where}`, us);
    add(origins, originOf(frame.url, frame.functionName), us);
  }
  const largest = (totals: Map<string, number>) =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), share: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : 0 }));
  return { windowMs: Math.round(windowUs / 1000), busyMs: Math.round(busyUs / 1000), functions: largest(functions), origins: largest(origins) };
}
