#!/usr/bin/env node
/**
 * Regenerates the README's screenshots of the HTML report (docs/html-*.png)
 * from the fixtures, with Debian's headless Chromium (CHROMIUM_PATH, default
 * /usr/bin/chromium) through playwright-core. Run after `npm run build`:
 *   node scripts/docs-screenshots.mjs
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const bin = resolve('bin/tcptrace-ts');
const tmp = mkdtempSync(join(tmpdir(), 'tcptrace-docs-'));
const report = (fixture) => {
  const out = join(tmp, `${fixture}.html`);
  execFileSync(bin, [`fixtures/${fixture}.pcap`, '--html', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
};
const svg = join(tmp, 'ladder.svg');
execFileSync(bin, ['ladder', 'fixtures/simultaneous-close.pcap', '--conn', '1', '--svg', svg]);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
async function shot(file, selector, out, width = 1100, hash = '', nth = 0) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(`file://${file}${hash}`);
  if (file.endsWith('.html')) await page.waitForSelector('body[data-ready]');
  await page
    .locator(selector)
    .nth(nth)
    .screenshot({ path: `docs/${out}` });
  await page.close();
  console.log(`docs/${out}`);
}
await shot(svg, 'svg', 'html-ladder.png', 880);
await shot(report('time-wait-storm'), '#timeline', 'html-states.png');
await shot(report('server-rst-midstream'), '#summary', 'html-summary.png');
await shot(report('server-rst-midstream'), '#anomalies', 'html-anomalies.png');
await shot(report('syn-flood'), '#connections', 'html-table.png');
await shot(report('lossy-download'), '#seq-view svg', 'html-seq.png', 1100, '', 1);
await shot(report('lossy-download'), '#rtt-view', 'html-rtt.png', 1100);
await browser.close();
