/**
 * Table tests of tcpdump text lines. Every line is tcpdump's own print
 * (tcpdump 4.99.3 or the tcpdump test suite's .out files in the corpus) of the
 * capture named beside it, unless marked "(edited)".
 */
import { describe, expect, it } from 'vitest';
import { DecodeStatus, newSegment, TcpFlag } from '../../src/decode/segment.js';
import { TcpdumpTextParser, Unavailable } from '../../src/decode/tcpdump-text.js';
import { parseText, type Rec, rec } from './tcpdump-text-helpers.js';
import { at } from '../../src/model/checked.js';

const { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE } = TcpFlag;

/** One line through a fresh parser: its status and segment. */
function one(line: string, opts = {}): { st: DecodeStatus; r: Rec; p: TcpdumpTextParser } {
  const p = new TcpdumpTextParser(opts);
  const seg = newSegment();
  const st = p.parseLine(line, seg);
  return { st, r: rec(seg), p };
}

describe('single lines', () => {
  it.each([
    {
      what: 'SYN with options, -tttt -# (tcpdump/dns_tcp.out)',
      line: '    1  2020-06-10 09:21:03.720289 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [S], seq 603899916, win 64240, options [mss 1460,sackOK,TS val 2044906138 ecr 0,nop,wscale 7], length 0',
      want: {
        frame: 1,
        tsSec: 1591780863,
        tsNsec: 720289000,
        src: '192.168.1.11',
        dst: '209.87.249.18',
        srcPort: 33779,
        dstPort: 53,
        flags: SYN,
        seq: 603899916,
        window: 64240,
        mss: 1460,
        sackPermitted: true,
        tsVal: 2044906138,
        tsEcr: 0,
        wscale: 7,
        payloadLen: 0,
        headerLen: 40,
      },
    },
    {
      what: 'all eight low flags (tcpdump/tcp_eight_lowest_weight_flags_set.out)',
      line: '    1  2018-11-01 10:51:25.009792 IP 10.0.0.2.6260 > 10.128.0.2.80: Flags [FSRP.UEW], seq 576462951, ack 486026015, win 512, urg 0, length 0',
      want: {
        flags: FIN | SYN | RST | PSH | ACK | URG | ECE | CWR,
        seq: 576462951,
        ack: 486026015,
        urgent: 0,
      },
    },
    {
      what: 'AccECN SYN: E, W and AE (tcpdump/accecn_handshake.out, TCP part of a -v pair)',
      line: '    1  2022-07-26 06:26:07.794026 IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 60)\n    31.133.146.248.16433 > 66.228.43.12.80: Flags [SEWe], cksum 0x209c (incorrect -> 0xe443), seq 1948076589, win 65535, options [mss 1460,nop,wscale 6,sackOK,TS val 112147477 ecr 0], length 0',
      want: { flags: SYN | ECE | CWR | AE, seq: 1948076589, wscale: 6, mss: 1460, ttl: 64, headerLen: 40 },
    },
    {
      what: 'RST with payload, relative printing but first of its conversation: absolute (tcpdump/tcp_rst_data.out)',
      line: '    1  2013-02-26 22:03:19.190965 IP 199.204.31.89.80 > 172.16.133.41.52875: Flags [R.], seq 1617159969:1617160027, ack 1936660873, win 5785, length 58',
      want: { flags: RST | ACK, seq: 1617159969, ack: 1936660873, payloadLen: 58 },
    },
    {
      what: 'TFO experimental cookie with data on the SYN (tcpdump/tfo.out)',
      line: '   13  2012-10-04 16:26:20.586342 IP 192.168.0.100.13048 > 3.3.3.3.13054: Flags [S], seq 936732547:936732551, win 1400, options [exp-tfo cookie 090909090000,nop,nop], length 4',
      want: { flags: SYN, seq: 936732547, payloadLen: 4, tfo: true, headerLen: 32 },
    },
    {
      what: 'SLL2 interface and direction (-i any; suricata-verify/decode-sll2-01)',
      line: '00:11:23.613927 ifb0  Out IP 192.168.1.253.56478 > 192.168.1.21.80: Flags [S], seq 2332771219, win 64240, options [mss 1460,sackOK,TS val 3317596243 ecr 0,nop,wscale 7], length 0',
      want: { src: '192.168.1.253', dstPort: 80, seq: 2332771219, tsSec: 683, tsNsec: 613927000 },
    },
    {
      what: '-e with 802.1Q and IPv6 (suricata-verify/bug-814)',
      line: '16:15:28.392551 08:00:27:bf:4f:8a > 52:54:00:12:35:02, ethertype 802.1Q (0x8100), length 78: vlan 1111, p 0, ethertype IPv6 (0x86dd), fe80::20c:29ff:fef3:cf38.58307 > fe80::20c:29ff:faf2:ab42.80: Flags [S], seq 3897641355, win 8192, length 0',
      want: {
        ipVersion: 6,
        src: 'fe80::20c:29ff:fef3:cf38',
        dst: 'fe80::20c:29ff:faf2:ab42',
        srcPort: 58307,
      },
    },
    {
      what: 'IPv6 -v on one line: hop limit and header length (suricata-verify/bug-814 -v)',
      line: '16:15:28.392551 IP6 (hlim 64, next-header TCP (6) payload length: 20) fe80::20c:29ff:fef3:cf38.58307 > fe80::20c:29ff:faf2:ab42.80: Flags [S], cksum 0xb077 (correct), seq 3897641355, win 8192, length 0',
      want: { ipVersion: 6, ttl: 64, headerLen: 20, seq: 3897641355 },
    },
    {
      what: 'IPv6 with a hop-by-hop header: ports only, addresses before (tcpdump/bigtcp-ipv6-hbh.out)',
      line: '    1  2025-10-06 14:13:27.172200 IP6 (flowlabel 0xa31ee, hlim 64, next-header HBH (0), payload length 0) 2604:1380:4091:ce00::d > 2604:1380:4091:ce00::b: HBH (jumbo: 80040)  41851 > 43913: Flags [P.], cksum 0xc8eb (incorrect -> 0x3146), seq 592820498:592900498, ack 2512896041, win 2128, options [nop,nop,TS val 1186840160 ecr 4237097528], length 80000',
      want: {
        ipVersion: 6,
        src: '2604:1380:4091:ce00::d',
        srcPort: 41851,
        dstPort: 43913,
        payloadLen: 80000,
        ttl: 64,
        headerLen: 32,
      },
    },
    {
      what: 'MPLS -e prefix (zeek/mixed-vlan-mpls)',
      line: '18:49:06.874907 00:30:96:05:28:38 > 00:30:96:e6:fc:39, ethertype MPLS unicast (0x8847), length 62: MPLS (label 29, tc 6, [S], ttl 255) 10.1.2.1.11001 > 10.34.0.1.23: Flags [S], seq 2553417723, win 4128, options [mss 536], length 0',
      want: { src: '10.1.2.1', dst: '10.34.0.1', mss: 536, headerLen: 24 },
    },
    {
      what: 'payload decode after length (tcpdump/resp_1.out)',
      line: '    4  2015-02-24 02:23:00.757197 IP 127.0.0.1.35901 > 127.0.0.1.6379: Flags [P.], seq 1:7, ack 1, win 342, options [nop,nop,TS val 2004405846 ecr 2004405846], length 6: RESP "PING"',
      want: { flags: PSH | ACK, payloadLen: 6, tsVal: 2004405846, headerLen: 32 },
    },
    {
      what: 'MPTCP options (tcpdump/mptcp-fclose.out)',
      line: '    3  2013-02-25 15:40:42.768187 IP 10.1.1.2.37479 > 10.2.1.2.2002: Flags [S], seq 1895673170, win 14600, options [mss 1460,sackOK,TS val 38230 ecr 0,nop,wscale 6,mptcp 12 capable v0 flags [AH] csum {0x9b59be3d695e66a7}], length 0',
      want: { mss: 1460, wscale: 6, tsVal: 38230, headerLen: 52 },
    },
    {
      what: 'options cut by the snaplen, and a flag letter per bit (tcpdump/heapoverflow-tcp_print.out)',
      line: '    1  1995-08-15 05:27:12.999999 IP (tos 0x30, ttl 48, id 12336, offset 0, flags [DF], proto TCP (6), length 12336, bad cksum 3030 (->29a8)!)\n    48.48.48.48.12336 > 48.48.48.48.12336: Flags [.Ue], seq 808464432:808476688, ack 808464432, win 12336, urg 12336, options [unknown-48 0x3030303030303030 [|tcp]',
      want: { flags: ACK | URG | AE, urgent: 12336, window: 12336, seq: 808464432, payloadLen: 12256 },
    },
    {
      what: 'no flags at all (edited from tcpdump/dns_tcp.out)',
      line: '09:21:03.720289 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [none], seq 603899916, win 0, length 0',
      want: { flags: 0, seq: 603899916, window: 0 },
    },
  ])('$what', ({ line, want }) => {
    // A -v IPv4 packet is two lines: header, then TCP part.
    const { statuses, recs } = parseText(line);
    expect(statuses.at(-1)).toBe(DecodeStatus.Ok);
    expect(recs[0]).toMatchObject(want);
  });

  it.each([
    [
      'ARP (tcpdump/mptcp-fclose.out)',
      '    1  2013-02-25 15:40:42.767916 ARP, Request who-has 10.2.1.2 tell 10.2.1.1, length 28',
      DecodeStatus.NonTcpLine,
    ],
    [
      'UDP DNS',
      '12:00:00.000000 IP 10.0.0.1.53 > 10.0.0.2.33000: 17177* 2/2/5 A 192.139.46.66 (224)',
      DecodeStatus.NonTcpLine,
    ],
    [
      '-q (tcpdump/tcp-handshake-micro.out)',
      '    1  17:16:09.924505 IP 131.155.215.69.46656 > 137.116.81.94.80: tcp 0',
      DecodeStatus.TcpNoHeader,
    ],
    [
      'cut before the ports (edited)',
      '12:00:00.000000 IP 10.0.0.1 > 10.0.0.2: [|tcp]',
      DecodeStatus.Truncated,
    ],
    [
      'data offset below 5 (edited)',
      '12:00:00.000000 IP 10.0.0.1.80 > 10.0.0.2.81:  tcp 12 [bad hdr length 8 - too short, < 20]',
      DecodeStatus.Malformed,
    ],
    [
      'data offset past the end (edited)',
      '12:00:00.000000 IP 10.0.0.1.80 > 10.0.0.2.81: Flags [S] [bad hdr length 60 - too long, > 40]',
      DecodeStatus.Malformed,
    ],
    [
      'TSO length 0, tcpdump 4.99 (tcpdump/bigtcp-ipv4 via 4.99.3)',
      '    1  2025-10-02 15:05:40.030951 IP bad-len 0',
      DecodeStatus.Malformed,
    ],
    [
      'later IPv4 fragment (edited)',
      '12:00:00.000000 IP 10.0.0.1 > 10.0.0.2: ip-proto-6',
      DecodeStatus.Fragment,
    ],
    [
      'later IPv6 fragment (edited)',
      '12:00:00.000000 IP6 2001:db8::1 > 2001:db8::2: frag (1232|1232)',
      DecodeStatus.Fragment,
    ],
    [
      'TCP inside GRE (edited): opened, the outer pair is the tunnel',
      '12:00:00.000000 IP 192.0.2.1 > 192.0.2.2: GREv0, length 64: IP 10.0.0.1.80 > 10.0.0.2.5555: Flags [S], seq 1, win 1, length 0',
      DecodeStatus.Ok,
    ],
    [
      '-v header of UDP',
      '12:00:00.000000 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 60)',
      DecodeStatus.NonTcpLine,
    ],
    [
      '-v header of GRE',
      '12:00:00.000000 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto GRE (47), length 100)',
      DecodeStatus.Tunnel,
    ],
    [
      '-v header of TCP',
      '12:00:00.000000 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)',
      DecodeStatus.Pending,
    ],
    [
      'host names (no -n)',
      '12:00:00.000000 IP web.example.com.https > client.example.com.51000: Flags [S.], seq 1, ack 2, win 1, length 0',
      DecodeStatus.NonTcpLine,
    ],
    [
      'banner',
      'reading from file dns_tcp.pcap, link-type EN10MB (Ethernet), snapshot length 262144',
      DecodeStatus.Continuation,
    ],
    ['hex dump (-x)', '\t0x0000:  4500 003c 9b28 4000 4006 7b32 c0a8 010b', DecodeStatus.Continuation],
    ['payload decode (-v HTTP)', '\tGET /1M HTTP/1.1', DecodeStatus.Continuation],
    ['empty line', '', DecodeStatus.Continuation],
  ])('%s', (_what, line, status) => {
    expect(one(line).st).toBe(status);
  });

  it('-q lines give endpoints, time and payload length', () => {
    const { st, r, p } = one('    2  1418145370.052027 IP 137.116.81.94.80 > 131.155.215.69.46656: tcp 14');
    expect(st).toBe(DecodeStatus.TcpNoHeader);
    expect(r).toMatchObject({ frame: 2, tsSec: 1418145370, tsNsec: 52027000, srcPort: 80, payloadLen: 14 });
    expect(p.unavailable.has(Unavailable.TcpHeader)).toBe(true);
  });

  it('a CR before the line end is ignored', () => {
    expect(
      one('09:21:03.720289 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S], seq 7, win 9, length 0\r').r.window,
    ).toBe(9);
  });
});

