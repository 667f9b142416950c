/**
 * The decode stage's output: one TCP segment with the IP addressing around it.
 *
 * A decoder fills a caller-owned Segment (reused packet after packet, so the hot
 * path allocates nothing) and returns a DecodeStatus. Consumers copy what they keep.
 */
export interface Segment {
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** tsSec + tsNsec / 1e9, for arithmetic on durations. */
  ts: number;

  ipVersion: 4 | 6;
  /** Source address: 4 bytes used for IPv4, 16 for IPv6. Buffer owned by the Segment. */
  src: Uint8Array;
  dst: Uint8Array;
  srcPort: number;
  dstPort: number;
  ttl: number;

  /** Unsigned 32-bit sequence and acknowledgement numbers. */
  seq: number;
  ack: number;
  /** TCP flags, 9 bits: see TcpFlag. */
  flags: number;
  /** Raw (unscaled) window field. */
  window: number;
  urgent: number;
  /** TCP header length in bytes (data offset x 4). */
  headerLen: number;
  /** Payload length from the IP header (not the captured length). */
  payloadLen: number;
  /** Payload bytes actually captured (<= payloadLen); the payload is buf[payloadOffset .. +capturedPayload). */
  capturedPayload: number;
  payloadOffset: number;
  buf: Uint8Array;
  /** True when the snaplen cut the packet inside the TCP header options or payload. */
  truncated: boolean;

  /** Options; -1 when absent. */
  mss: number;
  wscale: number;
  sackPermitted: boolean;
  /** Number of SACK blocks in this segment (0 when none); edges in sackBlocks[0..2n). */
  sackCount: number;
  sackBlocks: Uint32Array;
  /** Timestamp option; tsVal = -1 when absent. */
  tsVal: number;
  tsEcr: number;
  /** TCP Fast Open option present (kind 34, or experimental 254 with magic 0xF989). */
  tfo: boolean;
  /** Option kinds seen that are not decoded above, as (kind << 8 | length), up to 8. */
  otherOptions: number[];
  /** True when an option had an impossible length (the rest of the options were ignored). */
  badOptions: boolean;

  /**
   * Added by the decoder (decode/packet.ts). Where the layers stopped, as values:
   * the last ethertype seen (-1 when the link has none), the IP protocol / IPv6
   * next header of the transport (-1 before IP), and the offsets of the IP and
   * TCP headers in buf (-1 when not reached), so a consumer can re-read a header.
   */
  etherType: number;
  ipProto: number;
  ipOffset: number;
  tcpOffset: number;
  /**
   * The first fragment of a fragmented IP datagram (MF set, offset 0): payloadLen
   * covers this fragment only, the rest of the segment is in later fragments.
   */
  ipFragmented: boolean;
  /**
   * Offset in buf of the IPv6 fragment header of a fragment (status
   * Reassemble); not reset between packets, read only for that status.
   */
  fragHeader: number;
  /**
   * The TCP header's three reserved bits (byte 12, bits 1-3; RFC 9293 section 3.1),
   * 0..7. Senders must send zero: non-zero marks crafted or injected segments.
   */
  tcpReserved: number;
  /**
   * The TCP header's options were cut by the snaplen (data offset says more
   * bytes than were captured). The fixed 20 bytes are read and used; options
   * past the cut are unknown. Zeek ignores such a packet (its TCP analyzer
   * stops at a header shorter than the data offset), so the `--zeek` view does.
   */
  headerCut: boolean;
  /**
   * Which way the packet went past the capturing host, from the link header
   * (Linux cooked captures, `tcpdump -i any`: the packet type): LinkDir.IN
   * addressed to it, LinkDir.OUT sent by it (or forwarded out of it),
   * LinkDir.UNKNOWN when the link does not say.
   */
  linkDir: LinkDir;
  /**
   * An 802.11 A-MSDU frame carries several packets (decode/ieee80211.ts): the
   * offset in buf of the subframe after this one, -1 when none (or not
   * A-MSDU); decodeNextSubframe() (decode/packet.ts) decodes it. amsduEnd is the
   * end of the frame's captured body, amsduDepth and amsduKey the tunnel chain
   * the frame came in (tunnelDepth and tunnelKey where the subframes start).
   */
  amsduNext: number;
  amsduEnd: number;
  amsduDepth: number;
  amsduKey: number;
  /**
   * The tunnels the segment travelled in (decode/tunnel.ts): 0 without one, else
   * a number derived from the encapsulation chain (type, outer addresses,
   * VNI / key) that is part of the connection's identity. The chain itself is
   * tunnels[0 .. tunnelDepth), outermost first, filled only when there is one.
   */
  tunnelKey: number;
  tunnelDepth: number;
  tunnels: TunnelHop[];
}

