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
