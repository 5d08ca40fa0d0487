import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../harness/model/paths.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { readResultFile } from '../harness/results/results-file.js';
import { at } from '../lib/at.js';
import { cpuSplit, ownTicks, sampleCpu, treeTicks, watchPeakRss, type CpuSample, type CpuSplit } from './proc.js';

export interface CliRun {
  result: StrategyResult;
  wallMs: number;
  /** CPU while the clients ran, from the strategy's start line to its last progress tick. */
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
  /** More flags for the run, after its own: a later flag wins, e.g. to compare a setting. */
  extraArgs?: string[];
  /** Flags for Node itself, before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** More environment for the run, e.g. `EVENTO_SERVER_NODE_ARGS` to profile its servers. */
  env?: Record<string, string>;
}

/** The `--progress json` lines' types (cmd/progress/progress-json.ts), one object per line. */
function progressTypes(lines: string[]): string[] {
  // Other stderr lines (the files written, a warning) are not progress.
  return lines.filter((line) => line.startsWith('{"type":')).map((line) => (JSON.parse(line) as { type: string }).type);
}

/**
 * The CPU split from the first sample to the last one that still saw every process: once the
 * clients stop, servers exit and, until reaped, show no CPU at all, so totals drop.
 */
function clientsPhaseCpu(samples: CpuSample[]): CpuSplit | undefined {
  const noneDropped = (before: CpuSample, after: CpuSample) => after.harness >= before.harness && after.postgres >= before.postgres;
  let last = 0;
  while (last + 1 < samples.length && noneDropped(at(samples, last), at(samples, last + 1))) last += 1;
  return last > 0 ? cpuSplit(at(samples, 0), at(samples, last)) : undefined;
}

/**
 * `evento run …` as a user runs it, against `databaseUrl`, with JSON progress lines on stderr.
 * Killed if it outlives `limitMs`; a non-zero exit is an error carrying the CLI's last words.
 */
export async function runEvento(args: string[], options: CliOptions): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'evento-bench-run-'));
  try {
    const jsonFile = join(dir, 'result.json');
    const startedAt = performance.now();
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        projectPath('bin/evento.js'),
        'run',
        ...args,
        ...(options.extraArgs ?? []),
        '--results-dir',
        dir,
        '--json',
        jsonFile,
        '--progress',
        'json',
      ],
      {
        env: { ...process.env, ...options.env, CI: 'true', DATABASE_URL: options.databaseUrl },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const { pid } = child;
    if (pid === undefined) throw new Error(`cannot start ${process.execPath}`);
    const rss = options.watchRss ? watchPeakRss(pid) : undefined;
    const sample = () =>
      sampleCpu(
        () => treeTicks(pid),
        options.postgresPid,
        () => ownTicks(pid),
      );
    const samples: Promise<CpuSample>[] = [];
    let stderr = '';
    let partial = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-4000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const type of progressTypes(lines)) {
        // The clients phase opens with its strategy's start and ticks until its result.
        if (samples.length === 0 ? type === 'start' : type === 'tick') samples.push(sample());
      }
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), options.limitMs);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(killer);
    const wallMs = Math.round(performance.now() - startedAt);
    const peaks = await rss?.stop();
    if (code !== 0) throw new Error(`evento run ${args.join(' ')} exited with ${String(code)}:\n${stderr}`);
    const result = await readResultFile(jsonFile);
    return {
      result,
      wallMs,
      cpu: clientsPhaseCpu(await Promise.all(samples)),
      peakRssMb: peaks && { cli: peaks.root, servers: peaks.children },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
