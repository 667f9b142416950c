/**
 * The decoder never throws and never reads outside the frame, whatever the
 * bytes: every prefix of real frames (the snaplen can cut anywhere), random
 * bytes under every link type (fast-check), real frames with random bytes
 * changed, and a Segment reused across packets keeps nothing stale.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { LinkType } from '../../src/capture/record.js';
import { decodeNextSubframe, decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment, SKIP_REASON, type Segment } from '../../src/decode/segment.js';
import { chdlc, concat, ether, ext, ipv4, ipv6, mpls, nullHdr, opt, sll, sll2, tcp } from './build.js';
import { IP_CASES, LINK_CASES, LINUX_SYN_OPTIONS, TCP_CASES } from './cases.js';
import { view } from './view.js';
import { corpus } from '../helpers/corpus.mjs';

const ALL_LINKS = [
  LinkType.NULL,
  LinkType.ETHERNET,
  LinkType.RAW_12,
  LinkType.RAW_14,
  LinkType.RAW,
  LinkType.C_HDLC,
  LinkType.LOOP,
  LinkType.LINUX_SLL,
  LinkType.IPV4,
  LinkType.IPV6,
  LinkType.LINUX_SLL2,
  LinkType.FDDI,
  LinkType.IEEE802_11,
  LinkType.IEEE802_11_RADIOTAP,
  LinkType.NFLOG,
  LinkType.PKTAP,
];

/** Invariants of an Ok segment within a frame buf[offset .. offset + capLen). */
function checkOk(seg: Segment, offset: number, capLen: number): void {
  expect(seg.headerLen).toBeGreaterThanOrEqual(20);
  expect(seg.headerLen).toBeLessThanOrEqual(60);
  expect(seg.capturedPayload).toBeGreaterThanOrEqual(0);
  expect(seg.capturedPayload).toBeLessThanOrEqual(seg.payloadLen);
  if (seg.capturedPayload > 0)
    expect(seg.payloadOffset + seg.capturedPayload).toBeLessThanOrEqual(offset + capLen);
  expect(seg.tcpOffset + 20).toBeLessThanOrEqual(offset + capLen);
  expect(seg.sackCount).toBeLessThanOrEqual(4);
  expect(seg.otherOptions.length).toBeLessThanOrEqual(8);
  for (const v of [seg.seq, seg.ack, seg.tsVal, seg.tsEcr]) expect(v).toBeGreaterThanOrEqual(-1);
  expect(seg.flags).toBeLessThan(0x200);
}

/** Frames that reach TCP through every kind of layer, with options and payload. */
const payload = new Array(100).fill(0x41);
const FULL = tcp({
  flags: 'P.',
  seq: 0x89abcdef,
  ack: 0x12345678,
  options: [...opt.nop(), ...opt.nop(), ...opt.ts(1, 2)],
  payload,
});
const FRAMES: [string, number, Uint8Array][] = [
  [
    'Ethernet/IPv4 SYN',
    LinkType.ETHERNET,
    ether({ payload: ipv4({ payload: tcp({ flags: 'S', options: LINUX_SYN_OPTIONS }) }) }),
  ],
  [
    'QinQ/MPLS/IPv6 ext headers/TCP with data',
    LinkType.ETHERNET,
    ether({
      tags: [
        [0x88a8, 1],
        [0x8100, 2],
      ],
      type: 0x8847,
      payload: mpls(
        [1, 2, 3],
        ipv6({ exts: [ext.hopByHop(), ext.routing(1), ext.fragment(0, true), ext.ah()], payload: FULL }),
      ),
    }),
  ],
  [
    'SLL/IPv4 options/TCP',
    LinkType.LINUX_SLL,
    sll(ipv4({ options: [1, 1, 1, 1, 7, 3, 4, 0], payload: FULL })),
  ],
  ['SLL2/IPv6', LinkType.LINUX_SLL2, sll2(ipv6({ payload: FULL }))],
  ['NULL/IPv6', LinkType.NULL, nullHdr(30, ipv6({ payload: FULL }))],
  ['C-HDLC/MPLS/IPv4', LinkType.C_HDLC, chdlc(mpls([5], ipv4({ payload: FULL })), 0x8847)],
  ['raw IPv6 jumbo', LinkType.RAW, ipv6({ plen: 0, exts: [ext.jumbo(8 + FULL.length)], payload: FULL })],
];

/**
 * Real frames from the corpus: the first whole TCP segment with options of each
 * file below (one per link type and encapsulation).
 */
