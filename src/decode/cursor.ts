/**
 * The state shared by the layer decoders of one packet, and the layer ids that
 * index the decoder table in packet.ts.
 *
 * Decoding is a loop over that table (gopacket's DecodingLayerParser): each
 * layer decoder reads its header at `off`, advances `off` and returns the id of
 * the next layer, or `Layer.Done` with `status` set. An unsupported next layer
 * is not an error but a value: the decoder stores the ethertype / IP protocol in
 * the Segment and stops with NonIp / NonTcp / Tunnel.
 *
 * One Cursor object is reused for every packet (the decoder is synchronous and
 * not re-entrant), so the hot path allocates nothing.
 */
import { type DecodeStatus, DecodeStatus as Status, type Segment } from './segment.js';

export const Layer = {
  /** Stop: `status` holds the result. */
  Done: 0,
  Ethernet: 1,
  Vlan: 2,
  Mpls: 3,
  PppoeSession: 4,
  LinuxSll: 5,
  LinuxSll2: 6,
  /** BSD NULL / LOOP: 4-byte address family, either byte order. */
  Null: 7,
  CiscoHdlc: 8,
  /** Raw IP: the version nibble says IPv4 or IPv6. */
  RawIp: 9,
  /** LINKTYPE 12 / 14: raw IP on most systems, but OpenBSD's DLT_LOOP is 12. */
  RawOrLoop: 10,
  IPv4: 11,
  IPv6: 12,
  Udp: 13,
  Tcp: 14,
  // Tunnels (each decoder in its own file; the tunnel hop is recorded by decode/tunnel.ts).
  Vxlan: 15,
  Geneve: 16,
  Gre: 17,
  ErspanII: 18,
  ErspanIII: 19,
  GtpU: 20,
  Teredo: 21,
  Ayiya: 22,
  EtherIp: 23,
  // More link layers.
  Fddi: 24,
  Ieee80211: 25,
  Radiotap: 26,
  Pktap: 27,
  Nflog: 28,
  /** IEEE 802.1ah provider backbone bridging I-TAG (ethertype 0x88e7). */
  Pbb: 29,
  /** Cisco VN-Tag (ethertype 0x8926). */
  VnTag: 30,
  /** Cisco FabricPath: an outer Ethernet header whose ethertype is the FP tag 0x8903. */
  FabricPath: 31,
  /** PPP protocol field (GRE version 1, PPTP). */
  Ppp: 32,
  /** IEEE 802.2 LLC with a SNAP header (FDDI, 802.11). */
  LlcSnap: 33,
  /** One subframe of an 802.11 A-MSDU (decode/ieee80211.ts). */
  AmsduSubframe: 34,
} as const;
export type Layer = (typeof Layer)[keyof typeof Layer];

export interface Cursor {
  buf: Uint8Array;
  /** First byte of the frame in buf. */
  start: number;
  /** First byte of the current layer's header. */
  off: number;
  /**
   * End (exclusive) of the bytes we may read: the captured bytes, cut down to
   * the IP datagram's end once an IP header gave it (drops Ethernet padding and FCS).
   */
  end: number;
  /** Frame length on the wire (never less than the captured length). */
  wireLen: number;
  /** End of the IP datagram by its header; can lie past `end` when the snaplen cut the packet. */
  ipEnd: number;
  status: DecodeStatus;
  seg: Segment;
  /** Ports of the last UDP header read (for the tunnel hop it opens), 0 before any. */
  udpSrc: number;
  udpDst: number;
}

export type LayerDecoder = (c: Cursor) => Layer;

/** Ends the decode loop with `status`. */
export function stop(c: Cursor, status: DecodeStatus): Layer {
  c.status = status;
  return Layer.Done;
}

/** Ends the decode loop as Truncated: the snaplen cut the frame before the TCP header's fixed part. */
export function truncated(c: Cursor): Layer {
  c.status = Status.Truncated;
  return Layer.Done;
}
