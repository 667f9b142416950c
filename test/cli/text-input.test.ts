/**
 * Issue 7: the same capture printed by tcpdump in each text style and piped in
 * gives the same connections and endpoint states as the binary capture, over the
 * whole fixture suite. Needs tcpdump (test/helpers/tools.ts: fails in CI
 * without it, skips with its name elsewhere).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/model/report.js';
import { describeWithTools } from '../helpers/tools.js';

const DIR = join(import.meta.dirname, '../../fixtures');
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => f.slice(0, -5))
  .sort();

const STYLES: string[][] = [
  [],
  ['-S'],
  ['-tt'],
  ['-tttt'],
  ['-ttttt'],
  ['-v'],
  ['-e'],
  ['-#'],
  ['-S', '-v', '-tttt', '-#'],
];

function text(file: string, style: string[]): Buffer {
  const r = spawnSync('tcpdump', ['-n', '-r', file, ...style], {
    env: { ...process.env, TZ: 'GMT0' },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`tcpdump ${style.join(' ')} failed on ${file}: ${r.stderr}`);
  return r.stdout;
}

async function* once(b: Buffer): AsyncIterable<Uint8Array> {
  yield b;
}

function summary(r: Report): string[] {
  return r.connections.map(
    (c) =>
      `${c.client.addr}:${c.client.port} ${c.server.addr}:${c.server.port} ${c.client.state}/${c.server.state} ${c.connState}`,
  );
}

/**
 * tcpdump prints no sequence number for a segment without data (unless -vv), so
 * a keep-alive probe (seq = next - 1, no data) cannot be told from a plain ACK in
 * text: the report lists that in capture.unavailable.
 */
function kinds(r: Report): string[] {
  return [...new Set(r.anomalies.map((a) => a.kind))].filter((k) => k !== 'keep-alive').sort();
}

describeWithTools(['tcpdump'], 'tcpdump text piped in = the binary capture (fixture suite)', () => {
  it.each(fixtures)('%s', async (name) => {
    const pcap = join(DIR, `${name}.pcap`);
    const bin = await analyze(pcap);
    const want = summary(bin.report);
    for (const style of STYLES) {
      // The capture's own day, as a user would give it with --text-date.
      const day = Math.floor((bin.report.capture.start ?? 0) / 86400) * 86400;
      // tcpdump ran with TZ=GMT0: its local-time stamps are UTC, whatever this process's zone.
      const txt = await analyze(once(text(pcap, style)), { textDate: day, textTimeZone: 'UTC' });
      expect(summary(txt.report), `tcpdump -n ${style.join(' ')}`).toEqual(want);
      expect(kinds(txt.report), `tcpdump -n ${style.join(' ')}`).toEqual(kinds(bin.report));
    }
  });
});
