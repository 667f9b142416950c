/**
 * Decoder test tables: {bytes, expected}, one row per behaviour, with the text
 * tcpdump 4.99 prints for the same bytes (`tcpdump -nn -v -r`) so a reader can
 * see what the frame is. test/decode/tables.test.ts checks those texts against
 * the installed tcpdump (in `npm test`; it must be 4.99).
 */
import { LinkType } from '../../src/capture/record.js';
import { DecodeStatus, TcpFlag } from '../../src/decode/segment.js';
import {
  chdlc,
  concat,
  ether,
  ext,
  ipv4,
  ipv6,
  mpls,
  nullHdr,
  opt,
  sll,
  sll2,
  tcp,
  u16,
  u32,
  udp,
} from './build.js';
import type { SegView } from './view.js';

export interface Case {
  name: string;
  /** What tcpdump -nn -v prints for the frame (first line of the packet, trimmed). */
  tcpdump: string;
  link: number;
  bytes: Uint8Array;
  /** Defaults: all of `bytes` captured, and on the wire. */
  capLen?: number;
  origLen?: number;
  status: DecodeStatus;
  seg?: Partial<SegView>;
}

/** A Linux SYN's options: mss 1460, sackOK, TS val 1 ecr 0, nop, wscale 7 (20 bytes). */
export const LINUX_SYN_OPTIONS = [
  ...opt.mss(1460),
  ...opt.sackOk(),
  ...opt.ts(1, 0),
  ...opt.nop(),
  ...opt.ws(7),
];
export const syn = (o: Parameters<typeof tcp>[0] = {}) =>
  tcp({ flags: 'S', seq: 1000, win: 64240, options: LINUX_SYN_OPTIONS, ...o });
