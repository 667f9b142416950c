/**
 * Frame builders for tests: Ethernet, VLAN, MPLS, SLL, NULL, C-HDLC, IPv4, IPv6
 * (with extension headers), TCP (with options). Each returns the bytes of its
 * header followed by the payload it wraps, with lengths and checksums filled in
 * as a real stack would, so the frames can also be written to a pcap and read
 * by tcpdump / tshark. Reusable by other test suites.
 *
 *   ether({ payload: ipv4({ payload: tcp({ flags: 'S', options: [opt.mss(1460)] }) }) })
 */
import { parseAddr } from '../../src/decode/addr.js';
import { concat as concatAll } from '../helpers/mutate.mjs';
import { flagBits } from '../helpers/pcap-writer.js';
import { at } from '../../src/model/checked.js';

export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  return concatAll(parts);
}

export const u16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [
  (v >>> 24) & 0xff,
  (v >>> 16) & 0xff,
  (v >>> 8) & 0xff,
  v & 0xff,
];
export const u32le = (v: number): number[] => [
  v & 0xff,
  (v >>> 8) & 0xff,
  (v >>> 16) & 0xff,
  (v >>> 24) & 0xff,
];

export function addr(text: string): Uint8Array {
  const a = parseAddr(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a.bytes;
}

/** The Internet checksum (RFC 1071) over the given parts. */
export function checksum(...parts: ArrayLike<number>[]): number {
  const b = concat(...parts);
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (at(b, i) << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---------------------------------------------------------------- TCP

/** TCP option bytes. */
export const opt = {
  eol: (): number[] => [0],
  nop: (): number[] => [1],
  mss: (v: number): number[] => [2, 4, ...u16(v)],
  ws: (shift: number): number[] => [3, 3, shift],
  sackOk: (): number[] => [4, 2],
  sack: (blocks: [number, number][]): number[] => [
    5,
    2 + 8 * blocks.length,
    ...blocks.flatMap(([l, r]) => [...u32(l), ...u32(r)]),
  ],
  ts: (val: number, ecr: number): number[] => [8, 10, ...u32(val), ...u32(ecr)],
  tfo: (cookie: number[] = []): number[] => [34, 2 + cookie.length, ...cookie],
  tfoExp: (cookie: number[] = []): number[] => [254, 4 + cookie.length, 0xf9, 0x89, ...cookie],
  raw: (kind: number, data: number[] = []): number[] => [kind, 2 + data.length, ...data],
};

export interface TcpSpec {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** tcpdump's letters ("S", "S.", "P.", "F.", "R", "E" ECE, "W" CWR, "A" AE) or the bits. */
  flags?: string | number;
  win?: number;
  urg?: number;
  /** Option bytes (use opt.*), padded with EOL to a multiple of 4 unless `doff` is given. */
  options?: number[];
  payload?: ArrayLike<number>;
  /** Data offset override (in 32-bit words), for malformed headers. */
  doff?: number;
  /** The three reserved bits (0..7). */
  reserved?: number;
}

/** A TCP header + payload. The checksum is left 0: `ipv4`/`ipv6` fill it in. */
export function tcp(s: TcpSpec = {}): Uint8Array {
  const options = [...(s.options ?? [])];
  if (s.doff === undefined) while (options.length % 4) options.push(0);
  const doff = s.doff ?? 5 + options.length / 4;
  const flags = flagBits(s.flags ?? '.');
  return concat(
    u16(s.sport ?? 40000),
    u16(s.dport ?? 80),
    u32(s.seq ?? 1000),
    u32(s.ack ?? 0),
    [(doff << 4) | (((s.reserved ?? 0) & 7) << 1) | ((flags >> 8) & 1), flags & 0xff],
    u16(s.win ?? 65535),
    u16(0),
    u16(s.urg ?? 0),
    options,
    s.payload ?? [],
  );
}

/** UDP header + payload (checksum 0: "none" for IPv4). */
export function udp(sport: number, dport: number, payload: ArrayLike<number> = []): Uint8Array {
  return concat(u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload);
}

/** Fills the TCP checksum of a segment that starts at `at` in `packet` (when it is a full TCP header). */
function fillTcpChecksum(pseudo: number[], seg: Uint8Array): void {
  if (seg.length < 20) return;
  seg[16] = 0;
  seg[17] = 0;
  const c = checksum(pseudo, seg);
  seg[16] = c >> 8;
  seg[17] = c & 0xff;
}

// ---------------------------------------------------------------- IP

export interface Ipv4Spec {
  src?: string;
  dst?: string;
  /** Default 6 (TCP). */
  proto?: number;
  ttl?: number;
  id?: number;
  /** Don't-fragment, more-fragments, fragment offset (in bytes, multiple of 8). */
  df?: boolean;
  mf?: boolean;
  fragOffset?: number;
  /** Option bytes, padded to a multiple of 4. */
  options?: number[];
  payload?: ArrayLike<number>;
  /** Overrides: total length field, IHL (in words), version. */
  totalLen?: number;
  ihl?: number;
  version?: number;
}

export function ipv4(s: Ipv4Spec = {}): Uint8Array {
  const options = [...(s.options ?? [])];
  while (options.length % 4) options.push(0);
  const payload = Uint8Array.from(s.payload ?? tcp());
  const proto = s.proto ?? 6;
  const src = addr(s.src ?? '10.0.0.1');
  const dst = addr(s.dst ?? '10.0.0.2');
  const ihl = s.ihl ?? 5 + options.length / 4;
  const total = s.totalLen ?? 20 + options.length + payload.length;
  const frag = (s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | ((s.fragOffset ?? 0) >> 3);
  if (proto === 6 && !s.fragOffset) {
    fillTcpChecksum([...src, ...dst, 0, 6, ...u16(payload.length)], payload);
  }
  const hdr = concat(
    [((s.version ?? 4) << 4) | ihl, 0],
    u16(total),
    u16(s.id ?? 1),
    u16(frag),
    [s.ttl ?? 64, proto],
    u16(0),
    src,
    dst,
    options,
  );
  const c = checksum(hdr);
  hdr[10] = c >> 8;
  hdr[11] = c & 0xff;
  return concat(hdr, payload);
}

/** An IPv6 extension header: `nh` is filled by ipv6(). */
export interface Ext {
  type: number;
  bytes: number[];
}

export const ext = {
  /** Hop-by-hop with the given option TLVs (padded with PadN to 8n bytes). */
  hopByHop: (tlvs: number[] = []): Ext => ({ type: 0, bytes: padExt(tlvs) }),
  jumbo: (len: number): Ext => ({ type: 0, bytes: [0, 0, 0xc2, 4, ...u32(len)] }),
  destOpts: (tlvs: number[] = []): Ext => ({ type: 60, bytes: padExt(tlvs) }),
  /** Type 4 (segment routing) style routing header with `n` addresses. */
  routing: (n = 1): Ext => ({
    type: 43,
    bytes: [0, 2 * n, 4, n - 1, 0, 0, 0, 0, ...new Array(16 * n).fill(0)],
  }),
  fragment: (offset: number, more: boolean, id = 0x1234): Ext => ({
    type: 44,
    bytes: [0, 0, ...u16((offset & 0xfff8) | (more ? 1 : 0)), ...u32(id)],
  }),
  /** AH with a 12-byte ICV: payload length (in 4-octet units) - 2 = 4. */
  ah: (): Ext => ({ type: 51, bytes: [0, 4, 0, 0, ...u32(0x100), ...u32(1), ...new Array(12).fill(0)] }),
};

function padExt(tlvs: number[]): number[] {
  const b = [0, 0, ...tlvs];
  const pad = (8 - (b.length % 8)) % 8;
  if (pad === 1) b.push(0);
  else if (pad > 1) b.push(1, pad - 2, ...new Array(pad - 2).fill(0));
  b[1] = b.length / 8 - 1;
  return b;
}

export interface Ipv6Spec {
  src?: string;
  dst?: string;
  /** Next header of the transport (default 6). */
  nh?: number;
  hlim?: number;
  exts?: Ext[];
  payload?: ArrayLike<number>;
  /** Payload length field override (0 for jumbograms). */
  plen?: number;
  version?: number;
}

export function ipv6(s: Ipv6Spec = {}): Uint8Array {
  const exts = s.exts ?? [];
  const payload = Uint8Array.from(s.payload ?? tcp());
  const nh = s.nh ?? 6;
  const src = addr(s.src ?? '2001:db8::1');
  const dst = addr(s.dst ?? '2001:db8::2');
  if (nh === 6) fillTcpChecksum([...src, ...dst, ...u32(payload.length), 0, 0, 0, 6], payload);
  const chain: number[] = [];
  for (let i = 0; i < exts.length; i++) {
    const b = [...at(exts, i).bytes];
    b[0] = i + 1 < exts.length ? at(exts, i + 1).type : nh;
    chain.push(...b);
  }
  const first = exts.length ? at(exts, 0).type : nh;
  const plen = s.plen ?? chain.length + payload.length;
  return concat([(s.version ?? 6) << 4, 0, 0, 0], u16(plen), [first, s.hlim ?? 64], src, dst, chain, payload);
}

// ---------------------------------------------------------------- links

export interface EtherSpec {
  dst?: number[];
  src?: number[];
  /** Ethertype after the tags; default from the payload's version nibble. */
  type?: number;
  /** Tags outermost first: [tpid, vid]. */
  tags?: [number, number][];
  payload: ArrayLike<number>;
  /** Pad to the 60-byte Ethernet minimum (default true), and append a 4-byte FCS. */
  pad?: boolean;
  fcs?: boolean;
}

export function ipEtherType(payload: ArrayLike<number>): number {
  return payload.length > 0 && at(payload, 0) >> 4 === 6 ? 0x86dd : 0x0800;
}

export function ether(s: EtherSpec): Uint8Array {
  const parts: ArrayLike<number>[] = [
    s.dst ?? [0, 0x11, 0x22, 0x33, 0x44, 0x55],
    s.src ?? [0, 0x66, 0x77, 0x88, 0x99, 0xaa],
  ];
  for (const [tpid, vid] of s.tags ?? []) parts.push(u16(tpid), u16(vid & 0x0fff));
  parts.push(u16(s.type ?? ipEtherType(s.payload)), s.payload);
  let f = concat(...parts);
  if (s.pad !== false && f.length < 60) f = concat(f, new Array(60 - f.length).fill(0));
  if (s.fcs) f = concat(f, [0xde, 0xad, 0xbe, 0xef]);
  return f;
}

/** An MPLS label stack (bottom of stack set on the last label) followed by `payload`. */
export function mpls(labels: number[], payload: ArrayLike<number>): Uint8Array {
  const stack = labels.flatMap((label, i) =>
    u32(((label & 0xfffff) << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64),
  );
  return concat(stack, payload);
}

/** Linux cooked v1 (LINKTYPE_LINUX_SLL); packetType 0 PACKET_HOST, 4 PACKET_OUTGOING. */
export function sll(
  payload: ArrayLike<number>,
  proto = ipEtherType(payload),
  hatype = 1,
  packetType = 0,
): Uint8Array {
  return concat(
    u16(packetType),
    u16(hatype),
    u16(6),
    [0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0],
    u16(proto),
    payload,
  );
}

/** Linux cooked v2 (LINKTYPE_LINUX_SLL2). */
export function sll2(
  payload: ArrayLike<number>,
  proto = ipEtherType(payload),
  hatype = 1,
  packetType = 0,
): Uint8Array {
  return concat(
    u16(proto),
    u16(0),
    u32(2),
    u16(hatype),
    [packetType, 6],
    [0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0],
    payload,
  );
}

/** BSD NULL / LOOP: the address family, little-endian (NULL on x86) or big-endian (LOOP). */
export function nullHdr(af: number, payload: ArrayLike<number>, littleEndian = true): Uint8Array {
  return concat(littleEndian ? u32le(af) : u32(af), payload);
}

/** Cisco HDLC. */
export function chdlc(payload: ArrayLike<number>, proto = ipEtherType(payload), address = 0x0f): Uint8Array {
  return concat([address, 0], u16(proto), payload);
}

// ---------------------------------------------------------------- pcap

/** A classic pcap file (microsecond, little-endian) of the given frames, for feeding tcpdump / tshark. */
export function pcapFile(linkType: number, frames: Uint8Array[], snaplen = 262144): Uint8Array {
  const parts: ArrayLike<number>[] = [
    u32le(0xa1b2c3d4),
    [2, 0, 4, 0],
    u32le(0),
    u32le(0),
    u32le(snaplen),
    u32le(linkType),
  ];
  for (const [i, f] of frames.entries()) {
    parts.push(u32le(1763726400 + i), u32le(0), u32le(f.length), u32le(f.length), f);
  }
  return concat(...parts);
}