/** Segment.linkDir: which way a packet went past the capturing host. */
export const LinkDir = {
  UNKNOWN: 0,
  /** Addressed to the capturing host (SLL packet type PACKET_HOST). */
  IN: 1,
  /** Sent by the capturing host, or forwarded out of it (PACKET_OUTGOING). */
  OUT: 2,
} as const;
export type LinkDir = (typeof LinkDir)[keyof typeof LinkDir];

/** One encapsulation around a segment: its kind and the outer header's endpoints. */
export interface TunnelHop {
  /** TunnelType (decode/tunnel.ts). */
  type: number;
  ipVersion: 4 | 6;
  /** Outer addresses (4 bytes used for IPv4, 16 for IPv6). */
  src: Uint8Array;
  dst: Uint8Array;
  /** Outer UDP ports for UDP-borne tunnels, else 0. */
  srcPort: number;
  dstPort: number;
  /** VNI (VXLAN, Geneve), GRE key, ERSPAN session, GTP-U TEID; -1 when none. */
  id: number;
}

/** How deep tunnels may nest (VXLAN in GRE in IP-in-IP is 3); deeper is counted as `tunnel`. */
export const MAX_TUNNEL_DEPTH = 4;

function newTunnelHop(): TunnelHop {
  return {
    type: 0,
    ipVersion: 4,
    src: new Uint8Array(16),
    dst: new Uint8Array(16),
    srcPort: 0,
    dstPort: 0,
    id: -1,
  };
}

export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  /** AE (formerly NS, RFC 3540 / AccECN), bit 8. */
  AE: 0x100,
} as const;