const SYN_VIEW: Partial<SegView> = {
  srcPort: 40000,
  dstPort: 80,
  seq: 1000,
  ack: 0,
  flags: TcpFlag.SYN,
  window: 64240,
  headerLen: 40,
  payloadLen: 0,
  capturedPayload: 0,
  truncated: false,
  mss: 1460,
  wscale: 7,
  sackPermitted: true,
  sack: [],
  tsVal: 1,
  tsEcr: 0,
  tfo: false,
  otherOptions: [],
  badOptions: false,
  ipFragmented: false,
};
const V4: Partial<SegView> = { ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', ttl: 64, ipProto: 6 };
const V6: Partial<SegView> = { ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', ttl: 64, ipProto: 6 };
const ACK = tcp({ flags: '.', seq: 1001, ack: 2001, win: 502 });

const { Ok, NonIp, NonTcp, UnknownLinkType, Truncated, Malformed, Fragment } = DecodeStatus;
const E = LinkType.ETHERNET;

// ------------------------------------------------------------------ link layers
export const LINK_CASES: Case[] = [
  {
    name: 'Ethernet, IPv4, Linux SYN',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 74: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({ payload: ipv4({ payload: syn() }) }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x0800, ipOffset: 14, tcpOffset: 34, payloadOffset: 74 },
  },
  {
    name: 'Ethernet, IPv6, Linux SYN',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv6 (0x86dd), length 94: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({ payload: ipv6({ payload: syn() }) }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, etherType: 0x86dd, ipOffset: 14, tcpOffset: 54, payloadOffset: 94 },
  },
  {
    name: '802.1Q VLAN 100',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype 802.1Q (0x8100), length 78: vlan 100, p 0, ethertype IPv4 (0x0800), 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({ tags: [[0x8100, 100]], payload: ipv4({ payload: syn() }) }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x0800, ipOffset: 18, tcpOffset: 38 },
  },
  {
    name: 'QinQ: 802.1ad outer tag, 802.1Q inner tag',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype 802.1Q-QinQ (0x88a8), length 102: vlan 10, p 0, ethertype 802.1Q (0x8100), vlan 20, p 0, ethertype IPv6 (0x86dd), 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({
      tags: [
        [0x88a8, 10],
        [0x8100, 20],
      ],
      payload: ipv6({ payload: syn() }),
    }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, etherType: 0x86dd, ipOffset: 22 },
  },
  {
    name: 'QinQ: pre-standard 0x9100 outer tag, three tags in all',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype 802.1Q-9100 (0x9100), length 86: vlan 1, p 0, ethertype 802.1Q (0x8100), vlan 2, p 0, ethertype 802.1Q (0x8100), vlan 3, p 0, ethertype IPv4 (0x0800), 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({
      tags: [
        [0x9100, 1],
        [0x8100, 2],
        [0x8100, 3],
      ],
      payload: ipv4({ payload: syn() }),
    }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, ipOffset: 26 },
  },
  {
    name: 'MPLS, two labels, IPv4 guessed from the nibble',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype MPLS unicast (0x8847), length 82: MPLS (label 100, tc 0, ttl 64) (label 200, tc 0, [S], ttl 64) 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({ type: 0x8847, payload: mpls([100, 200], ipv4({ payload: syn() })) }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x8847, ipOffset: 22 },
  },
  {
    name: 'MPLS multicast over a VLAN tag, IPv6',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype 802.1Q (0x8100), length 102: vlan 7, p 0, ethertype MPLS multicast (0x8848), MPLS (label 16, tc 0, [S], ttl 64) 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({ tags: [[0x8100, 7]], type: 0x8848, payload: mpls([16], ipv6({ payload: syn() })) }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, etherType: 0x8848, ipOffset: 22 },
  },
  {
    name: 'MPLS pseudowire (control word 0, Ethernet inside) is not opened',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype MPLS unicast (0x8847), length 96: MPLS (label 300, tc 0, [S], ttl 64) [hex dump]',
    link: E,
    bytes: ether({
      type: 0x8847,
      payload: mpls([300], concat(u32(0), ether({ payload: ipv4({ payload: syn() }) }))),
    }),
    status: NonIp,
    seg: { etherType: 0x8847, ipOffset: -1 },
  },
  {
    name: 'PPPoE session, PPP IPv4',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype PPPoE S (0x8864), length 82: PPPoE [ses 0x1234] IP (0x0021), length 62: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({
      type: 0x8864,
      payload: concat([0x11, 0], u16(0x1234), u16(2 + 60), u16(0x0021), ipv4({ payload: syn() })),
    }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x8864, ipOffset: 22 },
  },
  {
    name: 'PPPoE session, PPP LCP is not IP',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype PPPoE S (0x8864), length 60: PPPoE [ses 0x1234] LCP (0xc021), length 6: LCP, Echo-Request (0x09), id 1, length 6',
    link: E,
    bytes: ether({
      type: 0x8864,
      payload: concat([0x11, 0], u16(0x1234), u16(6), u16(0xc021), [9, 1, 0, 4]),
    }),
    status: NonIp,
    seg: { etherType: 0x8864 },
  },
  {
    name: '802.3 length + LLC/SNAP (RFC 1042) carrying IPv4',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, 802.3, length 68: LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: oui Ethernet (0x000000), ethertype IPv4 (0x0800), length 60: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: E,
    bytes: ether({
      type: 8 + 60,
      payload: concat([0xaa, 0xaa, 3, 0, 0, 0], u16(0x0800), ipv4({ payload: syn() })),
    }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x0800, ipOffset: 22 },
  },
  {
    name: '802.3 length + LLC (STP BPDU) is not IP',
    tcpdump:
      '00:66:77:88:99:aa > 01:80:c2:00:00:00, 802.3, length 38: LLC, dsap STP (0x42) Individual, ssap STP (0x42) Command, ctrl 0x03: STP 802.1d, Config, Flags [none], bridge-id 0000.00:00:00:00:00:00.0000, length 35',
    link: E,
    bytes: ether({
      dst: [1, 0x80, 0xc2, 0, 0, 0],
      type: 38,
      payload: concat([0x42, 0x42, 3], new Array(35).fill(0)),
    }),
    status: NonIp,
    seg: { etherType: 38 },
  },
  {
    name: 'ARP is not IP; its ethertype is kept',
    tcpdump:
      '00:66:77:88:99:aa > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 60: Request who-has 10.0.0.2 tell 10.0.0.1, length 46',
    link: E,
    bytes: ether({
      dst: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      type: 0x0806,
      payload: concat(
        u16(1),
        u16(0x0800),
        [6, 4],
        u16(1),
        new Array(6).fill(0x11),
        [10, 0, 0, 1],
        new Array(6).fill(0),
        [10, 0, 0, 2],
      ),
    }),
    status: NonIp,
    seg: { etherType: 0x0806, ipProto: -1 },
  },
  {
    name: 'Ethernet padding and FCS after a 40-byte IPv4 datagram are not payload',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 64: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 2001, win 502, length 0',
    link: E,
    bytes: ether({ payload: ipv4({ payload: ACK }), fcs: true }),
    status: Ok,
    seg: {
      ...V4,
      flags: TcpFlag.ACK,
      seq: 1001,
      ack: 2001,
      window: 502,
      payloadLen: 0,
      capturedPayload: 0,
      truncated: false,
    },
  },
  {
    name: 'pcap linktype field with FCS bits (0x10000001) is Ethernet',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 74: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: 0x10000001,
    bytes: ether({ payload: ipv4({ payload: syn() }) }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW },
  },
  {
    name: 'Linux SLL, IPv4',
    tcpdump:
      'In 00:11:22:33:44:55 ethertype IPv4 (0x0800), length 76: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.LINUX_SLL,
    bytes: sll(ipv4({ payload: syn() })),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x0800, ipOffset: 16 },
  },
  {
    name: 'Linux SLL, 802.1Q tag kept in the frame, IPv6',
    tcpdump:
      'In 00:11:22:33:44:55 ethertype 802.1Q (0x8100), length 100: vlan 5, p 0, ethertype IPv6, 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.LINUX_SLL,
    bytes: sll(concat(u16(5), u16(0x86dd), ipv6({ payload: syn() })), 0x8100),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, etherType: 0x86dd, ipOffset: 20 },
  },
  {
    name: 'Linux SLL, netlink (ARPHRD_NETLINK) is not IP',
    tcpdump: 'In 00:11:22:33:44:55 ethertype Unknown (0x0000), length 36: [hex dump]',
    link: LinkType.LINUX_SLL,
    bytes: sll(new Uint8Array(20), 0, 824),
    status: NonIp,
  },
  {
    name: 'Linux SLL, protocol 0x0004 (802.2 LLC) is not IP',
    tcpdump:
      'In 00:11:22:33:44:55 802.2, length 23: LLC, dsap STP (0x42) Individual, ssap STP (0x42) Command, ctrl 0x03: STP 802.1d, Config (invalid)',
    link: LinkType.LINUX_SLL,
    bytes: sll([0x42, 0x42, 3, 0, 0, 0, 0], 0x0004),
    status: NonIp,
    seg: { etherType: 4 },
  },
  {
    name: 'Linux SLL2, IPv6',
    tcpdump:
      'ifb0 In ifindex 2 00:11:22:33:44:55 ethertype IPv6 (0x86dd), length 100: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.LINUX_SLL2,
    bytes: sll2(ipv6({ payload: syn() })),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, etherType: 0x86dd, ipOffset: 20 },
  },
  {
    name: 'raw IP (101), IPv4',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.RAW,
    bytes: ipv4({ payload: syn() }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: -1, ipOffset: 0, tcpOffset: 20 },
  },
  {
    name: 'raw IP (101), IPv6',
    tcpdump:
      'ip: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.RAW,
    bytes: ipv6({ payload: syn() }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, ipOffset: 0 },
  },
  {
    name: 'raw IP (101), version nibble 5',
    tcpdump: 'ip: unknown ip 5',
    link: LinkType.RAW,
    bytes: concat([0x50], new Array(39).fill(0)),
    status: Malformed,
  },
  {
    name: 'linktype 12 as raw IPv4',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.RAW_12,
    bytes: ipv4({ payload: syn() }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, ipOffset: 0 },
  },
  {
    name: "linktype 12 as OpenBSD's DLT_LOOP (AF_INET6 24, big-endian)",
    tcpdump: 'ip: unknown ip 0',
    link: LinkType.RAW_12,
    bytes: nullHdr(24, ipv6({ payload: syn() }), false),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, ipOffset: 4 },
  },
  {
    name: 'linktype 14 as raw IPv6',
    // tshark reads linktype 14 as raw IP, as here.
    tcpdump: 'tcpdump: unknown data link type 14 (min 104, max 289)',
    link: LinkType.RAW_14,
    bytes: ipv6({ payload: syn() }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, ipOffset: 0 },
  },
  {
    name: 'LINKTYPE_IPV4 (228)',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.IPV4,
    bytes: ipv4({ payload: syn() }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW },
  },
  {
    name: 'LINKTYPE_IPV4 (228) holding an IPv6 packet',
    tcpdump:
      'ip: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.IPV4,
    bytes: ipv6({ payload: syn() }),
    status: Malformed,
  },
  {
    name: 'LINKTYPE_IPV6 (229)',
    tcpdump:
      'ip: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.IPV6,
    bytes: ipv6({ payload: syn() }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW },
  },
  {
    name: 'NULL, AF_INET little-endian (x86 host order)',
    tcpdump:
      'AF IPv4 (2), length 64: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.NULL,
    bytes: nullHdr(2, ipv4({ payload: syn() })),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, ipOffset: 4 },
  },
  {
    name: 'NULL, AF_INET big-endian (written on a big-endian host)',
    tcpdump:
      'AF IPv4 (2), length 64: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.NULL,
    bytes: nullHdr(2, ipv4({ payload: syn() }), false),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, ipOffset: 4 },
  },
  {
    name: 'NULL, AF_INET6 24 (NetBSD/OpenBSD)',
    tcpdump:
      'AF IPv6 (24), length 84: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.NULL,
    bytes: nullHdr(24, ipv6({ payload: syn() })),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW },
  },
  {
    name: 'NULL, AF_INET6 28 (FreeBSD)',
    tcpdump:
      'AF IPv6 (28), length 84: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.NULL,
    bytes: nullHdr(28, ipv6({ payload: syn() })),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW },
  },
  {
    name: 'NULL, AF_INET6 30 (macOS)',
    tcpdump:
      'AF IPv6 (30), length 84: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.NULL,
    bytes: nullHdr(30, ipv6({ payload: syn() })),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW },
  },
  {
    name: 'NULL, unknown family 7',
    tcpdump: 'AF ISO (7), length 64: OSI NLPID Unknown (0x45): length: 60 [hex dump]',
    link: LinkType.NULL,
    bytes: nullHdr(7, ipv4({ payload: syn() })),
    status: NonIp,
  },
  {
    name: 'LOOP (108), AF_INET big-endian',
    tcpdump:
      'AF IPv4 (2), length 64: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.LOOP,
    bytes: nullHdr(2, ipv4({ payload: syn() }), false),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW },
  },
  {
    name: 'LOOP (108), AF_INET6 30 little-endian',
    tcpdump:
      'AF IPv6 (30), length 84: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.LOOP,
    bytes: nullHdr(30, ipv6({ payload: syn() })),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW },
  },
  {
    name: 'Cisco HDLC, IPv4',
    tcpdump:
      'unicast, ethertype IPv4 (0x0800), length 64: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.C_HDLC,
    bytes: chdlc(ipv4({ payload: syn() })),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x0800, ipOffset: 4 },
  },
  {
    name: 'Cisco HDLC broadcast address 0x8f, IPv6',
    tcpdump:
      'bcast, ethertype IPv6 (0x86dd), length 84: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.C_HDLC,
    bytes: chdlc(ipv6({ payload: syn() }), 0x86dd, 0x8f),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW },
  },
  {
    name: 'Cisco HDLC, MPLS',
    tcpdump:
      'unicast, ethertype MPLS unicast (0x8847), length 72: MPLS (label 17, tc 0, ttl 64) (label 18, tc 0, [S], ttl 64) 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.C_HDLC,
    bytes: chdlc(mpls([17, 18], ipv4({ payload: syn() })), 0x8847),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x8847, ipOffset: 12 },
  },
  {
    name: 'Cisco HDLC, SLARP is not IP',
    tcpdump: 'bcast, ethertype Reverse ARP (0x8035), length 22: SLARP (length: 18), request',
    link: LinkType.C_HDLC,
    bytes: chdlc(concat(u32(0), new Array(14).fill(0)), 0x8035, 0x8f),
    status: NonIp,
    seg: { etherType: 0x8035 },
  },
  {
    name: 'Cisco HDLC, address 0x42 is impossible',
    tcpdump:
      '0x42, ethertype IPv4 (0x0800), length 64: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: LinkType.C_HDLC,
    bytes: chdlc(ipv4({ payload: syn() }), 0x0800, 0x42),
    status: Malformed,
  },
  {
    name: 'IEEE 802.11 management frame (association request) is not IP',
    tcpdump: 'BSSID:00:00:00:00:00:00 DA:00:00:00:00:00:00 SA:00:00:00:00:00:00 Assoc Request ()',
    link: 105,
    bytes: new Uint8Array(60),
    status: NonIp,
  },
  {
    name: 'unknown linktype (USER0, 147)',
    tcpdump: 'UNSUPPORTED [hex dump]',
    link: 147,
    bytes: new Uint8Array(60),
    status: UnknownLinkType,
  },
];

