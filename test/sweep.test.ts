import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import t, { type Test } from 'tap';
import type { StrategyResult } from '../harness/model/result-schema.js';
import type { sweepDocument } from '../harness/race/sweep.js';
import { runCli } from './helpers.js';

type SweepJson = ReturnType<typeof sweepDocument>;

/** Where people look at what the browser saw: bench-results/ is kept out of git. */
const screenshotDir = fileURLToPath(new URL('../../bench-results/', import.meta.url));

/** Debian's chromium, or CHROMIUM_PATH; undefined when neither is there. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // Not on PATH under this name: try the next.
    }
  }
  return undefined;
}

interface PageCheck {
  consoleErrors: string[];
  requestsOffDisk: string[];
  charts: { key: string; drawn: boolean }[];
  timelines: { drawn: boolean; lanes: number; bars: number; witnessBars: string[]; witnessLabels: string[] }[];
  text: string;
}

/** Run in the page (a string: the project compiles without the DOM's types): each chart and whether its canvas has a painted pixel. */
const chartsDrawn = `[...document.querySelectorAll('[data-chart]')].map((element) => {
  const canvas = element.querySelector('canvas');
  const pixels = canvas ? canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data : [];
  let painted = false;
  for (let i = 3; i < pixels.length && !painted; i += 4) painted = pixels[i] > 0;
  return { key: element.getAttribute('data-chart'), drawn: painted };
})`;

/** Run in the page: each timeline, its lanes and bars, and the witnesses' bars it highlights and names. */
const timelinesDrawn = `[...document.querySelectorAll('[data-timeline]')].map((element) => ({
  drawn: element.dataset.drawn === 'true',
  lanes: element.querySelectorAll('svg g.lane').length,
  bars: element.querySelectorAll('svg rect.bar').length,
  witnessBars: [...element.querySelectorAll('svg rect.bar.witness')].map((rect) => rect.dataset.witness),
  witnessLabels: [...element.querySelectorAll('svg text.witness')].map((text) => text.textContent),
}))`;

/**
 * Opens the report in Chromium with every network request refused, its screenshot saved as
 * `name`, and checks it logged no error and asked for nothing beyond the file; what it drew, or
 * undefined without a Chromium.
 */
async function openReport(t: Test, file: string, name: string): Promise<PageCheck | undefined> {
  const chromium = chromiumOrSay(t);
  if (!chromium) return undefined;
  await mkdir(screenshotDir, { recursive: true });
  const screenshot = join(screenshotDir, name);
  const page = await pageOf(chromium, file, screenshot);
  t.same(page.consoleErrors, [], 'no console error');
  t.same(page.requestsOffDisk, [], 'no request beyond the file');
  t.ok((await stat(screenshot)).size > 0, 'screenshot written');
  t.comment(`the report as the browser drew it: ${screenshot}`);
  return page;
}

/** What the report logged, asked for and drew. */
async function pageOf(chromium: string, file: string, screenshot: string): Promise<PageCheck> {
  const page = await (await browserOf(chromium)).newPage();
  try {
    const consoleErrors: string[] = [];
    const requestsOffDisk: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    await page.setOfflineMode(true);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith('file:')) return void request.continue();
      requestsOffDisk.push(request.url());
      void request.abort();
    });
    await page.setViewport({ width: 1100, height: 900 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const charts = (await page.evaluate(chartsDrawn)) as PageCheck['charts'];
    const timelines = (await page.evaluate(timelinesDrawn)) as PageCheck['timelines'];
    const text = (await page.evaluate('document.body.innerText')) as string;
    await page.screenshot({ path: screenshot, fullPage: true });
    return { consoleErrors, requestsOffDisk, charts, timelines, text };
  } finally {
    await page.close();
  }
}

let browser: Promise<Browser> | undefined;
/** One browser for the file's reports, each in a page of its own: a launch costs more than a page. */
function browserOf(chromium: string) {
  if (!browser) {
    browser = puppeteer.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu'], headless: true });
    const launched = browser;
    t.teardown(async () => (await launched).close());
  }
  return browser;
}

/** In CI a missing Chromium fails; elsewhere the test says so loudly and skips. */
function chromiumOrSay(t: Test): string | undefined {
  const chromium = findChromium();
  if (chromium) return chromium;
  const message = 'NO CHROMIUM: the report was not opened in a browser; apt-get install chromium (or set CHROMIUM_PATH) to run this check';
  if (process.env.CI) t.fail(message);
  else {
    process.stderr.write(`\n!!!!! ${message} !!!!!\n\n`);
    t.comment(`SKIPPED: ${message}`);
  }
  return undefined;
}

