import { runEvento, type CliOptions } from './evento-cli.js';
import { medianCpu, type CpuSplit } from './proc.js';
import { median } from './stats.js';

export interface ScaleOptions extends Omit<CliOptions, 'limitMs' | 'watchRss'> {
  clients: number;
  servers: number;
  hotels: number;
  rooms: number;
  runs: number;
  log(line: string): void;
}

/** One run to sell-out with many clients: what it costs the CLI and each server. */
export interface ScaleRun {
  wallMs: number;
  clientsPhaseMs: number;
  cliPeakRssMb: number;
  serverPeakRssMb: number[];
  errors: number;
  roomsSold: number;
  contracted: number;
  auditClean: boolean;
  cpu?: CpuSplit;
}

export interface ScaleReport {
  params: { clients: number; servers: number; hotels: number; rooms: number; think_ms: string };
  /** Medians over the runs; errors is the most any run had. */
  median: Omit<ScaleRun, 'auditClean'>;
  /** Every run sold every room with a clean audit. */
  allSoldAndClean: boolean;
  runs: ScaleRun[];
}

const thinkMs = '0-300';

export async function measureScale(options: ScaleOptions): Promise<ScaleReport> {
  const runs: ScaleRun[] = [];
  for (let round = 1; round <= options.runs; round += 1) {
    const args = [
      '--strategy',
      'atomic',
      '--think-ms',
      thinkMs,
      '--clients',
      String(options.clients),
      '--servers',
      String(options.servers),
      '--hotels',
      String(options.hotels),
      '--rooms',
      String(options.rooms),
      '--timeout',
      '300',
    ];
    const run = await runEvento(args, { ...options, watchRss: true, limitMs: 330_000 });
    const { outcome, verdict } = run.result;
    const peaks = run.peakRssMb;
    if (!peaks) throw new Error('a run that watches memory reports its peaks');
    const scaleRun: ScaleRun = {
      wallMs: run.wallMs,
      clientsPhaseMs: outcome.duration_ms,
      cliPeakRssMb: peaks.cli,
      serverPeakRssMb: peaks.servers,
      errors: outcome.errors,
      roomsSold: outcome.rooms_reserved,
      contracted: outcome.contracted,
      auditClean: verdict.safe,
      cpu: run.cpu,
    };
    options.log(
      `round ${round}: ${options.clients} clients sold ${scaleRun.roomsSold}/${scaleRun.contracted} rooms in ${run.wallMs} ms ` +
        `(clients ${scaleRun.clientsPhaseMs} ms), CLI peak RSS ${scaleRun.cliPeakRssMb} MB, errors ${scaleRun.errors}`,
    );
    runs.push(scaleRun);
  }
  const servers = Math.max(...runs.map((run) => run.serverPeakRssMb.length));
  return {
    params: { clients: options.clients, servers: options.servers, hotels: options.hotels, rooms: options.rooms, think_ms: thinkMs },
    median: {
      wallMs: median(runs.map((run) => run.wallMs)),
      clientsPhaseMs: median(runs.map((run) => run.clientsPhaseMs)),
      cliPeakRssMb: median(runs.map((run) => run.cliPeakRssMb)),
      serverPeakRssMb: Array.from({ length: servers }, (_, index) => median(runs.map((run) => run.serverPeakRssMb[index] ?? NaN))),
      errors: Math.max(...runs.map((run) => run.errors)),
      roomsSold: median(runs.map((run) => run.roomsSold)),
      contracted: median(runs.map((run) => run.contracted)),
      cpu: medianCpu(runs.map((run) => run.cpu)),
    },
    allSoldAndClean: runs.every((run) => run.auditClean && run.roomsSold === run.contracted),
    runs,
  };
}