describe('-v: the IPv4 header line, then the TCP line', () => {
  const text = [
    '    1  2020-06-10 09:21:03.720289 IP (tos 0x0, ttl 64, id 39720, offset 0, flags [DF], proto TCP (6), length 60)',
    '    192.168.1.11.33779 > 209.87.249.18.53: Flags [S], cksum 0x0c41 (correct), seq 603899916, win 64240, options [mss 1460,sackOK,TS val 2044906138 ecr 0,nop,wscale 7], length 0',
    '    4  2020-06-10 09:21:03.847323 IP (tos 0x0, ttl 64, id 39722, offset 0, flags [DF], proto TCP (6), length 98)',
    '    192.168.1.11.33779 > 209.87.249.18.53: Flags [P.], cksum 0x7796 (correct), seq 1:59, ack 1, win 64240, length 58 17177+ [1au] A? www.tcpdump.org. (56)',
    '    5  2020-06-10 09:21:03.900000 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 60)',
    '    192.168.1.11.40000 > 192.168.1.1.53: 1+ A? example.com. (28)',
  ].join('\n');

  it('pairs them: frame and time from the first, TTL and exact header length from both', () => {
    const { recs, statuses } = parseText(text);
    expect(statuses).toEqual([
      DecodeStatus.Pending,
      DecodeStatus.Ok,
      DecodeStatus.Pending,
      DecodeStatus.Ok,
      DecodeStatus.NonTcpLine,
      DecodeStatus.Continuation,
    ]);
    expect(recs[0]).toMatchObject({ frame: 1, ttl: 64, headerLen: 40, tsNsec: 720289000 });
    // 98 - 20 (IP) - 58 (payload) = 20; seq 1 is relative to the SYN's... which was not an ACK
    // segment, so tcpdump's table was set by this one: printed 1 is relative to an origin never seen.
    expect(recs[1]).toMatchObject({ frame: 4, ttl: 64, headerLen: 20, payloadLen: 58 });
  });

  it('a header line without its TCP line is counted, and the next packet is read', () => {
    const p = new TcpdumpTextParser();
    const seg = newSegment();
    expect(p.parseLine(at(text.split('\n'), 0), seg)).toBe(DecodeStatus.Pending);
    expect(p.parseLine(at(text.split('\n'), 2), seg)).toBe(DecodeStatus.Pending);
    expect(p.parseLine(at(text.split('\n'), 3), seg)).toBe(DecodeStatus.Ok);
    expect(p.stats.orphanPending).toBe(1);
  });
});

