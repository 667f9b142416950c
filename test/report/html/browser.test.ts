/**
 * The HTML report in a real browser: Debian's headless Chromium driven by
 * playwright-core (which cannot download a browser here; .ci/run installs the
 * `chromium` package). Each page must draw without a console error or a
 * network request, and show the numbers `--json` gives. Screenshots go to
 * test-artifacts/html/ (ignored by git).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { connection, PcapWriter } from '../../helpers/pcap-writer.js';
import { cli } from '../../cli/harness.js';
import { IN_CI } from '../../helpers/tools.js';
import { at, must } from '../../../src/model/checked.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SKIP = `skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium; or set CHROMIUM_PATH)`;
if (!haveChromium) console.log(`browser tests ${SKIP}`);
const ARTIFACTS = resolve('test-artifacts/html');

let browser: Browser | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  problems: string[];
  ms: number;
}

/** Opens a report, failing on console errors, page errors and any request off the file. */
async function open(file: string, hash = ''): Promise<Opened> {
  const page = await must(browser, 'browser').newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) problems.push(`network request: ${r.url()}`);
  });
  const t0 = Date.now();
  await page.goto(`file://${file}${hash}`);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  const ms = Date.now() - t0;
  expect(await page.evaluate(() => document.body.dataset.ready)).toBe('1');
  return { page, problems, ms };
}

async function report(fixture: string, extra: string[] = []) {
  const file = join(ARTIFACTS, `${fixture}.html`);
  const r = await cli([`fixtures/${fixture}.pcap`, '--html', file, ...extra]);
  expect(r.code, r.stderr).toBeLessThan(2);
  const json = JSON.parse((await cli([`fixtures/${fixture}.pcap`, '--json'])).stdout);
  return { file, json };
}

const num = (n: number) => n.toLocaleString('en-US');

