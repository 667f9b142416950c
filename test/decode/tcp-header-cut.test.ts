/**
 * A TCP header cut short by the snaplen: the data offset says 40 bytes, 22 were
 * captured. What it contributes (docs/contract-additions.md, "Truncated TCP
 * headers"):
 * - the report: the fixed 20 bytes (ports, sequence and acknowledgement
 *   numbers, flags, window) are whole, so the segment moves the states as any
 *   other; the options past the cut are unknown (here the SYN-ACK's MSS and
 *   window scale), and Segment.headerCut says so;
 * - `--zeek`: Zeek's TCP analyzer drops such a packet ("truncated_header"
 *   weird) after finding its connection, so the view drops it too: the row is
 *   the row of the same capture without that frame. (A cut packet that opens a
 *   connection makes an empty OTH row: Zeek's vntag-in-vlan baseline, in
 *   test/conformance/.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { run } from '../../src/cli/main.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment } from '../../src/decode/segment.js';
import { makeIo } from '../cli/harness.js';
import { PcapWriter } from '../helpers/pcap-writer.js';
import { at } from '../../src/model/checked.js';

const FIXTURE = 'fixtures/normal-close-client.pcap';
const tmp = mkdtempSync(join(tmpdir(), 'hdrcut-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function frames(): { sec: number; usec: number; data: Uint8Array; orig: number }[] {
  const b = readFileSync(FIXTURE);
  const out = [];
  for (let o = 24; o + 16 <= b.length;) {
    const cap = b.readUInt32LE(o + 8);
    out.push({
      sec: b.readUInt32LE(o),
      usec: b.readUInt32LE(o + 4),
      data: b.subarray(o + 16, o + 16 + cap),
      orig: b.readUInt32LE(o + 12),
    });
    o += 16 + cap;
  }
  return out;
}

/** The fixture with frame `cut` (1-based) captured to 22 bytes of TCP header, or left out. */
function write(name: string, cut: number, drop: boolean): string {
  const w = new PcapWriter();
  frames().forEach((f, i) => {
    if (i + 1 !== cut) w.rawRecord(f.sec, f.usec, f.data.length, f.orig, f.data);
    else if (!drop) w.rawRecord(f.sec, f.usec, 14 + 20 + 22, f.orig, f.data.subarray(0, 14 + 20 + 22));
  });
  const path = join(tmp, name);
  writeFileSync(path, w.bytes());
  return path;
}

async function zeekRows(file: string): Promise<string[]> {
  const { io, stdout } = makeIo();
  expect(await run([file, '--zeek'], io)).toBe(0);
  // Everything but the uid.
  return stdout.text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) =>
      l
        .split('\t')
        .filter((_, i) => i !== 1)
        .join('\t'),
    );
}

describe('a TCP header cut by the snaplen (SYN-ACK: data offset 40, 22 bytes captured)', () => {
  const cut = write('cut.pcap', 2, false);
  const without = write('without.pcap', 2, true);

  it('decodes: the fixed header whole, headerCut set, the options past the cut unknown', () => {
    const b = readFileSync(cut);
    const o = 24 + 16 + at(frames(), 0).data.length + 16;
    const seg = newSegment();
    expect(decodePacket(1, b, o, 56, b.readUInt32LE(o - 4), seg)).toBe(DecodeStatus.Ok);
    expect([seg.flags, seg.headerLen, seg.headerCut, seg.truncated, seg.mss, seg.wscale]).toEqual([
      0x12,
      40,
      true,
      true,
      -1,
      -1,
    ]);
  });

  it('moves the states in the report as the whole segment does', async () => {
    const whole = at((await analyze(FIXTURE)).report.connections, 0);
    const r = at((await analyze(cut)).report.connections, 0);
    expect([r.client.state, r.server.state, r.connState, r.history]).toEqual([
      whole.client.state,
      whole.server.state,
      whole.connState,
      whole.history,
    ]);
    expect(r.transitions).toEqual(whole.transitions);
    // The server's options were in the cut part.
    expect([r.server.mss, r.server.windowScale, whole.server.mss]).toEqual([null, null, 1460]);
  });

  it('is ignored by --zeek, as Zeek ignores it', async () => {
    const rows = await zeekRows(cut);
    expect(rows).toEqual(await zeekRows(without));
    expect(rows).not.toEqual(await zeekRows(FIXTURE));
  });
});
