import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { at } from '../lib/at.js';
import { median } from './stats.js';

/** CPU time and memory of processes, read from /proc (Linux only). */

const ticksPerSecond = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime, in clock ticks. */
  own: number;
  /** cutime + cstime: children that exited and were waited for. */
  reaped: number;
}

async function procStat(pid: number | 'self'): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const field = (index: number) => at(fields, index);
  return { ppid: field(1), own: field(11) + field(12), reaped: field(13) + field(14) };
}

async function childrenOf(parent: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^[0-9]+$/.test(entry)).map(Number);
  const stats = await Promise.all(pids.map(async (pid) => [pid, await procStat(pid)] as const));
  return stats.filter(([, stat]) => stat?.ppid === parent).map(([pid]) => pid);
}

/** A process and all its children, dead or alive, in ticks: a postmaster and its backends, or a CLI and its servers. */
export async function treeTicks(root: number): Promise<number> {
  const self = await procStat(root);
  if (!self) return 0;
  const children = await Promise.all((await childrenOf(root)).map((pid) => procStat(pid)));
  return self.own + self.reaped + children.reduce((sum, child) => sum + (child?.own ?? 0), 0);
}

/** A process's own ticks, without its children's: evento's CLI apart from its servers. */
export async function ownTicks(pid: number): Promise<number> {
  return (await procStat(pid))?.own ?? 0;
}

/** Ticks of this process's children that exited and were waited for, e.g. a finished pgbench. */
export async function reapedChildrenTicks(): Promise<number> {
  const self = await procStat('self');
  if (!self) throw new Error('cannot read /proc/self/stat: the bench measures CPU on Linux only');
  return self.reaped;
}

/** Busy ticks of the whole machine, all cores (everything but idle and iowait). */
async function machineBusyTicks(): Promise<number> {
  const line = at((await readFile('/proc/stat', 'utf8')).split('\n'), 0);
  const ticks = line.split(/\s+/).slice(1).map(Number);
  const field = (index: number) => at(ticks, index);
  const [user, nice, system, irq, softirq, steal] = [field(0), field(1), field(2), field(5), field(6), field(7)];
  return user + nice + system + irq + softirq + steal;
}

export interface CpuSample {
  at: number;
  harness: number;
  /** The load generator's own process, apart from the processes it started (0 when not asked). */
  root: number;
  postgres: number;
  machine: number;
}

/**
 * `harnessTicks` counts the load generator, `rootTicks` its own process alone (evento's CLI
 * without its servers); `postgresPid` is the postmaster (no figure when unknown).
 */
export async function sampleCpu(
  harnessTicks: () => Promise<number>,
  postgresPid: number | undefined,
  rootTicks: () => Promise<number> = () => Promise.resolve(0),
): Promise<CpuSample> {
  const [harness, root, postgres, machine] = await Promise.all([
    harnessTicks(),
    rootTicks(),
    postgresPid ? treeTicks(postgresPid) : 0,
    machineBusyTicks(),
  ]);
  return { at: performance.now(), harness, root, postgres, machine };
}

/** Where the machine's CPU went between two samples, in % of all cores over the wall time. */
export interface CpuSplit {
  /** The load generator: evento's CLI and server processes, or pgbench. */
  harness: number;
  /** Of the harness, its own process: evento's CLI, where the clients run (its servers are the rest); 0 when not sampled. */
  cli: number;
  postgres: number;
  /** Everything else on the machine (other users' work): the noise of the figure. */
  other: number;
}

/** Each share's median over the runs that have a split. */
export function medianCpu(splits: (CpuSplit | undefined)[]): CpuSplit | undefined {
  const known = splits.filter((split): split is CpuSplit => split !== undefined);
  if (known.length === 0) return undefined;
  return {
    harness: median(known.map((split) => split.harness)),
    cli: median(known.map((split) => split.cli)),
    postgres: median(known.map((split) => split.postgres)),
    other: median(known.map((split) => split.other)),
  };
}

export function cpuSplit(before: CpuSample, after: CpuSample): CpuSplit {
  const capacity = (((after.at - before.at) / 1000) * ticksPerSecond * cpus().length) / 100;
  // Tenths of a percent: a CPU share per reservation is read to a few percent.
  const percent = (ticks: number) => Math.round((ticks / capacity) * 10) / 10;
  const harness = after.harness - before.harness;
  const postgres = after.postgres - before.postgres;
  return {
    harness: percent(harness),
    cli: percent(after.root - before.root),
    postgres: percent(postgres),
    other: percent(Math.max(0, after.machine - before.machine - harness - postgres)),
  };
}

/** Peak resident set size (VmHWM) in MB, or undefined once the process is gone. */
async function peakRssMb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmHWM:\s+([0-9]+) kB/m.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

/** Follows a process and its children until stopped: the highest peak RSS seen for each. */
export function watchPeakRss(root: number, everyMs = 200) {
  const peaks = new Map<number, number>();
  const sample = async () => {
    for (const pid of [root, ...(await childrenOf(root))]) {
      const mb = await peakRssMb(pid);
      if (mb !== undefined) peaks.set(pid, Math.max(mb, peaks.get(pid) ?? 0));
    }
  };
  const timer = setInterval(() => void sample(), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      return { root: peaks.get(root) ?? 0, children: [...peaks].filter(([pid]) => pid !== root).map(([, mb]) => mb) };
    },
  };
}

/** The postmaster serving a backend, when it runs on this machine; undefined otherwise. */
export async function postmasterOf(backendPid: number): Promise<number | undefined> {
  const backend = await procStat(backendPid);
  const command = backend && (await readFile(`/proc/${backend.ppid}/cmdline`, 'utf8').catch(() => ''));
  return backend && command?.includes('postgres') ? backend.ppid : undefined;
}