describe('absolute numbers from tcpdump relative ones', () => {
  it('handshake, data and close (tcpdump/dns_tcp.out, all segments)', () => {
    const out = `    1  2020-06-10 09:21:03.720289 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [S], seq 603899916, win 64240, options [mss 1460,sackOK,TS val 2044906138 ecr 0,nop,wscale 7], length 0
    2  2020-06-10 09:21:03.846908 IP 209.87.249.18.53 > 192.168.1.11.33779: Flags [S.], seq 2043824403, ack 603899917, win 64240, options [mss 1460], length 0
    3  2020-06-10 09:21:03.847060 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [.], ack 1, win 64240, length 0
    4  2020-06-10 09:21:03.847323 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [P.], seq 1:59, ack 1, win 64240, length 58 17177+ [1au] A? www.tcpdump.org. (56)
    5  2020-06-10 09:21:03.847457 IP 209.87.249.18.53 > 192.168.1.11.33779: Flags [.], ack 59, win 64240, length 0
    6  2020-06-10 09:21:03.973180 IP 209.87.249.18.53 > 192.168.1.11.33779: Flags [P.], seq 1:227, ack 59, win 64240, length 226 17177*- 2/2/5 A 192.139.46.66, A 198.199.88.104 (224)
    7  2020-06-10 09:21:03.973220 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [.], ack 227, win 64014, length 0
    8  2020-06-10 09:21:03.974844 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [F.], seq 59, ack 227, win 64014, length 0
    9  2020-06-10 09:21:03.975246 IP 209.87.249.18.53 > 192.168.1.11.33779: Flags [.], ack 60, win 64239, length 0
   10  2020-06-10 09:21:04.101184 IP 209.87.249.18.53 > 192.168.1.11.33779: Flags [FP.], seq 227, ack 60, win 64239, length 0
   11  2020-06-10 09:21:04.101256 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [.], ack 228, win 64014, length 0`;
    const { recs, parser } = parseText(out);
    const c = 603899916;
    const s = 2043824403;
    expect(
      recs.map((r) => [
        r.frame,
        r.seq - (r.srcPort === 53 ? s : c),
        r.flags & ACK ? r.ack - (r.srcPort === 53 ? c : s) : 0,
      ]),
    ).toEqual([
      [1, 0, 0],
      [2, 0, 1],
      [3, 1, 1],
      [4, 1, 1],
      [5, 1, 59],
      [6, 1, 59],
      [7, 59, 227],
      [8, 59, 227],
      [9, 227, 60],
      [10, 227, 60],
      [11, 60, 228],
    ]);
    expect(recs.map((r) => r.seqInferred)).toEqual([
      false,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(parser.seqMode).toBe('relative');
    expect([...parser.unavailable].sort()).toEqual([Unavailable.Payload, Unavailable.Seq, Unavailable.Ttl]);
  });

  it('-S: the same conversation printed absolute is read as it is', () => {
    const out = `09:21:03.720289 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [S], seq 603899916, win 64240, length 0
09:21:03.846908 IP 209.87.249.18.53 > 192.168.1.11.33779: Flags [S.], seq 2043824403, ack 603899917, win 64240, length 0
09:21:03.847060 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [.], ack 2043824404, win 64240, length 0
09:21:03.847323 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [P.], seq 603899917:603899975, ack 2043824404, win 64240, length 58`;
    const { recs, parser } = parseText(out);
    expect(parser.seqMode).toBe('absolute');
    expect(recs[3]).toMatchObject({ seq: 603899917, ack: 2043824404, payloadLen: 58 });
    expect(recs[2]).toMatchObject({ seq: 603899917, ack: 2043824404, seqInferred: true });
  });

  it('-S with small crafted ISNs is told from relative by what the numbers point at', () => {
    // suricata-verify/tcp-split-handshake-01-4whs printed with -S: ISNs 1000 and 3000.
    const abs = `1.0 IP 1.1.1.1.1000 > 2.2.2.2.80: Flags [S], seq 1000, win 8192, length 0
2.0 IP 2.2.2.2.80 > 1.1.1.1.1000: Flags [S.], seq 3000, ack 1001, win 8192, length 0
3.0 IP 1.1.1.1.1000 > 2.2.2.2.80: Flags [.], ack 3001, win 8192, length 0
4.0 IP 1.1.1.1.1000 > 2.2.2.2.80: Flags [P.], seq 1001:1005, ack 3001, win 8192, length 4`.replace(
      /^(\d)\.0/gm,
      '100000000$1.000000',
    );
    const a = parseText(abs);
    expect(a.parser.seqMode).toBe('absolute');
    expect(a.recs[3]).toMatchObject({ seq: 1001, ack: 3001 });
    const rel = abs
      .replace('ack 3001, win 8192, length 0', 'ack 1, win 8192, length 0')
      .replace('seq 1001:1005, ack 3001', 'seq 1:5, ack 1');
    const r = parseText(rel);
    expect(r.parser.seqMode).toBe('relative');
    expect(r.recs[3]).toMatchObject({ seq: 1001, ack: 3001 });
    // Told explicitly, no guessing.
    expect(parseText(abs, { absoluteSeq: true }).recs[3]).toMatchObject({ seq: 1001, ack: 3001 });
  });

  it('SACK edges are relative to the receiver origin, also on the segment that set it', () => {
    // zeek/tcp/retransmit-fast009 (tcpdump and tcpdump -S): server ISN 4249385775.
    const out = `16:08:22.700271 IP 10.0.88.85.50368 > 192.168.0.27.80: Flags [S], seq 414291386, win 65535, options [mss 1452,nop,nop,sackOK], length 0
16:08:22.700344 IP 192.168.0.27.80 > 10.0.88.85.50368: Flags [S.], seq 4249385775, ack 414291387, win 5720, options [mss 1430,nop,nop,sackOK], length 0
16:08:23.219722 IP 10.0.88.85.50368 > 192.168.0.27.80: Flags [.], ack 12871, win 65535, options [nop,nop,sack 1 {14301:15731}], length 0`;
    const { recs } = parseText(out);
    expect(recs[2]).toMatchObject({ ack: 4249398646, sack: [4249400076, 4249401506] });
    // The first ACK segment of a conversation is printed absolute, its SACK edges relative to ack - 1.
    const first = parseText(
      '16:08:23.219722 IP 10.0.88.85.50368 > 192.168.0.27.80: Flags [.], ack 4249398646, win 65535, options [nop,nop,sack 1 {1430:2860}], length 0',
    );
    expect(first.recs[0]).toMatchObject({ ack: 4249398646, sack: [4249398645 + 1430, 4249398645 + 2860] });
  });

  it('a SYN-ACK starts a new origin (port reuse); a bare RST is printed absolute', () => {
    const out = `1.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [S], seq 100, win 1, length 0
2.000000 IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [S.], seq 900000, ack 101, win 1, length 0
3.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [P.], seq 1:11, ack 1, win 1, length 10
4.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [R], seq 111, win 0, length 0
5.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [S], seq 7000000, win 1, length 0
6.000000 IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [S.], seq 5000000, ack 7000001, win 1, length 0
7.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [P.], seq 1:11, ack 1, win 1, length 10`.replace(
      /^(\d)\.000000/gm,
      '160000000$1.000000',
    );
    const { recs } = parseText(out, { absoluteSeq: false });
    expect(recs.map((r) => [r.seq, r.ack])).toEqual([
      [100, 0],
      [900000, 101],
      [101, 900001],
      [111, 0],
      [7000000, 0],
      [5000000, 7000001],
      [7000001, 5000001],
    ]);
  });

  it('a direction whose first ACK segment printed no seq keeps a placeholder origin, consistently', () => {
    // zeek/contentline/contentline-irc-5k-line: the capture starts with a pure ACK.
    const out = `19:06:14.998620 IP 127.0.0.1.61556 > 127.0.0.1.12345: Flags [.], ack 204366509, win 8715, length 0
19:06:14.998642 IP 127.0.0.1.12345 > 127.0.0.1.61556: Flags [.], ack 1, win 11416, options [nop,nop,TS val 2421823130 ecr 2421803072], length 0
19:06:20.507811 IP 127.0.0.1.61556 > 127.0.0.1.12345: Flags [P.], seq 1:1110, ack 1, win 8715, options [nop,nop,TS val 2421828476 ecr 2421823130], length 1109
19:06:20.507848 IP 127.0.0.1.12345 > 127.0.0.1.61556: Flags [.], ack 1110, win 11382, options [nop,nop,TS val 2421828476 ecr 2421828476], length 0`;
    const { recs, parser } = parseText(out);
    // The server's side is known (ack - 1 of the first segment); the client's is not.
    expect(recs.map((r) => [r.seq, r.ack, r.baseUnknown])).toEqual([
      [0, 204366509, true],
      [204366509, 1, true],
      [1, 204366509, true],
      [204366509, 1110, true],
    ]);
    expect(parser.unavailable.has(Unavailable.AbsoluteSeq)).toBe(true);
    expect(parser.unavailable.has(Unavailable.Seq)).toBe(true);
    // The wire values were 3342177506 + each client number: seq 1 acked by 1110 after 1109 bytes.
    expect(at(recs, 3).ack - at(recs, 2).seq).toBe(1109);
  });
});

describe('timestamps', () => {
  const L = ' IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0';
  const times = (lines: string[], opts = {}) =>
    parseText(lines.map((t) => t + L).join('\n'), opts).recs.map((r) => [r.tsSec, r.tsNsec]);

  it('time of day on baseDate, with midnight crossed', () => {
    const day = 1591747200; // 2020-06-10
    expect(
      times(['23:59:59.999999', '00:00:00.000001', '00:00:01.5'.padEnd(15, '0')], { baseDate: day }),
    ).toEqual([
      [day + 86399, 999999000],
      [day + 86400, 1000],
      [day + 86401, 500000000],
    ]);
  });

  it('local time printed with a UTC offset', () => {
    expect(times(['2020-06-10 11:21:03.720289'], { utcOffset: 7200 })).toEqual([[1591780863, 720289000]]);
  });

  it('-tt and --nano, exactly (tcpdump/tcp-handshake-nano-tt.out)', () => {
    expect(times(['1418145369.924505488', '1418145370.052027262'])).toEqual([
      [1418145369, 924505488],
      [1418145370, 52027262],
    ]);
  });

  it('-ttt told from -ttttt by a delta that shrinks; days kept by summing (tcpdump/tcp-handshake-micro-ttt.out)', () => {
    const ttt = [' 00:00:00.000000', ' 00:00:00.127522', ' 00:00:00.000088'];
    expect(times(ttt)).toEqual([
      [0, 0],
      [0, 127522000],
      [0, 127610000],
    ]);
    const ttttt = [' 00:00:00.000000', ' 00:00:00.127522', ' 00:00:00.127610'];
    expect(times(ttttt)).toEqual([
      [0, 0],
      [0, 127522000],
      [0, 127610000],
    ]);
    // Growing -ttt deltas look like -ttttt until one shrinks; from there on the sum is right again.
    const growing = [' 00:00:00.000000', ' 00:00:00.233736', ' 00:00:01.032504', ' 00:00:00.001625'];
    expect(times(growing).at(-1)).toEqual([1, 267865000]);
    expect(times(growing, { hms: 'delta-previous' })).toEqual([
      [0, 0],
      [0, 233736000],
      [1, 266240000],
      [1, 267865000],
    ]);
  });

  it('a negative -ttt delta (timestamps going back)', () => {
    expect(
      times([' 00:00:00.000000', ' 00:00:02.000000', '-00:00:00.500000'], { hms: 'delta-previous' }),
    ).toEqual([
      [0, 0],
      [2, 0],
      [1, 500000000],
    ]);
  });

  it('fractions of a second not below one are kept as counts (tcpdump/timestamp_invalid_nano.out)', () => {
    const { recs, parser } = parseText(
      [
        '    1  17:16:09.999999999 IP 131.155.215.69.46656 > 137.116.81.94.80: tcp 0',
        '    2  17:16:10.1000000000 (invalid ns) IP 137.116.81.94.80 > 131.155.215.69.46656: tcp 0',
      ].join('\n'),
    );
    expect(recs).toEqual([]);
    expect(parser.stats.noHeader).toBe(2);
    expect(parser.stats.invalidTimestamps).toBe(1);
  });

  it('-t: no time; frame numbers count the packet lines', () => {
    const out = [
      'IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0',
      'ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28',
      'IP 10.0.0.2.2 > 10.0.0.1.1: Flags [S.], seq 5, ack 2, win 1, length 0',
      '\t0x0000:  4500 003c 9b28 4000 4006 7b32 c0a8 010b',
    ].join('\n');
    const { recs, parser } = parseText(out, { baseDate: 86400 });
    expect(recs.map((r) => [r.frame, r.tsSec])).toEqual([
      [1, 86400],
      [3, 86400],
    ]);
    expect(parser.unavailable.has(Unavailable.Timestamp)).toBe(true);
  });
});

describe('lines that are not packets', () => {
  it('-A payload at column 0 after the prefix was learned (zeek/wikipedia -A -tt)', () => {
    const out = `1300475168.652003 IP 141.142.220.118.35634 > 208.80.152.2.80: Flags [P.], seq 1375720274:1375720737, ack 3103668877, win 54, options [nop,nop,TS val 1828786 ecr 1970980639], length 463: HTTP: GET / HTTP/1.1
E...4.@.@.1....v.P...2.PQ..R..:....6MS.....
....uz..GET / HTTP/1.1
Host: www.wikipedia.org
1300475168.713296 IP 208.80.152.2.80 > 141.142.220.118.35634: Flags [P.], seq 1:351, ack 463, win 16, options [nop,nop,TS val 1970980639 ecr 1828786], length 350: HTTP: HTTP/1.0 304 Not Modified
0.26 | 2012-08-24 15:10:04 -0700`;
    const { statuses, recs } = parseText(out);
    expect(statuses).toEqual([
      DecodeStatus.Ok,
      DecodeStatus.Continuation,
      DecodeStatus.Continuation,
      DecodeStatus.Continuation,
      DecodeStatus.Ok,
      DecodeStatus.Continuation,
    ]);
    expect(recs.map((r) => r.frame)).toEqual([1, 2]);
  });

  it('with -# and -t, a line is a packet only if its number goes up', () => {
    const out = [
      '    7  IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0',
      '    3  IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0',
      '    8  IP 10.0.0.2.2 > 10.0.0.1.1: Flags [R.], seq 0, ack 2, win 0, length 0',
    ].join('\n');
    expect(parseText(out).statuses).toEqual([DecodeStatus.Ok, DecodeStatus.Continuation, DecodeStatus.Ok]);
  });

  it('outputs of two tcpdump runs concatenated: -# starts again, and so do relative numbers', () => {
    const run = [
      '    1  09:21:03.720289 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1000000, win 1, length 0',
      '    2  09:21:03.820289 IP 10.0.0.2.2 > 10.0.0.1.1: Flags [S.], seq 5000000, ack 1000001, win 1, length 0',
      '    3  09:21:03.920289 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [P.], seq 1:11, ack 1, win 1, length 10',
    ];
    const second = run.map((l) => l.replace('1000000', '7000000').replace('1000001', '7000001'));
    const { recs, parser } = parseText([...run, ...second].join('\n'));
    expect(recs.map((r) => [r.frame, r.seq])).toEqual([
      [1, 1000000],
      [2, 5000000],
      [3, 1000001],
      [1, 7000000],
      [2, 5000000],
      [3, 7000001],
    ]);
    expect(parser.stats.runs).toBe(1);
  });

  it('-v ICMP error quoting a TCP header: one non-TCP packet (edited)', () => {
    const out = [
      '12:00:00.000000 IP (tos 0xc0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length 88)',
      '    10.0.0.1 > 10.0.0.2: ICMP 10.0.0.3 tcp port 80 unreachable, length 68',
      '\tIP (tos 0x0, ttl 64, id 2, offset 0, flags [DF], proto TCP (6), length 60)',
      '    10.0.0.2.5555 > 10.0.0.3.80: Flags [S], seq 1, win 1, length 0',
    ].join('\n');
    expect(parseText(out).statuses).toEqual([
      DecodeStatus.NonTcpLine,
      DecodeStatus.Continuation,
      DecodeStatus.Continuation,
      DecodeStatus.Continuation,
    ]);
  });
});