// ------------------------------------------------------------------ IPv4 / IPv6
const RAW = LinkType.RAW;
export const IP_CASES: Case[] = [
  {
    name: 'IPv4 with options (record route, IHL 9)',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv4({ options: [1, 7, 15, 4, ...new Array(12).fill(0)], payload: syn() }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, ipOffset: 0, tcpOffset: 36, payloadOffset: 76 },
  },
  {
    name: 'IPv4 IHL 4 is impossible',
    tcpdump: 'ip: bad-hlen 16',
    link: RAW,
    bytes: ipv4({ ihl: 4, payload: syn() }),
    status: Malformed,
  },
  {
    name: 'IPv4 with version 6 behind ethertype 0x0800',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 94: IP6, wrong link-layer encapsulation (invalid)',
    link: E,
    bytes: ether({ type: 0x0800, payload: ipv6({ payload: syn() }) }),
    status: Malformed,
  },
  {
    name: 'IPv4 total length shorter than IP + TCP headers',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: [|tcp]',
    link: RAW,
    bytes: ipv4({ totalLen: 30, payload: syn() }),
    status: Malformed,
    seg: { ...V4, ipProto: 6 },
  },
  {
    name: 'IPv4 total length shorter than its own header',
    tcpdump: 'ip: bad-len 16',
    link: RAW,
    bytes: ipv4({ totalLen: 16, payload: syn() }),
    status: Malformed,
  },
  {
    name: 'IPv4 total length beyond the frame on the wire',
    tcpdump:
      'ip: truncated-ip - 1440 bytes missing! 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000:2440, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 1440: HTTP',
    link: RAW,
    bytes: ipv4({ totalLen: 1500, payload: syn() }),
    status: Malformed,
  },
  {
    name: 'IPv4 cut by the snaplen (-s 96): payload length from the header',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 1502: 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 5:1453, ack 7, win 65535, length 1448: HTTP',
    link: E,
    bytes: ether({
      payload: ipv4({ payload: tcp({ flags: 'P.', seq: 5, ack: 7, payload: new Array(1448).fill(0x61) }) }),
    }),
    capLen: 96,
    status: Ok,
    seg: {
      ...V4,
      flags: TcpFlag.PSH | TcpFlag.ACK,
      payloadLen: 1448,
      capturedPayload: 42,
      payloadOffset: 54,
      truncated: true,
    },
  },
  {
    name: 'IPv4 total length 0 (TSO / BIG TCP): length from the wire length',
    // tcpdump 4.99.3 says bad-len; later versions decode it as we do, "length 80040 [was 0, presumed BIG TCP]"
    // (corpus tcpdump/bigtcp-ipv4.out).
    tcpdump: '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 80054: bad-len 0',
    link: E,
    bytes: ether({
      payload: ipv4({ totalLen: 0, payload: tcp({ flags: '.', payload: new Array(42).fill(0x62) }) }),
    }),
    capLen: 96,
    origLen: 14 + 20 + 20 + 80000,
    status: Ok,
    seg: { ...V4, payloadLen: 80000, capturedPayload: 42, truncated: true },
  },
  {
    name: 'IPv4 first fragment (MF, offset 0): its TCP header is used',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1000:1100, ack 0, win 65535, length 100: HTTP',
    link: RAW,
    bytes: ipv4({ mf: true, id: 77, payload: tcp({ flags: 'P.', payload: new Array(100).fill(1) }) }),
    status: Ok,
    seg: { ...V4, payloadLen: 100, ipFragmented: true },
  },
  {
    name: 'IPv4 later fragment (offset 1480) of TCP',
    tcpdump: 'ip: 10.0.0.1 > 10.0.0.2: ip-proto-6',
    link: RAW,
    bytes: ipv4({ fragOffset: 1480, id: 77, payload: new Array(100).fill(1) }),
    status: Fragment,
    seg: { ...V4, ipProto: 6, srcPort: 0 },
  },
  {
    name: 'IPv4 later fragment of UDP: to be reassembled (it may carry a tunnel)',
    tcpdump: 'ip: 10.0.0.1 > 10.0.0.2: ip-proto-17',
    link: RAW,
    bytes: ipv4({ proto: 17, fragOffset: 1480, id: 78, payload: new Array(100).fill(1) }),
    status: DecodeStatus.Reassemble,
    seg: { ipProto: 17 },
  },
  {
    name: 'IPv4 options cut by the snaplen: TCP out of reach',
    tcpdump: 'ip: [remaining caplen(30) < header length(36)] [|ip]',
    link: RAW,
    bytes: ipv4({ options: [1, 7, 15, 4, ...new Array(12).fill(0)], payload: syn() }),
    capLen: 30,
    status: Truncated,
  },
  {
    name: 'IPv4 header cut by the snaplen',
    tcpdump: '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 74: [|ip]',
    link: E,
    bytes: ether({ payload: ipv4({ payload: syn() }) }),
    capLen: 30,
    status: Truncated,
  },
  {
    name: 'ICMP',
    tcpdump: 'ip: 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 0, length 8',
    link: RAW,
    bytes: ipv4({ proto: 1, payload: [8, 0, 0xf7, 0xfe, 0, 1, 0, 0] }),
    status: NonTcp,
    seg: { ...V4, ipProto: 1 },
  },
  {
    name: 'UDP (DNS)',
    tcpdump: 'ip: 10.0.0.1.5353 > 10.0.0.2.53: 0 [0q] (12)',
    link: RAW,
    bytes: ipv4({ proto: 17, payload: udp(5353, 53, new Array(12).fill(0)) }),
    status: NonTcp,
    seg: { ipProto: 17 },
  },
  {
    name: 'GRE is opened',
    tcpdump:
      'ip: 10.0.0.1 > 10.0.0.2: GREv0, proto IPv4 (0x0800), length 64: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv4({ proto: 47, payload: concat(u16(0), u16(0x0800), ipv4({ payload: syn() })) }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, tunnels: 'GRE 10.0.0.1 -> 10.0.0.2' },
  },
  {
    name: 'IPv4 in IPv4 is opened',
    tcpdump:
      'ip: 10.0.0.1 > 10.0.0.2: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv4({ proto: 4, payload: ipv4({ payload: syn() }) }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, tunnels: 'IP-in-IP 10.0.0.1 -> 10.0.0.2' },
  },
  {
    name: 'IPv6 in IPv4 (6in4) is opened',
    tcpdump:
      'ip: 10.0.0.1 > 10.0.0.2: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv4({ proto: 41, payload: ipv6({ payload: syn() }) }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, tunnels: '6in4 10.0.0.1 -> 10.0.0.2' },
  },
  {
    name: 'VXLAN (UDP 4789) is opened',
    tcpdump:
      'ip: 10.0.0.1.51000 > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 74: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv4({
      proto: 17,
      payload: udp(
        51000,
        4789,
        concat([8, 0, 0, 0, 0, 0, 42, 0], ether({ payload: ipv4({ payload: syn() }) })),
      ),
    }),
    status: Ok,
    seg: { ...V4, ...SYN_VIEW, etherType: 0x0800, tunnels: 'VXLAN 10.0.0.1 -> 10.0.0.2, VNI 42' },
  },
  {
    name: 'Teredo (UDP 3544) is opened',
    tcpdump: 'ip: 10.0.0.1.3544 > 10.0.0.2.50000: UDP, length 80',
    link: RAW,
    bytes: ipv4({ proto: 17, payload: udp(3544, 50000, ipv6({ payload: syn() })) }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, tunnels: 'Teredo 10.0.0.1 -> 10.0.0.2' },
  },
  {
    name: 'IPv6 hop-by-hop (router alert) then TCP',
    tcpdump:
      'ip: 2001:db8::1 > 2001:db8::2: HBH 40000 > 80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv6({ exts: [ext.hopByHop([5, 2, 0, 0])], payload: syn() }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, tcpOffset: 48, payloadLen: 0 },
  },
  {
    name: 'IPv6 hop-by-hop, destination options, routing, destination options, TCP',
    tcpdump:
      'ip: 2001:db8::1 > 2001:db8::2: HBH DSTOPT RT6 (len=4, type=4, segleft=1, last-entry=0, tag=0, [0]::, [1]::) DSTOPT 40000 > 80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv6({ exts: [ext.hopByHop(), ext.destOpts(), ext.routing(2), ext.destOpts()], payload: syn() }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, tcpOffset: 40 + 8 + 8 + 40 + 8 },
  },
  {
    name: 'IPv6 AH (RFC 4302 length in 4-octet units + 2)',
    tcpdump:
      'ip: 2001:db8::1 > 2001:db8::2: AH(spi=0x00000100,seq=0x1,icv=0x000000000000000000000000): 40000 > 80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv6({ exts: [ext.ah()], payload: syn() }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, tcpOffset: 64 },
  },
  {
    name: 'IPv6 first fragment: TCP header used',
    tcpdump:
      'ip: 2001:db8::1 > 2001:db8::2: frag (0|84) 40000 > 80: Flags [P.], seq 1000:1064, ack 0, win 65535, length 64: HTTP',
    link: RAW,
    bytes: ipv6({
      exts: [ext.fragment(0, true)],
      payload: tcp({ flags: 'P.', payload: new Array(64).fill(2) }),
    }),
    status: Ok,
    seg: { ...V6, tcpOffset: 48, payloadLen: 64, ipFragmented: true },
  },
  {
    name: 'IPv6 later fragment of TCP',
    tcpdump: 'ip: 2001:db8::1 > 2001:db8::2: frag (1232|64)',
    link: RAW,
    bytes: ipv6({ exts: [ext.fragment(1232, false)], payload: new Array(64).fill(2) }),
    status: Fragment,
    seg: { ...V6, ipProto: 6 },
  },
  {
    name: 'IPv6 atomic fragment (offset 0, M clear) is a whole datagram',
    tcpdump:
      'ip: 2001:db8::1 > 2001:db8::2: frag (0|40) 40000 > 80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv6({ exts: [ext.fragment(0, false)], payload: syn() }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, ipFragmented: false },
  },
  {
    name: 'IPv6 ESP is not opened',
    tcpdump: 'ip: 2001:db8::1 > 2001:db8::2: ESP(spi=0x00000100,seq=0x1), length 40',
    link: RAW,
    bytes: ipv6({ nh: 50, payload: concat(u32(0x100), u32(1), new Array(32).fill(0xee)) }),
    status: NonTcp,
    seg: { ipProto: 50 },
  },
  {
    name: 'IPv6 no next header',
    tcpdump: 'ip: 2001:db8::1 > 2001:db8::2: DSTOPT no next header',
    link: RAW,
    bytes: ipv6({ exts: [ext.destOpts()], nh: 59, payload: [] }),
    status: NonTcp,
    seg: { ipProto: 59 },
  },
  {
    name: 'IPv6 ICMPv6',
    tcpdump: 'ip: 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 1, seq 1, length 8',
    link: RAW,
    bytes: ipv6({ nh: 58, payload: [128, 0, 0, 0, 0, 1, 0, 1] }),
    status: NonTcp,
    seg: { ipProto: 58 },
  },
  {
    name: 'IPv6 in IPv6 is opened',
    tcpdump:
      'ip: 2001:db8::1 > 2001:db8::2: 2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
    link: RAW,
    bytes: ipv6({ nh: 41, payload: ipv6({ payload: syn() }) }),
    status: Ok,
    seg: { ...V6, ...SYN_VIEW, tunnels: 'IPv6-in-IPv6 2001:db8::1 -> 2001:db8::2' },
  },
  {
    name: 'IPv6 jumbogram (BIG TCP): payload length 0 + hop-by-hop jumbo option',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv6 (0x86dd), length 70082: 2001:db8::1 > 2001:db8::2: HBH 40000 > 80: Flags [.], seq 1001:71001, ack 2001, win 502, length 70000: HTTP',
    link: E,
    bytes: ether({ payload: ipv6({ plen: 0, exts: [ext.jumbo(8 + 20 + 70000)], payload: ACK }) }),
    origLen: 14 + 40 + 8 + 20 + 70000,
    status: Ok,
    seg: { ...V6, payloadLen: 70000, capturedPayload: 0, truncated: true },
  },
  {
    name: 'IPv6 payload length 0 without a jumbo option: length from the wire length',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv6 (0x86dd), length 65674: 2001:db8::1 > 2001:db8::2: [|tcp]',
    link: E,
    bytes: ether({ payload: ipv6({ plen: 0, payload: ACK }) }),
    origLen: 14 + 40 + 20 + 65600,
    status: Ok,
    seg: { ...V6, payloadLen: 65600, truncated: true },
  },
  {
    name: 'IPv6 extension header running past the payload length',
    tcpdump:
      'ip: 2001:db8::1 > 2001:db8::2: RT6 (len=4, type=4, segleft=1, last-entry=0, tag=0, [0]:: [|rt6]',
    link: RAW,
    bytes: ipv6({ exts: [ext.routing(2)], plen: 24, payload: syn() }),
    status: Malformed,
  },
  {
    name: 'IPv6 payload length beyond the frame on the wire',
    tcpdump:
      'ip: truncated-ip6 - 960 bytes missing!2001:db8::1.40000 > 2001:db8::2.80: Flags [S], seq 1000:1960, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 960: HTTP',
    link: RAW,
    bytes: ipv6({ plen: 1000, payload: syn() }),
    status: Malformed,
  },
  {
    name: 'IPv6 extension header cut by the snaplen',
    tcpdump: 'ip: 2001:db8::1 > 2001:db8::2: RT6 (len=4, type=4, segleft=1, last-entry=0, tag=0 [|rt6]',
    link: RAW,
    bytes: ipv6({ exts: [ext.routing(2)], payload: syn() }),
    capLen: 60,
    status: Truncated,
  },
  {
    name: 'IPv6 version nibble wrong behind ethertype 0x86dd',
    tcpdump:
      '00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv6 (0x86dd), length 94: version error: 4 != 6',
    link: E,
    bytes: ether({ type: 0x86dd, payload: ipv6({ version: 4, payload: syn() }) }),
    status: Malformed,
  },
];