t.test('a small fixed-time sweep: every trial in the JSON, every point audited, a report that a browser draws offline', async (t) => {
  const dir = t.testdir();
  const json = join(dir, 'sweep.json');
  const report = join(dir, 'sweep.html');
  const resultsDir = join(dir, 'results');
  const run = await runCli(
    [
      'sweep',
      '--clients',
      '4,8',
      '--strategies',
      'atomic,pessimistic',
      '--repeat',
      '3',
      '--duration',
      '600ms',
      '--warmup',
      '0',
      '--think-ms',
      '0',
    ].concat(['--json', json, '--report', report, '--results-dir', resultsDir]),
    { timeoutMs: 300_000 },
  );
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-500)})`);
  t.match(run.stdout, /point 1\/2: 4 clients/, 'a table for the first point');
  t.match(run.stdout, /point 2\/2: 8 clients/, 'and for the second');
  t.match(run.stdout, /no crossover/, 'three trials cannot show a crossover, and it says so');

  const document = JSON.parse(await readFile(json, 'utf8')) as SweepJson;
  t.equal(document.kind, 'sweep', 'a sweep document');
  t.same(document.axes, [{ name: 'clients', values: ['4', '8'] }], 'its axis');
  t.equal(document.results.length, 2 * 2 * 3, 'every trial: 2 strategies × 2 points × 3 trials');
  t.same(
    document.points.map(({ point, axes, strategies }) => [point, axes, strategies.map(({ strategy, trials }) => [strategy, trials])]),
    [
      [
        0,
        { clients: '4' },
        [
          ['atomic', 3],
          ['pessimistic', 3],
        ],
      ],
      [
        1,
        { clients: '8' },
        [
          ['atomic', 3],
          ['pessimistic', 3],
        ],
      ],
    ],
    'each point with each strategy’s trials',
  );
  t.same(document.crossovers, [], 'no crossover');
  for (const result of document.results as StrategyResult[]) {
    t.equal(result.params.duration_ms, 600, 'fixed-time');
    t.equal(result.outcome.stopped_by, 'duration', 'stopped by the clock, not by sell-out');
    t.ok(result.verdict.safe, `${result.params.strategy} at ${result.params.clients} clients audited safe`);
    t.equal(result.params.clients, Number(result.sweep?.axes.clients), 'ran at its point');
    const perSecond = result.outcome.per_second;
    t.ok(perSecond && perSecond.requests.length >= 1, 'per-second samples kept');
    t.equal(
      perSecond?.reservations.reduce((sum, n) => sum + n, 0),
      result.outcome.acknowledged.reservations,
      'the per-second reservations add up to those acknowledged',
    );
  }
  t.equal((await readdir(resultsDir)).length, 12, 'a result file per trial');

  const again = join(dir, 'again.html');
  const fromFiles = await runCli(['report', resultsDir, '-o', again]);
  t.equal(fromFiles.code, 0, `evento report exits 0 (${fromFiles.stderr})`);
  const html = await readFile(report, 'utf8');
  t.ok(html.length < 1_000_000, `under 1 MB (${html.length} bytes)`);
  t.notMatch(html, /<(script|link|img)[^>]+(src|href)=["']?https?:/i, 'nothing loaded from the network');
  t.match(html, /<td>atomic<\/td>/, 'tables are plain HTML, readable without JavaScript');
  t.ok((await stat(again)).size > 0, 'evento report wrote the same from the result files');

  const page = await openReport(t, report, 'sweep-report-test.png');
  if (!page) return;
  t.equal(page.charts.length, 1 + 2 * (1 + 4), "a chart for the sweep, and each point's spectrum and four series");
  t.same(
    page.charts.filter(({ drawn }) => !drawn).map(({ key }) => key),
    [],
    'every chart drawn',
  );
  for (const strategy of ['atomic', 'pessimistic']) t.match(page.text, strategy, `${strategy} named`);
});

t.test('an open-loop sweep with a target: the report draws the wait against the offered rate, with the target', async (t) => {
  const dir = t.testdir();
  const report = join(dir, 'capacity.html');
  const run = await runCli(
    [
      'sweep',
      // Even arrivals: each point's few dozen are then exactly as many as its window holds.
      ...['--strategies', 'atomic', '--rate', '50,100', '--arrivals', 'constant', '--slo', 'p99=500ms', '--duration', '1s', '--repeat', '1'],
      ...['--clients', '4', '--hotels', '1', '--warmup', '0', '--results-dir', join(dir, 'results'), '--report', report],
    ],
    { replayIn: t },
  );
  t.equal(run.code, 0, `exit 0 (${run.stderr.slice(-300)})`);
  const html = await readFile(report, 'utf8');
  t.match(html, /<h2 id="capacity">Capacity<\/h2>/, 'a capacity section');
  t.match(html, /<td>atomic<\/td><td>(none|[0-9,]+\/s)<\/td>/, "with atomic's capacity in a plain table");
  const page = await openReport(t, report, 'capacity-report-test.png');
  if (!page) return;
  t.same(
    page.charts.filter(({ key }) => key.startsWith('capacity:')).map(({ drawn }) => drawn),
    [true],
    'the capacity chart drawn',
  );
});

t.test('run --report writes the report of its one run', async (t) => {
  const dir = t.testdir();
  const report = join(dir, 'run.html');
  const run = await runCli([
    'run',
    '--strategy',
    'atomic',
    '--clients',
    '4',
    '--hotels',
    '1',
    '--rooms',
    '20',
    '--warmup',
    '0',
    '--results-dir',
    dir,
    '--report',
    report,
  ]);
  t.equal(run.code, 0, `exit 0 (${run.stderr.slice(-300)})`);
  t.match(run.stderr, /wrote .*run\.html/, 'names the report among the files written');
  const html = await readFile(report, 'utf8');
  t.match(html, /<title>evento run report<\/title>/, 'a run report');
  t.match(html, /<td>atomic<\/td>/, 'of atomic');
  t.match(html, /20 \/ 20/, 'rooms sold against contracted');
});

t.test('race --history --report: a timeline for each run, the witness’s operations highlighted', async (t) => {
  const dir = t.testdir();
  const report = join(dir, 'race.html');
  const resultsDir = join(dir, 'results');
  const race = await runCli(
    ['race', '--strategies', 'naive,atomic', '--history', '--clients', '100', '--hotels', '2', '--rooms', '20', '--think-ms', '0'].concat([
      '--warmup',
      '0',
      '--repeat',
      '2',
      '--seed',
      '7',
      '--results-dir',
      resultsDir,
      '--report',
      report,
    ]),
    { timeoutMs: 300_000 },
  );
  t.equal(race.code, 0, `exit 0 (${race.stderr.slice(-300)})`);
  const files = (await readdir(resultsDir)).filter((file) => file.endsWith('.json'));
  const results = await Promise.all(files.map(async (file) => JSON.parse(await readFile(join(resultsDir, file), 'utf8')) as StrategyResult));
  const witnessed = results.filter((result) => (result.outcome.witnesses ?? []).some((witness) => witness.operations.length > 0));
  t.ok(witnessed.length > 0, `naive overbooked with a witness in ${witnessed.length} of 2 trials`);
  const html = await readFile(report, 'utf8');
  t.match(html, /<h2 id="timelines">Timelines<\/h2>/, 'a timelines section');
  t.equal(html.match(/data-timeline="/g)?.length, results.length, 'a timeline for each run with a history');
  t.match(html, /witness( \d+)?: overbooking at Hotel/, 'the witness named above its timeline');
  t.notMatch(html, /<(script|link|img)[^>]+(src|href)=["']?https?:/i, 'nothing loaded from the network');

  const again = join(dir, 'again.html');
  const fromFiles = await runCli(['report', resultsDir, '-o', again]);
  t.equal(fromFiles.code, 0, `evento report exits 0 (${fromFiles.stderr})`);
  t.equal(
    (await readFile(again, 'utf8')).match(/data-timeline="/g)?.length,
    results.length,
    'evento report finds the histories beside the result files',
  );

  const page = await openReport(t, report, 'timeline-report-test.png');
  if (!page) return;
  t.equal(page.timelines.length, results.length, 'every timeline in the page');
  for (const [index, timeline] of page.timelines.entries()) {
    t.ok(
      timeline.drawn && timeline.lanes > 1 && timeline.bars >= timeline.lanes,
      `timeline ${index + 1}: ${timeline.lanes} lanes, ${timeline.bars} bars`,
    );
  }
  // Witnessed runs come first; each highlights and names exactly its witnesses' operations.
  // With several witnesses, the second's T1 is 2·T1.
  const expected = witnessed.map((result) => {
    const witnesses = result.outcome.witnesses ?? [];
    const names = witnesses.flatMap((witness, index) => witness.operations.map((op) => (witnesses.length > 1 ? `${index + 1}·${op.name}` : op.name)));
    return names.sort().join(' ');
  });
  const shown = page.timelines.slice(0, witnessed.length);
  t.same(
    shown.map((timeline) => [...timeline.witnessBars].sort().join(' ')).sort(),
    [...expected].sort(),
    `the witnesses' bars highlighted (${expected.join('; ')})`,
  );
  t.same(shown.map((timeline) => [...timeline.witnessLabels].sort().join(' ')).sort(), [...expected].sort(), 'and named');
  for (const timeline of page.timelines.slice(witnessed.length)) t.same(timeline.witnessBars, [], 'a run without a witness highlights nothing');
});

t.test('evento report: bad input is a usage error', async (t) => {
  const dir = t.testdir({ 'not-json.json': '{', 'empty.json': '[]', 'other.json': '{"tool": {"name": "other"}}' });
  for (const [file, message] of [
    ['not-json.json', /not valid JSON/],
    ['empty.json', /an empty list/],
    ['other.json', /not an evento result/],
    ['missing.json', /no such file/],
  ] as const) {
    const run = await runCli(['report', join(dir, file), '-o', join(dir, 'out.html')]);
    t.equal(run.code, 2, `${file}: exit 2`);
    t.match(run.stderr, message, `${file}: says why`);
  }
});
