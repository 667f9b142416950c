/**
 * 802.11 A-MSDU: one frame, several packets (decode/ieee80211.ts). On Zeek's
 * public trace tunnels/gre-aruba-amsdu.pcap (test/conformance/zeek-traces/): an
 * Aruba access point's GRE (0x8240) carrying a QoS data frame whose A-MSDU
 * holds two TLS segments of one connection. `tshark -V` dissects them as
 * 157.240.18.16:443 -> 149.159.130.184:49392, relative seq 1 len 229 and seq
 * 230 len 23.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { formatAddr } from '../../src/decode/addr.js';
import { decodeNextSubframe, decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment, type Segment } from '../../src/decode/segment.js';
import { TunnelType } from '../../src/decode/tunnel.js';
import { at } from '../../src/model/checked.js';

const TRACE = 'test/conformance/zeek-traces/traces/tunnels/gre-aruba-amsdu.pcap';

function summary(seg: Segment) {
  return {
    src: `${formatAddr(seg.ipVersion, seg.src)}:${seg.srcPort}`,
    dst: `${formatAddr(seg.ipVersion, seg.dst)}:${seg.dstPort}`,
    seq: seg.seq,
    len: seg.payloadLen,
    tunnel: seg.tunnelDepth === 1 ? at(seg.tunnels, 0).type : -1,
  };
}

describe('802.11 A-MSDU subframes', () => {
  it('decodes each subframe as a packet of its own, inside the GRE tunnel the frame came in', () => {
    // One record: a pcap (24-byte header), one 16-byte record header.
    const b = readFileSync(TRACE);
    const capLen = b.readUInt32LE(24 + 8);
    const seg = newSegment();
    expect(decodePacket(1, b, 40, capLen, b.readUInt32LE(24 + 12), seg)).toBe(DecodeStatus.Ok);
    const first = summary(seg);
    expect(seg.amsduNext).toBeGreaterThan(0);
    expect(decodeNextSubframe(seg)).toBe(DecodeStatus.Ok);
    const second = summary(seg);
    expect(seg.amsduNext).toBe(-1);
    const flow = { src: '157.240.18.16:443', dst: '149.159.130.184:49392', tunnel: TunnelType.Gre };
    expect(first).toEqual({ ...flow, seq: first.seq, len: 229 });
    expect(second).toEqual({ ...flow, seq: (first.seq + 229) >>> 0, len: 23 });
  });

  it('feeds both to the analysis: one frame (packets), two TCP packets, 252 bytes', async () => {
    const { report } = await analyze(TRACE);
    expect([report.capture.packets, report.capture.tcpPackets, report.capture.skipped]).toEqual([1, 2, {}]);
    const c = at(report.connections, 0);
    expect([report.connections.length, c.server.bytes + c.client.bytes]).toEqual([1, 252]);
  });
});
