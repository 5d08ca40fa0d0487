import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../harness/paths.js';
import type { StrategyResult } from '../harness/result.js';
import { cpuSplit, sampleCpu, treeTicks, watchPeakRss, type CpuSample, type CpuSplit } from './proc.js';

export interface CliRun {
  result: StrategyResult;
  wallMs: number;
  /** CPU while the clients ran (from the first progress line of the strategy to its last). */
  cpu?: CpuSplit;
  /** Peak RSS in MB of the CLI process and of each process it started (the servers). */
  peakRssMb?: { cli: number; servers: number[] };
}

export interface CliOptions {
  databaseUrl: string;
  /** The postmaster, for the CPU split; no split without it. */
  postgresPid?: number;
  watchRss?: boolean;
  limitMs: number;
}

// The plain progress lines (cmd/progress-lines.ts) that open and close a strategy's clients phase.
const clientsStart = /^evento: [a-z_-]+: event /m;
const clientsEnd = /^evento: [a-z_-]+ (done in|stopped by)/m;

/**
 * `evento run …` as a user runs it, against `databaseUrl`, with progress lines on stderr.
 * Killed if it outlives `limitMs`; a non-zero exit is an error carrying the CLI's last words.
 */
export async function runEvento(args: string[], options: CliOptions): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'evento-bench-run-'));
  try {
    const jsonFile = join(dir, 'result.json');
    const startedAt = performance.now();
    const child = spawn(process.execPath, [projectPath('bin/evento.js'), 'run', ...args, '--results-dir', dir, '--json', jsonFile], {
      env: { ...process.env, CI: 'true', DATABASE_URL: options.databaseUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const rss = options.watchRss ? watchPeakRss(child.pid!) : undefined;
    const sample = () => sampleCpu(() => treeTicks(child.pid!), options.postgresPid);
    let before: Promise<CpuSample> | undefined;
    let after: Promise<CpuSample> | undefined;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-4000);
      if (!before && clientsStart.test(text)) before = sample();
      else if (before && !after && clientsEnd.test(text)) after = sample();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), options.limitMs);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(killer);
    const wallMs = Math.round(performance.now() - startedAt);
    const peaks = await rss?.stop();
    if (code !== 0) throw new Error(`evento run ${args.join(' ')} exited with ${code}:\n${stderr}`);
    const result = JSON.parse(await readFile(jsonFile, 'utf8')) as StrategyResult;
    return {
      result,
      wallMs,
      cpu: before && after ? cpuSplit(await before, await after) : undefined,
      peakRssMb: peaks && { cli: peaks.root, servers: peaks.children },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
