// Prints how long each test file of the last `npm test` took, slowest first, from the TAP
// output tap keeps in .tap/test-results/.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const resultsDir = '.tap/test-results/dist/test';
const files = (await readdir(resultsDir).catch(() => [])).filter((name) => name.endsWith('.tap'));
if (files.length === 0) {
  console.error(`no test results in ${resultsDir}: run npm test first`);
  process.exit(2);
}
const timings = await Promise.all(
  files.map(async (name) => {
    const tap = await readFile(join(resultsDir, name), 'utf8');
    const times = [...tap.matchAll(/^# time=([\d.]+)ms$/gm)];
    const seconds = times.length > 0 ? Number(times[times.length - 1][1]) / 1000 : NaN;
    return { file: name.replace(/\.js\.tap$/, ''), seconds };
  }),
);
timings.sort((a, b) => b.seconds - a.seconds);
const total = timings.reduce((sum, { seconds }) => sum + (Number.isNaN(seconds) ? 0 : seconds), 0);
for (const { file, seconds } of timings) console.log(`${seconds.toFixed(1).padStart(7)} s  ${file}`);
console.log(`${total.toFixed(1).padStart(7)} s  in all (files run side by side, as .taprc's jobs says)`);