describe.skipIf(!haveChromium)('HTML report in Chromium', () => {
  it.each([
    'simultaneous-close',
    'lossy-download',
    'time-wait-storm',
    'syn-flood',
    'zero-window',
    'close-wait-stuck',
    'server-rst-midstream',
    'midstream-start',
  ])('%s: draws without error and shows the numbers of --json', async (fixture) => {
    const { file, json } = await report(fixture);
    const { page, problems, ms } = await open(file);
    const text = async (sel: string) => (await page.locator(sel).first().textContent())?.trim() ?? '';
    expect(await text('[data-k="packets"] .v')).toBe(num(json.capture.packets));
    expect(await text('[data-k="connections"] .v')).toBe(
      num(json.connections.length + json.summarised.connections),
    );
    // Anomalies: a row a kind, with its count.
    const kinds = Object.entries(json.anomalyCounts as Record<string, number>);
    expect(await page.locator('#anomalies tr[data-kind]').count()).toBe(kinds.length);
    for (const [k, n] of kinds) {
      expect(await text(`#anomalies tr[data-kind="${k}"] td.n`)).toBe(num(n));
    }
    // Capture quality, figure by figure.
    for (const [k, v] of Object.entries(json.capture.quality as Record<string, number | null>)) {
      expect(await text(`#quality li[data-q="${k}"] b`)).toBe(v === null ? 'unknown' : num(v));
    }
    // End states, as the report counts them.
    for (const [s, n] of Object.entries(json.states.client as Record<string, number>)) {
      expect(await text(`#endstates tr[data-state="${s}"] td:nth-child(2)`)).toBe(num(n));
    }
    // The table: every connection, a page at a time.
    const n = json.connections.length;
    expect(await text('#f-count')).toBe(`${num(n)} of ${num(n)} connections`);
    expect(await page.locator('#conn-table tbody tr').count()).toBe(Math.min(100, n));
    // States over time: a chart for the capture (and the busiest hosts), drawn on canvas.
    expect(await page.locator('#timeline-charts canvas').count()).toBe(1);
    // The first drawn connection: its ladder (one arrow a segment, up to 70) and sequence graphs.
    const id = Number(await page.locator('#detail').getAttribute('data-conn'));
    const conn = json.connections.find((c: { id: number }) => c.id === id);
    expect(conn).toBeDefined();
    const ladder = (
      await cli(['ladder', `fixtures/${fixture}.pcap`, '--conn', String(id), '--json', '--all'])
    ).stdout;
    const rows = JSON.parse(ladder).rows.length;
    expect(await page.locator('#detail svg.ladder g.seg').count()).toBe(Math.min(rows, 70));
    expect(await page.locator('#detail svg.seqgraph').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#ladder-view a[download]').getAttribute('href')).toMatch(/^blob:/);
    await page.screenshot({ path: join(ARTIFACTS, `${fixture}.png`), fullPage: true });
    expect(problems).toEqual([]);
    console.log(
      `${fixture}: ready in ${ms} ms; ${n} connections, ${kinds.length} anomaly kinds, connection ${id} drawn with ${rows} segments`,
    );
    await page.close();
  });

  it(
    'the table filters by anomaly, host, port and state, sorts, and opens a connection',
    { timeout: 90_000 },
    async () => {
      const { file, json } = await report('accept-queue-overflow');
      const { page, problems } = await open(file);
      type C = {
        id: number;
        client: { addr: string; port: number; state: string };
        server: { addr: string; port: number; state: string };
        anomalies: string[];
      };
      const conns = json.connections as C[];
      const count = async () =>
        must(await page.locator('#f-count').textContent(), "(await page.locator('#f-count').textContent())");
      // A kind raised on connections (not a host's).
      const kind = must(
        Object.keys(json.anomalyCounts).find((k) => conns.some((c) => c.anomalies.includes(k))),
        'a kind raised on a connection',
      );
      await page.selectOption('#f-anomaly', kind);
      const want = conns.filter((c) => c.anomalies.includes(kind)).length;
      expect(want).toBeGreaterThan(0);
      expect(await count()).toBe(`${num(want)} of ${num(conns.length)} connections`);
      await page.selectOption('#f-anomaly', '');
      await page.fill('#f-port', String(at(conns, 0).client.port));
      expect(await count()).toBe(
        `${num(conns.filter((c) => c.client.port === at(conns, 0).client.port || c.server.port === at(conns, 0).client.port).length)} of ${num(conns.length)} connections`,
      );
      await page.fill('#f-port', '');
      await page.fill('#f-host', at(conns, 0).server.addr);
      expect(await count()).toBe(`${num(conns.length)} of ${num(conns.length)} connections`);
      await page.fill('#f-host', '');
      const st = at(conns, 0).server.state;
      await page.selectOption('#f-state', st);
      expect(await count()).toBe(
        `${num(conns.filter((c) => c.client.state === st || c.server.state === st).length)} of ${num(conns.length)} connections`,
      );
      await page.selectOption('#f-state', '');
      // Sorting by id, descending: the last connection first.
      await page.click('#conn-table th[data-col="0"]');
      expect(await page.locator('#conn-table tbody tr').first().getAttribute('data-id')).toBe(
        String(Math.max(...conns.map((c) => c.id))),
      );
      // A click on a row draws that connection.
      const [a, b] = [at(conns, 1).id, at(conns, 2).id];
      await page.locator(`#conn-table tbody tr[data-id="${a}"]`).click();
      expect(await page.locator('#detail').getAttribute('data-conn')).toBe(String(a));
      expect(await page.locator('#detail svg.ladder').count()).toBe(1);
      // Or Enter on a focused row.
      await page.locator(`#conn-table tbody tr[data-id="${b}"]`).focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('#detail').getAttribute('data-conn')).toBe(String(b));
      // "show connections" on an anomaly kind filters the table to it.
      await page.click(`#anomalies button[data-show="${kind}"]`);
      expect(await page.inputValue('#f-anomaly')).toBe(kind);
      expect(await count()).toBe(`${num(want)} of ${num(conns.length)} connections`);
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('opens the connection named in the address (#conn=N), and says how to draw one it does not hold', async () => {
    const { file } = await report('syn-flood');
    const small = join(ARTIFACTS, 'syn-flood-small.html');
    const { analyze } = await import('../../../src/analyze.js');
    const { buildPageData, chooseDetails } = await import('../../../src/report/html/data.js');
    const { renderHtml } = await import('../../../src/report/html/write.js');
    const { report: r, ladders } = await analyze('fixtures/syn-flood.pcap', { ladders: { ids: 'all' } });
    writeFileSync(
      small,
      renderHtml(
        buildPageData(r, must(ladders, 'ladders'), chooseDetails(r, []), { connections: 3, rows: 1e6 }),
      ),
    );
    const a = await open(file, '#conn=42');
    expect(await a.page.locator('#detail').getAttribute('data-conn')).toBe('42');
    await a.page.close();
    const b = await open(small, '#conn=150');
    expect(await b.page.locator('#detail').textContent()).toContain('--html-conn 150');
    expect(b.problems).toEqual([]);
    await b.page.close();
  });

  it('40,000 connections: file size and time to first paint', async () => {
    // A synthetic capture: 40,000 short connections between 200 clients and 4 servers,
    // every 50th refused by a RST (anomalies to draw).
    const w = new PcapWriter();
    const t0 = 1_795_000_000;
    for (let i = 0; i < 40_000; i++) {
      const t = t0 + i * 0.0025;
      const client = `10.1.${(i % 200) >> 8}.${(i % 200) + 1}`;
      const server = `10.2.0.${(i % 4) + 1}`;
      const cport = 20_000 + Math.floor(i / 200);
      if (i % 50 === 49) {
        w.tcp({ t, src: client, dst: server, sport: cport, dport: 443, flags: 'S', seq: i });
        w.tcp({
          t: t + 0.0002,
          src: server,
          dst: client,
          sport: 443,
          dport: cport,
          flags: 'R.',
          seq: 0,
          ack: i + 1,
        });
      } else
        connection(w, { t, client, server, cport, sport: 443, cisn: i * 7919, sisn: i * 104729, dt: 0.0002 });
    }
    const pcap = join(ARTIFACTS, 'forty-k.pcap');
    writeFileSync(pcap, w.bytes());
    const file = join(ARTIFACTS, 'forty-k.html');
    const t1 = Date.now();
    const r = await cli([pcap, '--html', file]);
    const writeMs = Date.now() - t1;
    expect(r.code, r.stderr).toBeLessThan(2);
    const size = statSync(file).size;
    const { page, problems, ms } = await open(file);
    const fcp = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
    );
    expect(await page.locator('#f-count').textContent()).toBe('40,000 of 40,000 connections');
    // Filtering all 40,000 rows stays interactive.
    const f0 = Date.now();
    await page.selectOption('#f-anomaly', '*');
    const filterMs = Date.now() - f0;
    const json = JSON.parse((await cli([pcap, '--json'])).stdout) as {
      connections: { anomalies: string[] }[];
    };
    const flagged = json.connections.filter((c) => c.anomalies.length > 0).length;
    expect(flagged).toBeGreaterThan(700);
    expect(await page.locator('#f-count').textContent()).toBe(`${num(flagged)} of 40,000 connections`);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'forty-k.png') });
    console.log(
      `40,000 connections (${statSync(pcap).size} B capture): HTML ${(size / 1e6).toFixed(2)} MB written in ${writeMs} ms; ` +
        `first contentful paint ${fcp.toFixed(0)} ms, drawn (data-ready) ${ms} ms, anomaly filter ${filterMs} ms`,
    );
    expect(size).toBeLessThan(20e6);
    expect(fcp).toBeGreaterThan(0);
    expect(fcp).toBeLessThan(5000);
    await page.close();
  }, 180_000);
});

// As for the other tools (test/helpers/tools.ts): a missing browser fails in CI, and is a named skip elsewhere.
if (!haveChromium && IN_CI) {
  it(`HTML report in Chromium: ${SKIP}`, () => {
    throw new Error(`${SKIP}: CI must run these tests`);
  });
} else if (!haveChromium) it.skip(`HTML report in Chromium: ${SKIP}`, () => {});
