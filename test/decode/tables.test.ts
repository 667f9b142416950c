import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { decodePacket } from '../../src/decode/packet.js';
import { newSegment, SKIP_REASON } from '../../src/decode/segment.js';
import { concat, u32le } from './build.js';
import { type Case, IP_CASES, LINK_CASES, TCP_CASES } from './cases.js';
import { view } from './view.js';
import { describeWithTools, toolVersion } from '../helpers/tools.js';

const TABLES: [string, Case[]][] = [
  ['link layers', LINK_CASES],
  ['IPv4 / IPv6', IP_CASES],
  ['TCP', TCP_CASES],
];

function run(c: Case) {
  const seg = newSegment();
  // A frame at a non-zero offset in a larger buffer, as readers hand them over.
  const buf = concat(new Array(7).fill(0xee), c.bytes, new Array(9).fill(0xee));
  const capLen = c.capLen ?? c.bytes.length;
  const status = decodePacket(c.link, buf, 7, capLen, c.origLen ?? c.bytes.length, seg);
  return { status, seg };
}

for (const [title, cases] of TABLES) {
  describe(title, () => {
    test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const { status, seg } = run(c);
      expect(SKIP_REASON[status]).toBe(SKIP_REASON[c.status]);
      if (c.seg) {
        const expected = { ...c.seg };
        // Offsets in the table are from the frame's start; the frame sits at 7 in the buffer.
        for (const k of ['ipOffset', 'tcpOffset', 'payloadOffset'] as const) {
          if (expected[k] !== undefined && expected[k] >= 0) expected[k] += 7;
        }
        expect(view(seg)).toMatchObject(expected);
      }
      if (status === 0 && seg.capturedPayload > 0) {
        expect(seg.capturedPayload).toBeLessThanOrEqual(seg.payloadLen);
        expect(seg.payloadOffset + seg.capturedPayload).toBeLessThanOrEqual(7 + (c.capLen ?? c.bytes.length));
      }
    });
  });
}

/** What tcpdump prints for a case's frame, on one line. */
export function tcpdumpText(c: Case, dir: string): string {
  const capLen = c.capLen ?? c.bytes.length;
  const file = join(dir, 'one.pcap');
  const header = concat(u32le(0xa1b2c3d4), [2, 0, 4, 0], u32le(0), u32le(0), u32le(262144), u32le(c.link));
  const rec = concat(u32le(1763726400), u32le(0), u32le(capLen), u32le(c.origLen ?? c.bytes.length));
  writeFileSync(file, concat(header, rec, c.bytes.subarray(0, capLen)));
  let out: string;
  try {
    out = execFileSync('tcpdump', ['-nn', '-e', '-t', '-r', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    // tcpdump refuses some link types: its error is the text.
    const err = e as { stdout?: string; stderr?: string };
    out = err.stdout || (err.stderr ?? '').split('\n').filter((l) => l.startsWith('tcpdump:'))[0] || '';
  }
  // Hex dumps of undecoded payload are left out of the tables.
  return out
    .replace(/\s+/g, ' ')
    .replace(/ 0x0000: .*/, ' [hex dump]')
    .trim();
}

// The tables hold tcpdump 4.99's text (Debian 12's 4.99.3, what .ci/run installs); other
// versions print some of these frames differently, so they need the texts re-recorded.
const TCPDUMP_VERSION = /^tcpdump version 4\.99\./;
describeWithTools(
  ['tcpdump'],
  'tcpdump prints what the tables say',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'decode-tables-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    test.each(TABLES.flatMap(([, cases]) => cases.map((c) => [c.name, c] as const)))('%s', (_name, c) => {
      expect(tcpdumpText(c, dir)).toBe(c.tcpdump);
    });
  },
  () => {
    const v = toolVersion('tcpdump');
    return TCPDUMP_VERSION.test(v) ? null : `the tables hold tcpdump 4.99's text, this is "${v}"`;
  },
);
