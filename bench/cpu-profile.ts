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

/** A profile's nodes by id, and the span of its samples from the first with a frame of `folder` on its stack to the last. */
async function readProfile(file: string, folder: string) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node] as const)));
  const inFolder = new Set<number>();
  const mark = (id: number, below: boolean) => {
    const node = nodes.get(id);
    if (!node) return;
    const here = below || node.callFrame.url.includes(folder);
    if (here) inFolder.add(id);
    for (const child of node.children ?? []) mark(child, here);
  };
  const [root] = profile.nodes;
  if (root) mark(root.id, false);
  const first = profile.samples.findIndex((id) => inFolder.has(id));
  const last = profile.samples.findLastIndex((id) => inFolder.has(id));
  return { profile, nodes, parents, first, last };
}

/**
 * Self time per function and per origin, largest first, `top` of each, over the clients' phase
 * only: from the first sample with a client-sim frame on its stack to the last one, so that
 * the process's start (loading modules) and its end (the audit, the result) are left out.
 */
export async function summarizeCpuProfile(file: string, top: number): Promise<ProfileSummary> {
  const { profile, nodes, first, last } = await readProfile(file, '/client-sim/');

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

/**
 * The parts of a server's work, each sample given to the first whose test its stack passes
 * (frames from the sampled function outwards): what is left of a server's time per request.
 */
type CallFrame = CpuProfile['nodes'][number]['callFrame'];

const serverParts: { name: string; holds: (frames: CallFrame[]) => boolean }[] = [
  { name: 'garbage collector', holds: ([top]) => top?.functionName === '(garbage collector)' },
  { name: 'postgres.js: building, writing and reading statements', holds: (frames) => frames.some((frame) => frame.url.includes('/postgres/')) },
  {
    name: 'the replies: send() and its socket write',
    holds: (frames) => frames.some((frame) => frame.url.endsWith('/server/replies.js') && frame.functionName === 'send'),
  },
  {
    name: "evento's routes and strategies: validation, request ids, phase timing",
    holds: (frames) => frames.some((frame) => /\/(server|strategies)\/|valibot/.test(frame.url)),
  },
  {
    name: "node:http's parsing and the socket reads",
    holds: (frames) => frames.some((frame) => /^node:(_http_|net|internal\/stream_base_commons)/.test(frame.url)),
  },
  { name: 'the rest: the event loop, timers, promises', holds: () => true },
];

/** A server's busy time by part (serverParts), from the first request its fast path took to the last: its start is left out. */
export async function serverProfileParts(file: string): Promise<{ busyMs: number; parts: SelfTime[] }> {
  const { profile, nodes, parents, first, last } = await readProfile(file, '/server/fast-path.js');
  const totals = new Map<string, number>();
  let busyUs = 0;
  for (let index = Math.max(first, 0); first >= 0 && index <= last; index += 1) {
    const frames: CallFrame[] = [];
    for (let node = nodes.get(profile.samples[index] ?? -1); node; node = parents.get(node.id)) frames.push(node.callFrame);
    if (frames[0]?.functionName === '(idle)') continue;
    const us = profile.timeDeltas[index + 1] ?? 0;
    busyUs += us;
    const part = serverParts.find(({ holds }) => holds(frames))?.name ?? 'the rest';
    totals.set(part, (totals.get(part) ?? 0) + us);
  }
  const parts = serverParts.map(({ name }) => {
    const us = totals.get(name) ?? 0;
    return { name, selfMs: Math.round(us / 1000), share: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : 0 };
  });
  return { busyMs: Math.round(busyUs / 1000), parts };
}
