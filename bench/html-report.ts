import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCommand } from '../cmd/commands/report.js';
import { projectPath } from '../harness/model/paths.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { at } from '../lib/at.js';

/** What the report's two budgets measured: a race's report under 1 MB, `evento report` over 1,000 files under 2 s. */
export interface ReportBench {
  race_trials: number;
  race_report_bytes: number;
  files: number;
  report_ms: number[];
  /** CPU time of the same report made in this process, without Node's start: what a busy host's queue for the cores leaves out. */
  report_cpu_ms: number[];
  /** The files' report, which groups 1,000 trials of the race's strategies. */
  files_report_bytes: number;
}

export const reportBudgets = { raceBytes: 1_000_000, filesMs: 2000, files: 1000 };

/** `evento …` with `databaseUrl`; resolves with its wall time, rejects with its last words on a non-zero exit. */
function evento(args: string[], databaseUrl: string, limitMs: number): Promise<number> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [projectPath('bin/evento.js'), ...args], {
    env: { ...process.env, CI: 'true', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - startedAt);
      else reject(new Error(`evento ${at(args, 0)} exited ${String(code)}: ${stderr.slice(-400)}`));
    });
  });
}

/**
 * The demo race (`npm start`'s flags) with `--report`, then `evento report` over 1,000 copies of
 * its result files, each a run of its own (a fresh event id), `runs` times.
 */
export async function measureReport(options: { databaseUrl: string; trials: number; runs: number; log: (line: string) => void }): Promise<ReportBench> {
  const dir = await mkdtemp(join(tmpdir(), 'evento-bench-report-'));
  try {
    const results = join(dir, 'results');
    const raceReport = join(dir, 'race.html');
    options.log(`report: a race of every strategy, ${options.trials} trial(s) each, with --report`);
    const raceArgs = ['race', '--think-ms', '0', '--hotels', '1', '--rooms', '300', '--repeat', String(options.trials), '--warmup', '500ms'];
    await evento([...raceArgs, '--results-dir', results, '--report', raceReport], options.databaseUrl, 600_000);
    const raceFiles = (await readdir(results)).filter((name) => name.endsWith('.json'));
    const trials = await Promise.all(raceFiles.map(async (name) => JSON.parse(await readFile(join(results, name), 'utf8')) as StrategyResult));
    const many = join(dir, 'many');
    await mkdir(many);
    for (let index = 0; index < reportBudgets.files; index++) {
      const trial = { ...at(trials, index % trials.length), event_id: randomUUID() };
      await writeFile(join(many, `${String(index).padStart(4, '0')}.json`), JSON.stringify(trial));
    }
    const manyReport = join(dir, 'many.html');
    const reportMs: number[] = [];
    const reportCpuMs: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      options.log(`report: evento report over ${reportBudgets.files} result files, run ${run + 1}/${options.runs}`);
      reportMs.push(Math.round(await evento(['report', many, '-o', manyReport], options.databaseUrl, 60_000)));
      const before = process.cpuUsage();
      await reportCommand([many], { output: manyReport });
      const { user, system } = process.cpuUsage(before);
      reportCpuMs.push(Math.round((user + system) / 1000));
    }
    return {
      race_trials: trials.length,
      race_report_bytes: (await stat(raceReport)).size,
      files: reportBudgets.files,
      report_ms: reportMs,
      report_cpu_ms: reportCpuMs,
      files_report_bytes: (await stat(manyReport)).size,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