// ------------------------------------------------------------------ TCP
const T = (tcpSpec: Parameters<typeof tcp>[0]) => ipv4({ payload: tcp(tcpSpec) });
export const TCP_CASES: Case[] = [
  {
    name: 'all nine flags, unsigned seq/ack above 2^31, urgent pointer',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [FSRP.UEW], seq 4294967280, ack 2147483648, win 0, urg 7, length 0',
    link: RAW,
    bytes: T({ flags: 0x1ff, seq: 0xfffffff0, ack: 0x80000000, win: 0, urg: 7 }),
    status: Ok,
    seg: {
      flags: 0x1ff,
      seq: 0xfffffff0,
      ack: 0x80000000,
      window: 0,
      urgent: 7,
      headerLen: 20,
      tcpReserved: 0,
    },
  },
  {
    name: 'reserved bits set (a forged RST, as in zeek/tcp/rst-inject-rae.pcap)',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [R.], seq 1000, ack 0, win 65535, length 0',
    link: RAW,
    bytes: T({ flags: 'R.', reserved: 7 }),
    status: Ok,
    seg: { flags: TcpFlag.RST | TcpFlag.ACK, tcpReserved: 7 },
  },
  {
    name: 'AccECN SYN: AE, CWR, ECE',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [SEW], seq 1000, win 65535, length 0',
    link: RAW,
    bytes: T({ flags: 'SEWA' }),
    status: Ok,
    seg: { flags: TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR | TcpFlag.AE },
  },
  {
    name: 'payload: length, offset, captured',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1:6, ack 1, win 65535, options [nop,nop,TS val 100 ecr 200], length 5: HTTP: GET / [|http]',
    link: RAW,
    bytes: T({
      flags: 'P.',
      seq: 1,
      ack: 1,
      options: [...opt.nop(), ...opt.nop(), ...opt.ts(100, 200)],
      payload: [0x47, 0x45, 0x54, 0x20, 0x2f],
    }),
    status: Ok,
    seg: {
      headerLen: 32,
      payloadLen: 5,
      capturedPayload: 5,
      payloadOffset: 52,
      tsVal: 100,
      tsEcr: 200,
      truncated: false,
    },
  },
  {
    name: 'data offset 4 is impossible',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: tcp 4 [bad hdr length 16 - too short, < 20]',
    link: RAW,
    bytes: T({ doff: 4 }),
    status: Malformed,
  },
  {
    name: 'data offset 15 past the end of the IP datagram',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.] [bad hdr length 60 - too long, > 20]',
    link: RAW,
    bytes: T({ doff: 15, options: [] }),
    status: Malformed,
  },
  {
    name: 'TCP fixed header cut by the snaplen (19 of 20 bytes)',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: [|tcp]',
    link: RAW,
    bytes: T({ flags: 'S' }),
    capLen: 39,
    status: Truncated,
  },
  {
    name: 'SACK, 1 block',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [nop,nop,sack 1 {65537:131073}], length 0',
    link: RAW,
    bytes: T({ options: [...opt.nop(), ...opt.nop(), ...opt.sack([[0x10000, 0x20000]])] }),
    status: Ok,
    seg: { sack: [[0x10000, 0x20000]], badOptions: false },
  },
  {
    name: 'SACK, 3 blocks with timestamps (the most that fits beside them)',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [nop,nop,TS val 5 ecr 6,nop,nop,sack 3 {2:3}{4:5}{4294967281:17}], length 0',
    link: RAW,
    bytes: T({
      options: [
        ...opt.nop(),
        ...opt.nop(),
        ...opt.ts(5, 6),
        ...opt.nop(),
        ...opt.nop(),
        ...opt.sack([
          [1, 2],
          [3, 4],
          [0xfffffff0, 0x10],
        ]),
      ],
    }),
    status: Ok,
    seg: {
      tsVal: 5,
      tsEcr: 6,
      sack: [
        [1, 2],
        [3, 4],
        [0xfffffff0, 0x10],
      ],
    },
  },
  {
    name: 'SACK, 4 blocks',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [nop,nop,sack 4 {2:3}{4:5}{6:7}{8:9}], length 0',
    link: RAW,
    bytes: T({
      options: [
        ...opt.nop(),
        ...opt.nop(),
        ...opt.sack([
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ]),
      ],
    }),
    status: Ok,
    seg: {
      sack: [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
    },
  },
  {
    name: 'empty SACK (length 2) is well-formed, no block',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [nop,nop,sack 0 ], length 0',
    link: RAW,
    bytes: T({ options: [...opt.nop(), ...opt.nop(), 5, 2] }),
    status: Ok,
    seg: { sack: [], badOptions: false },
  },
  {
    name: 'SACK length 9 (not 2 + 8n): bad, skipped',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [sack invalid sack,mss 536,eol], length 0',
    link: RAW,
    bytes: T({ options: [5, 9, ...u32(1), 0, 0, 0, ...opt.mss(536)] }),
    status: Ok,
    seg: { sack: [], badOptions: true, mss: 536 },
  },
  {
    name: 'window scale 14 and 255 (raw value kept; the tracker clamps)',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, options [wscale 255,nop], length 0',
    link: RAW,
    bytes: T({ flags: 'S', options: [...opt.ws(255), ...opt.nop()] }),
    status: Ok,
    seg: { wscale: 255 },
  },
  {
    name: 'TFO cookie request (kind 34, length 2)',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, options [mss 1460,tfo cookiereq,nop,nop], length 0',
    link: RAW,
    bytes: T({ flags: 'S', options: [...opt.mss(1460), ...opt.tfo(), ...opt.nop(), ...opt.nop()] }),
    status: Ok,
    seg: { tfo: true, mss: 1460 },
  },
  {
    name: 'TFO with an 8-byte cookie and data on the SYN',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000:1003, win 65535, options [tfo cookie 0102030405060708,nop,nop], length 3: HTTP',
    link: RAW,
    bytes: T({
      flags: 'S',
      options: [...opt.tfo([1, 2, 3, 4, 5, 6, 7, 8]), ...opt.nop(), ...opt.nop()],
      payload: [1, 2, 3],
    }),
    status: Ok,
    seg: { tfo: true, payloadLen: 3 },
  },
  {
    name: 'TFO experimental (kind 254, ExID 0xF989)',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, options [exp-tfo cookie 0909090909090909], length 0',
    link: RAW,
    bytes: T({ flags: 'S', options: [...opt.tfoExp([9, 9, 9, 9, 9, 9, 9, 9])] }),
    status: Ok,
    seg: { tfo: true, otherOptions: [] },
  },
  {
    name: 'experimental kind 254 with another ExID is another option',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [exp-1234], length 0',
    link: RAW,
    bytes: T({ options: [254, 4, 0x12, 0x34] }),
    status: Ok,
    seg: { tfo: false, otherOptions: [(254 << 8) | 4] },
  },
  {
    name: 'MD5 signature (19), MPTCP (30), TCP-AO (29) kept as kind<<8|length',
    tcpdump:
      "ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [md5 shared secret not supplied with -M, can't check - aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,mptcp 12 dss ack 0[bad opt]]",
    link: RAW,
    bytes: T({
      options: [
        ...opt.raw(19, new Array(16).fill(0xaa)),
        ...opt.raw(30, [0x20, 0x81, 0, 0, 0, 0, 0, 0, 0, 1]),
        ...opt.raw(29, [1, 2]),
      ],
    }),
    status: Ok,
    seg: { otherOptions: [(19 << 8) | 18, (30 << 8) | 12, (29 << 8) | 4], badOptions: false },
  },
  {
    name: 'more than 8 unknown options: the first 8 kept',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [unknown-100,unknown-101,unknown-102,unknown-103,unknown-104,unknown-105,unknown-106,unknown-107,unknown-108,mss 1000,eol], length 0',
    link: RAW,
    bytes: T({
      options: [100, 2, 101, 2, 102, 2, 103, 2, 104, 2, 105, 2, 106, 2, 107, 2, 108, 2, ...opt.mss(1000)],
    }),
    status: Ok,
    seg: { otherOptions: [100, 101, 102, 103, 104, 105, 106, 107].map((k) => (k << 8) | 2), mss: 1000 },
  },
  {
    name: 'EOL ends the options: what follows is padding',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [mss 1400,eol], length 0',
    link: RAW,
    bytes: T({ options: [...opt.mss(1400), 0, ...opt.ws(3), 0] }),
    status: Ok,
    seg: { mss: 1400, wscale: -1, badOptions: false },
  },
  {
    name: 'option length 0: bad, parsing stops',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [nop,[bad opt]]',
    link: RAW,
    bytes: T({ options: [...opt.nop(), 99, 0, ...opt.mss(1400), 0] }),
    status: Ok,
    seg: { mss: -1, badOptions: true },
  },
  {
    name: 'option length 1: bad, parsing stops',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [mss 1400,[bad opt]]',
    link: RAW,
    bytes: T({ options: [...opt.mss(1400), 3, 1, 0, 0] }),
    status: Ok,
    seg: { mss: 1400, wscale: -1, badOptions: true },
  },
  {
    name: 'option running past the header: bad, parsing stops',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [mss 1400,[bad opt]]',
    link: RAW,
    bytes: T({ options: [...opt.mss(1400), 8, 10, 0, 0] }),
    status: Ok,
    seg: { mss: 1400, tsVal: -1, badOptions: true },
  },
  {
    name: 'length byte missing at the end of the header: bad',
    tcpdump: 'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [nop,nop,nop, [|tcp]',
    link: RAW,
    bytes: T({ options: [1, 1, 1, 2] }),
    status: Ok,
    seg: { mss: -1, badOptions: true },
  },
  {
    name: 'MSS with length 3: bad, skipped, the next option read',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [mss 1288[len 3],[bad opt]]',
    link: RAW,
    bytes: T({ options: [2, 3, 5, ...opt.ts(7, 8), 0, 0] }),
    status: Ok,
    seg: { mss: -1, tsVal: 7, tsEcr: 8, badOptions: true },
  },
  {
    name: 'timestamps with length 8, window scale length 4, SACK-permitted length 3: bad',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 0, win 65535, options [TS val 1 ecr 772[len 8],nop,nop,sackOK[len 3],eol], length 0',
    link: RAW,
    bytes: T({ options: [8, 8, 0, 0, 0, 1, 0, 0, 3, 4, 1, 1, 4, 3, 0, 0] }),
    status: Ok,
    seg: { tsVal: -1, wscale: -1, sackPermitted: false, badOptions: true },
  },
  {
    name: 'TFO with length 4 (cookie shorter than 4): bad',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, options [tfo (invalid)], length 0',
    link: RAW,
    bytes: T({ flags: 'S', options: [34, 4, 1, 2] }),
    status: Ok,
    seg: { tfo: false, badOptions: true },
  },
  {
    name: 'options cut by the snaplen: what was captured is parsed, truncated',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, options [mss 1460,sackOK,TS [|tcp]>',
    link: RAW,
    bytes: T({ flags: 'S', options: LINUX_SYN_OPTIONS }),
    capLen: 20 + 20 + 8,
    status: Ok,
    seg: {
      mss: 1460,
      sackPermitted: true,
      tsVal: -1,
      wscale: -1,
      truncated: true,
      badOptions: false,
      capturedPayload: 0,
    },
  },
  {
    name: 'options cut between kind and length byte',
    tcpdump:
      'ip: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, options [mss 1460,sackOK, [|tcp]',
    link: RAW,
    bytes: T({ flags: 'S', options: LINUX_SYN_OPTIONS }),
    capLen: 20 + 20 + 7,
    status: Ok,
    seg: { mss: 1460, sackPermitted: true, tsVal: -1, truncated: true, badOptions: false },
  },
];