const REAL_FILES = [
  'zeek/tcp/options.pcap',
  'tcpreplay/test.rewrite_vlan802.1ad',
  'tcpreplay/test.rewrite_dlthdlc',
  'zeek/mixed-vlan-mpls.pcap',
  'zeek/ftp/ipv6.pcap',
  'zeek/tls/irc-starttls.pcap',
  'suricata-verify/decode-sll2-01/input.pcap',
  'zeek/tls/pop3-starttls.pcap',
  'pcapplusplus/one_ipv6_http_stream.pcap',
  'pcapplusplus/linktype_ipv6.pcap',
  'zeek/tcp/timeout-with-pings.pcap',
  'tcpdump/mptcp-tcprst.pcap',
  'suricata-verify/tcp-fastopen-06/tfo-s1.pcap',
];

async function realFrames(): Promise<[string, number, Uint8Array][]> {
  const out: [string, number, Uint8Array][] = [];
  for (const file of REAL_FILES) {
    const seg = newSegment();
    let found: Uint8Array | undefined;
    let fallback: Uint8Array | undefined;
    let link = 0;
    await readCaptureFile(corpus(file), {
      record(r) {
        if (found) return;
        const st = decodePacket(r.linkType, r.buf, r.offset, r.capLen, r.origLen, seg);
        if (st !== DecodeStatus.Ok || seg.truncated || r.capLen !== r.origLen) return;
        // The first segment with options, else the first segment (timeout-with-pings has no options).
        if (seg.headerLen > 20) found = r.buf.slice(r.offset, r.offset + r.capLen);
        else fallback ??= r.buf.slice(r.offset, r.offset + r.capLen);
        link = r.linkType;
      },
      warning() {},
    });
    found ??= fallback;
    if (found) out.push([file, link, found]);
  }
  return out;
}

describe('every prefix of a frame (the snaplen can cut anywhere)', () => {
  test('real frames from the corpus', async () => {
    const frames = await realFrames();
    expect(frames.length).toBe(REAL_FILES.length);
    for (const [, link, frame] of frames) checkPrefixes(link, frame);
  });

  test.each(FRAMES)('%s', (_name, link, frame) => checkPrefixes(link, frame));

  function checkPrefixes(link: number, frame: Uint8Array): void {
    const seg = newSegment();
    const full = decodePacket(link, frame, 0, frame.length, frame.length, seg);
    expect(SKIP_REASON[full]).toBe('ok');
    const complete = view(seg);
    const tcpStart = seg.tcpOffset;
    for (let cap = 0; cap <= frame.length; cap++) {
      // The frame sits in a buffer with bytes after it that must not be read.
      const buf = concat(frame.subarray(0, cap), new Array(64).fill(0xff));
      const st = decodePacket(link, buf, 0, cap, frame.length, seg);
      if (cap < tcpStart + 20) {
        expect(SKIP_REASON[st], `cap ${cap}`).toBe('truncated');
        continue;
      }
      expect(SKIP_REASON[st], `cap ${cap}`).toBe('ok');
      checkOk(seg, 0, cap);
      // Headers and lengths come from the headers: the same at every cut.
      const v = view(seg);
      expect([v.src, v.dst, v.srcPort, v.dstPort, v.seq, v.ack, v.flags, v.payloadLen]).toEqual([
        complete.src,
        complete.dst,
        complete.srcPort,
        complete.dstPort,
        complete.seq,
        complete.ack,
        complete.flags,
        complete.payloadLen,
      ]);
      expect(v.truncated).toBe(cap < frame.length && cap < seg.payloadOffset + seg.payloadLen);
      expect(v.capturedPayload).toBe(
        Math.max(0, Math.min(cap, seg.payloadOffset + seg.payloadLen) - seg.payloadOffset),
      );
      if (!v.truncated) expect(v).toEqual(complete);
    }
  }

  test('every prefix of every table case never throws', () => {
    const seg = newSegment();
    for (const c of [...LINK_CASES, ...IP_CASES, ...TCP_CASES]) {
      for (let cap = 0; cap <= c.bytes.length; cap++) {
        const st = decodePacket(c.link, c.bytes, 0, cap, c.origLen ?? c.bytes.length, seg);
        expect(st).toBeGreaterThanOrEqual(0);
        expect(st).toBeLessThan(SKIP_REASON.length);
        if (st === DecodeStatus.Ok) checkOk(seg, 0, cap);
      }
    }
  });
});