/** Result of decoding one record. Ok means the Segment was filled. */
export const DecodeStatus = {
  Ok: 0,
  /** Not IP at all (ARP, LLDP, STP, ...). */
  NonIp: 1,
  /** IP, but not TCP (UDP, ICMP, ...). */
  NonTcp: 2,
  /** The link type is not one we decode. */
  UnknownLinkType: 3,
  /** The snaplen cut the frame before the TCP header's fixed 20 bytes. */
  Truncated: 4,
  /** A header is impossible (IHL < 5, data offset < 5, lengths that disagree, ...). */
  Malformed: 5,
  /** A non-first IP fragment (its TCP header is in the first fragment). */
  Fragment: 6,
  /**
   * A tunnel we do not open (L2TP, a GRE or UDP payload that is not what its
   * header or port announces), or tunnels nested deeper than MAX_TUNNEL_DEPTH.
   */
  Tunnel: 7,
  /** A text line that is not a TCP line (tcpdump text input). */
  NonTcpLine: 8,
  /**
   * tcpdump text: the line opens a packet whose TCP part is on the next line
   * (the IPv4 header line of `tcpdump -v`). Not a packet by itself: count nothing;
   * the next line gives the packet's status.
   */
  Pending: 9,
  /**
   * tcpdump text: the line is not a packet but part of an earlier one's print
   * (decoded payload, hex/ASCII dump, the second line of a non-TCP `-v` packet)
   * or tcpdump's own banner ("reading from file ..."). Count nothing.
   */
  Continuation: 10,
  /**
   * tcpdump text: a TCP line without flags or sequence numbers (`tcpdump -q`:
   * `IP a.1 > b.2: tcp 0`). seg holds the addresses, ports, time and payloadLen only.
   */
  TcpNoHeader: 11,
  /**
   * A fragment of an IP datagram that may carry a tunnel (UDP, GRE, IP-in-IP):
   * the caller reassembles it (decode/defrag.ts) and decodes the whole datagram.
   * Counted as `ip-fragment` while it waits.
   */
  Reassemble: 12,
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/** The names used in the JSON report's `capture.skipped`, indexed by DecodeStatus. */
export const SKIP_REASON: readonly string[] = [
  'ok',
  'non-ip',
  'non-tcp',
  'unknown-link-type',
  'truncated',
  'malformed',
  'ip-fragment',
  'tunnel',
  'non-tcp-line',
  'pending',
  'continuation',
  'tcp-no-header',
  'ip-fragment',
];

export function newSegment(): Segment {
  return {
    frame: 0,
    tsSec: 0,
    tsNsec: 0,
    ts: 0,
    ipVersion: 4,
    src: new Uint8Array(16),
    dst: new Uint8Array(16),
    srcPort: 0,
    dstPort: 0,
    ttl: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    urgent: 0,
    headerLen: 20,
    payloadLen: 0,
    capturedPayload: 0,
    payloadOffset: 0,
    buf: new Uint8Array(0),
    truncated: false,
    mss: -1,
    wscale: -1,
    sackPermitted: false,
    sackCount: 0,
    sackBlocks: new Uint32Array(8),
    tsVal: -1,
    tsEcr: -1,
    tfo: false,
    otherOptions: [],
    badOptions: false,
    etherType: -1,
    ipProto: -1,
    ipOffset: -1,
    tcpOffset: -1,
    ipFragmented: false,
    fragHeader: -1,
    tcpReserved: 0,
    headerCut: false,
    linkDir: LinkDir.UNKNOWN,
    amsduNext: -1,
    amsduEnd: 0,
    amsduDepth: 0,
    amsduKey: 0,
    tunnelKey: 0,
    tunnelDepth: 0,
    tunnels: Array.from({ length: MAX_TUNNEL_DEPTH }, newTunnelHop),
  };
}

/**
 * Every per-packet field of a reused Segment back to "absent", addresses, ports
 * and IP version aside (each decoder sets those its own way). Shared by the
 * binary decoder and the tcpdump text parser; no allocation, no fill() unless
 * the previous packet had SACK blocks.
 */
export function resetFields(seg: Segment, buf: Uint8Array): void {
  seg.ttl = 0;
  seg.seq = 0;
  seg.ack = 0;
  seg.flags = 0;
  seg.window = 0;
  seg.urgent = 0;
  seg.headerLen = 20;
  seg.payloadLen = 0;
  seg.capturedPayload = 0;
  seg.payloadOffset = 0;
  seg.buf = buf;
  seg.truncated = false;
  seg.mss = -1;
  seg.wscale = -1;
  seg.sackPermitted = false;
  if (seg.sackCount !== 0) seg.sackBlocks.fill(0);
  seg.sackCount = 0;
  seg.tsVal = -1;
  seg.tsEcr = -1;
  seg.tfo = false;
  // Setting an array's length is a runtime call, even to the same value.
  if (seg.otherOptions.length !== 0) seg.otherOptions.length = 0;
  seg.badOptions = false;
  seg.etherType = -1;
  seg.ipProto = -1;
  seg.ipOffset = -1;
  seg.tcpOffset = -1;
  seg.ipFragmented = false;
  seg.tcpReserved = 0;
  seg.headerCut = false;
  seg.linkDir = LinkDir.UNKNOWN;
  seg.amsduNext = -1;
  seg.tunnelKey = 0;
  seg.tunnelDepth = 0;
}
