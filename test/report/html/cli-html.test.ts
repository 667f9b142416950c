/** `--html` and `ladder --svg` through the CLI: the files, their data, and the errors. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PageData } from '../../../src/report/html/data.js';
import { cli } from '../../cli/harness.js';
import { at } from '../../../src/model/checked.js';

const dir = mkdtempSync(join(tmpdir(), 'tcptrace-html-'));

/** The data embedded in a report page. */
export function pageData(html: string): PageData {
  const m = /<script type="application\/json" id="tcptrace-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data in the page');
  return JSON.parse(at(m, 1)) as PageData;
}

describe('--html', () => {
  it('writes one self-contained file beside the text report, with every connection and anomaly kind', async () => {
    const out = join(dir, 'storm.html');
    const r = await cli(['fixtures/time-wait-storm.pcap', '--html', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Endpoint states');
    const html = readFileSync(out, 'utf8');
    // No network: no external script, style sheet, image or font.
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/@import/);
    const json = await cli(['fixtures/time-wait-storm.pcap', '--json']);
    const report = JSON.parse(json.stdout);
    const d = pageData(html);
    expect(d.table.rows).toHaveLength(report.connections.length);
    expect(d.kinds.map((k) => [k.kind, k.count]).sort()).toEqual(Object.entries(report.anomalyCounts).sort());
    expect(d.timeline.markers.map((m) => m.kind)).toContain('time-wait-storm');
    console.log(
      `time-wait-storm.html: ${(html.length / 1024).toFixed(0)} KB, ${d.table.rows.length} connections, ${d.details.length} drawn`,
    );
  });

  it('draws the picked connections first (--html-conn), and a gate still decides the exit code', async () => {
    const out = join(dir, 'flood.html');
    const r = await cli([
      'fixtures/syn-flood.pcap',
      '--html',
      out,
      '--html-conn',
      '7,9',
      '--fail-on',
      'error',
    ]);
    expect(r.code).toBe(1);
    const d = pageData(readFileSync(out, 'utf8'));
    expect(d.details.slice(0, 2).map((x) => x.conn.id)).toEqual([7, 9]);
  });

  it('a big capture past the first pass row budget gets a second pass for the chosen connections', async () => {
    const { analyze } = await import('../../../src/analyze.js');
    const { writeHtmlReport } = await import('../../../src/cli/html-out.js');
    const { DEFAULT_SETTINGS } = await import('../../../src/config/settings.js');
    const result = await analyze('fixtures/syn-flood.pcap', { ladders: { ids: 'all', maxRows: 10 } });
    expect(result.laddersFull).toBe(true);
    const out = join(dir, 'two-pass.html');
    await writeHtmlReport(
      { path: out, picked: [150] },
      result,
      ['fixtures/syn-flood.pcap'],
      DEFAULT_SETTINGS,
      {},
    );
    const d = pageData(readFileSync(out, 'utf8'));
    expect(at(d.details, 0).conn.id).toBe(150);
    expect(d.details.length).toBeGreaterThan(10);
  });

  it.each([
    [
      ['--html', '/nonexistent-dir/x.html'],
      /^tcptrace-ts: --html: cannot write \/nonexistent-dir\/x\.html: no such directory\n$/,
    ],
    [['--html-conn', '3'], /^tcptrace-ts: --html-conn: needs --html <file>\n$/],
    [
      ['--html', join(dir, 'x.html'), '--html-conn', 'x'],
      /^tcptrace-ts: --html-conn: expected connection ids \(1, 2, \.\.\.\), got "x"\n$/,
    ],
    [
      ['--html', join(dir, 'x.html'), '--each'],
      /^tcptrace-ts: --html: one report for one capture; not with --each\n$/,
    ],
  ])('%j: exit 2 with one line', async (args, msg) => {
    const r = await cli(['fixtures/normal-close-client.pcap', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});

describe('ladder --svg', () => {
  it('writes the drawn ladder as one SVG file', async () => {
    const out = join(dir, 'sc.svg');
    const r = await cli(['ladder', 'fixtures/simultaneous-close.pcap', '--conn', '1', '--svg', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
    );
    expect(svg.match(/<g class="seg /g)).toHaveLength(11);
    expect(svg).not.toMatch(/(src|href)="http/);
  });

  it('an unwritable path or a missing connection: exit 2, one line', async () => {
    const a = await cli([
      'ladder',
      'fixtures/simultaneous-close.pcap',
      '--conn',
      '1',
      '--svg',
      '/nonexistent-dir/x.svg',
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('tcptrace-ts: --svg: cannot write /nonexistent-dir/x.svg: no such directory\n');
    const b = await cli([
      'ladder',
      'fixtures/simultaneous-close.pcap',
      '--conn',
      '5',
      '--svg',
      join(dir, 'y.svg'),
    ]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe('tcptrace-ts: no connection 5 in the capture (it has 1 connection)\n');
  });
});

describe('--html from standard input', () => {
  it('draws what one pass recorded (standard input cannot be read twice)', async () => {
    const bytes = readFileSync('fixtures/close-wait-stuck.pcap');
    const stdin = (async function* () {
      yield new Uint8Array(bytes);
    })();
    const out = join(dir, 'stdin.html');
    const r = await cli(['-', '--html', out], { stdin });
    expect(r.code).toBe(0);
    const d = pageData(readFileSync(out, 'utf8'));
    expect(d.details.map((x) => x.conn.id)).toEqual([1]);
    expect(at(d.details, 0).conn.anomalies).toContain('close-wait-stuck');
  });
});

describe('scriptJson', () => {
  it('keeps the data inside its <script> element whatever the capture put in a string', async () => {
    const { scriptJson } = await import('../../../src/report/html/write.js');
    const s = scriptJson({ file: '</script><script>alert(1)</script>', sep: '\u2028<!--' });
    expect(s).not.toMatch(/<\/?script|<!--|\u2028/i);
    expect(JSON.parse(s)).toEqual({ file: '</script><script>alert(1)</script>', sep: '\u2028<!--' });
  });
});