describe('arbitrary input never throws (fast-check)', () => {
  const linkArb = fc.oneof(
    fc.constantFrom(...ALL_LINKS),
    fc.integer(),
    fc.constantFrom(0x10000001, -1, 2 ** 31),
  );

  test('random bytes, any link type, any offset and lengths', () => {
    const seg = newSegment();
    fc.assert(
      fc.property(
        linkArb,
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(250),
        fc.integer({ min: -10, max: 300 }),
        fc.integer({ min: -10, max: 200_000 }),
        (link, bytes, offset, capLen, origLen) => {
          const st = decodePacket(link, bytes, offset, capLen, origLen, seg);
          expect(st).toBeGreaterThanOrEqual(0);
          expect(st).toBeLessThan(SKIP_REASON.length);
          if (st === DecodeStatus.Ok) {
            expect(offset + 20).toBeLessThanOrEqual(bytes.length);
            checkOk(seg, offset, Math.min(capLen, bytes.length - offset));
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });

  test('real frames with random bytes changed', () => {
    const seg = newSegment();
    fc.assert(
      fc.property(
        fc.constantFrom(...FRAMES),
        fc.array(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(400),
        ([, link, frame], changes, cut) => {
          const b = Uint8Array.from(frame);
          for (const [at, v] of changes) b[at % b.length] = v;
          const cap = Math.min(cut, b.length);
          const st = decodePacket(link, b, 0, cap, b.length, seg);
          if (st === DecodeStatus.Ok) checkOk(seg, 0, cap);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  test('802.11 A-MSDU: every subframe of a random body decodes within the frame, and the walk ends', () => {
    const seg = newSegment();
    // A QoS data frame (To DS) whose QoS control has the A-MSDU bit; the body is random.
    const head = [0x88, 0x01, 0, 0, ...new Array(18).fill(2), 0, 0, 0x80, 0];
    // And the real A-MSDU frame (Aruba GRE, two TCP subframes) with random bytes changed.
    const real = readFileSync('test/conformance/zeek-traces/traces/tunnels/gre-aruba-amsdu.pcap').subarray(
      40,
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .uint8Array({ maxLength: 300 })
            .map((body) => ({ link: LinkType.IEEE802_11, b: Uint8Array.from([...head, ...body]) })),
          fc
            .array(fc.tuple(fc.nat(real.length), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })
            .map((changes) => {
              const b = Uint8Array.from(real);
              for (const [at, v] of changes) b[at % b.length] = v;
              return { link: LinkType.ETHERNET, b };
            }),
        ),
        fc.nat(500),
        ({ link, b }, cut) => {
          const cap = Math.min(cut, b.length);
          let st = decodePacket(link, b, 0, cap, b.length, seg);
          // Each subframe takes at least 16 bytes: the walk is bounded by the frame.
          for (let n = 0; ; n++) {
            if (st === DecodeStatus.Ok) checkOk(seg, 0, cap);
            if (seg.amsduNext < 0) break;
            expect(n).toBeLessThan(cap / 16 + 1);
            expect(seg.amsduNext).toBeLessThan(cap);
            st = decodeNextSubframe(seg);
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('a reused Segment keeps nothing from the previous packet', () => {
  test('options, SACK, addresses and flags are reset', () => {
    const seg = newSegment();
    const rich = ipv6({
      payload: tcp({
        flags: 'S',
        options: [
          ...opt.mss(1460),
          ...opt.ws(7),
          ...opt.sackOk(),
          ...opt.ts(5, 6),
          ...opt.sack([[1, 2]]),
          ...opt.raw(99, [0]),
        ],
      }),
    });
    expect(decodePacket(LinkType.RAW, rich, 0, rich.length, rich.length, seg)).toBe(DecodeStatus.Ok);
    expect(seg.sackCount).toBe(1);
    expect(seg.otherOptions.length).toBe(1);
    const plain = ipv4({ payload: tcp({ flags: '.' }) });
    expect(decodePacket(LinkType.RAW, plain, 0, plain.length, plain.length, seg)).toBe(DecodeStatus.Ok);
    const fresh = newSegment();
    expect(decodePacket(LinkType.RAW, plain, 0, plain.length, plain.length, fresh)).toBe(DecodeStatus.Ok);
    expect(view(seg)).toEqual(view(fresh));
    expect([...seg.src]).toEqual([...fresh.src]);
    expect([...seg.sackBlocks]).toEqual([...fresh.sackBlocks]);
    // A non-IP frame after a TCP one: no address or port survives.
    const arp = ether({ type: 0x0806, payload: new Array(28).fill(0) });
    expect(decodePacket(LinkType.ETHERNET, arp, 0, arp.length, arp.length, seg)).toBe(DecodeStatus.NonIp);
    expect([seg.srcPort, seg.dstPort, seg.ipProto, seg.tcpOffset, seg.mss]).toEqual([0, 0, -1, -1, -1]);
    expect(seg.src.every((b) => b === 0)).toBe(true);
  });

  test('caller-set fields (frame, timestamps) are left alone', () => {
    const seg = newSegment();
    seg.frame = 42;
    seg.tsSec = 1;
    seg.tsNsec = 2;
    seg.ts = 1.000000002;
    const f = ipv4();
    decodePacket(LinkType.RAW, f, 0, f.length, f.length, seg);
    expect([seg.frame, seg.tsSec, seg.tsNsec, seg.ts]).toEqual([42, 1, 2, 1.000000002]);
  });
});
