/**
 * The vantage point from the link layer (issue 19 item 1): Linux cooked
 * captures (`tcpdump -i any`, SLL and SLL2) mark every packet as arriving at
 * or leaving the capturing host, and tcpdump's text prints it (`eth0 In`,
 * `eth0 Out`). The side whose segments only leave is on the capturing host;
 * a side seen both arriving and leaving passed through it (a router).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { LinkType } from '../../src/capture/record.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, LinkDir, newSegment } from '../../src/decode/segment.js';
import { TcpdumpTextParser } from '../../src/decode/tcpdump-text.js';
import { vantageFromLink } from '../../src/tcp/classify.js';
import { Vantage } from '../../src/tcp/connection.js';
import { ipv4, sll, sll2 } from '../decode/build.js';
import { syn } from '../decode/cases.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/vantage');

describe('decoding the direction', () => {
  it.each([
    ['SLL', LinkType.LINUX_SLL, 0, LinkDir.IN],
    ['SLL', LinkType.LINUX_SLL, 4, LinkDir.OUT],
    ['SLL', LinkType.LINUX_SLL, 3, LinkDir.UNKNOWN],
    ['SLL', LinkType.LINUX_SLL, 1, LinkDir.UNKNOWN],
    ['SLL2', LinkType.LINUX_SLL2, 0, LinkDir.IN],
    ['SLL2', LinkType.LINUX_SLL2, 4, LinkDir.OUT],
    ['SLL2', LinkType.LINUX_SLL2, 2, LinkDir.UNKNOWN],
  ])('%s packet type %i gives linkDir %i', (_name, link, packetType, want) => {
    const frame = (link === LinkType.LINUX_SLL ? sll : sll2)(
      ipv4({ payload: syn() }),
      undefined,
      1,
      packetType,
    );
    const seg = newSegment();
    expect(decodePacket(link, frame, 0, frame.length, frame.length, seg)).toBe(DecodeStatus.Ok);
    expect(seg.linkDir).toBe(want);
  });

  it('Ethernet says nothing, and a reused segment forgets the previous packet’s direction', () => {
    const seg = newSegment();
    const out = sll(ipv4({ payload: syn() }), undefined, 1, 4);
    decodePacket(LinkType.LINUX_SLL, out, 0, out.length, out.length, seg);
    expect(seg.linkDir).toBe(LinkDir.OUT);
    const raw = ipv4({ payload: syn() });
    expect(decodePacket(LinkType.RAW, raw, 0, raw.length, raw.length, seg)).toBe(DecodeStatus.Ok);
    expect(seg.linkDir).toBe(LinkDir.UNKNOWN);
  });

  it.each([
    ['lo    In  IP 127.0.0.1.80 > 127.0.0.1.40000: Flags [S.], seq 1, ack 2, win 512, length 0', LinkDir.IN],
    ['ifb0  Out IP 10.78.1.1.40001 > 10.78.2.1.8080: Flags [.], ack 1, win 63, length 0', LinkDir.OUT],
    ['eth0  P   IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 512, length 0', LinkDir.UNKNOWN],
    ['IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 512, length 0', LinkDir.UNKNOWN],
  ])('tcpdump text `%s`', (line, want) => {
    const seg = newSegment();
    expect(new TcpdumpTextParser().parseLine(`15:32:45.512616 ${line}`, seg)).toBe(DecodeStatus.Ok);
    expect(seg.linkDir).toBe(want);
  });
});

describe('judging the vantage point from the directions', () => {
  // bits: 1 client's segments seen arriving, 2 leaving, 4 server's arriving, 8 leaving
  it.each([
    ['nothing yet', 0, Vantage.UNKNOWN],
    ["only the client's, arriving: the server's host or a router, not known yet", 1, Vantage.UNKNOWN],
    ["the client's leaving: on the client's host", 2, Vantage.CLIENT],
    ["the client's leaving, the server's arriving", 2 | 4, Vantage.CLIENT],
    ["the server's leaving, the client's arriving", 8 | 1, Vantage.SERVER],
    ["the client's arriving and leaving: forwarded", 1 | 2, Vantage.PATH],
    ['every segment arriving and leaving: a router (or loopback)', 15, Vantage.PATH],
    ['both leaving, neither arriving: no single host', 2 | 8, Vantage.UNKNOWN],
  ])('%s', (_what, dirs, want) => {
    expect(vantageFromLink(dirs)).toBe(want);
  });
});

describe('real captures with tcpdump -i any (fixtures/vantage, made by fixtures/generate/vantage.py)', () => {
  it.each([
    // No handshake to time: only the link layer says where the capture was.
    ['host-any-teardown.client.pcap', 'client'],
    ['host-any-teardown.server.pcap', 'server'],
    // Every packet recorded arriving on one interface and leaving on the other.
    ['router-any.path.pcap', 'path'],
  ])('%s: vantage %s', async (file, want) => {
    const r = await analyze(join(FIXTURES, file));
    expect(r.report.connections.map((c) => c.vantage)).toEqual([want]);
  });

  it('the same directions read from tcpdump -i any text', async () => {
    // tcpdump -r fixtures/vantage/host-any-teardown.client.pcap -nn (tcpdump 4.99)
    const text =
      '15:32:45.512616 ifb0  In  IP 10.78.2.1.8080 > 10.78.1.1.40001: Flags [F.], seq 945281860, ack 133324875, win 64, options [nop,nop,TS val 907950721 ecr 3412491771], length 0\n' +
      '15:32:45.512646 ifb0  Out IP 10.78.1.1.40001 > 10.78.2.1.8080: Flags [.], ack 1, win 63, options [nop,nop,TS val 3412493797 ecr 907950721], length 0\n';
    const dir = mkdtempSync(join(tmpdir(), 'ttts-linkdir-'));
    const file = join(dir, 'host-any.txt');
    writeFileSync(file, text);
    const r = await analyze(file);
    expect(r.report.connections.map((c) => c.vantage)).toEqual(['client']);
  });
});
