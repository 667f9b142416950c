/**
 * GRE (RFC 2784 with the key and sequence number of RFC 2890), over IP (protocol
 * 47) or over UDP (port 4754, RFC 8086), and PPTP's enhanced GRE (version 1,
 * RFC 2637 section 4.1).
 *
 *   0: C | R | K | S | s | recursion (3) | A | flags (4) | version (3)
 *   2: protocol type (2, an ethertype)
 *   then, in this order and only when their bit is set:
 *   checksum (2) + reserved (2) if C (or R, RFC 1701), key (4) if K,
 *   sequence number (4) if S, acknowledgement (4) if A (version 1 only)
 *
 * Protocol types: IPv4 / IPv6 / MPLS / 802.1Q go through the ethertype table;
 * 0x6558 is transparent Ethernet bridging (an Ethernet frame, as NVGRE and
 * Linux gretap send); 0x88be is ERSPAN (type II with a sequence number, type I
 * without), 0x22eb ERSPAN type III; 0x880b is PPP (PPTP); 0x8200-0x8299 are
 * the 802.11 frames Aruba access points send to their controller (as Zeek
 * and Wireshark read them).
 * RFC 1701 source routing (R) is not decoded: nobody sends it any more.
 *
 * The key is part of the connection's identity (NVGRE carries the tenant's
 * VSID in it, RFC 7637 section 3.2); PPTP's "key" is the peer's call ID, one
 * per direction, so it is shown but not keyed.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { IpProto } from './ipproto.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8, u16be, u32be } from '../capture/bytes.js';

export const GreProto = {
  TEB: 0x6558,
  ERSPAN_II: 0x88be,
  ERSPAN_III: 0x22eb,
  PPP: 0x880b,
  ARUBA_FIRST: 0x8200,
  ARUBA_LAST: 0x8299,
} as const;

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  Flags = 0, // C | R | K | S | s | recursion (3)
  FlagsVersion = 1, // A | flags (4) | version (3)
  Protocol = 2, // 2 bytes
  /** The fixed header's length; the optional fields follow. */
  Length = 4,
}
/** The optional fields: each is 4 bytes (checksum + reserved, key, sequence number, acknowledgement). */
const enum Opt {
  Length = 4,
  /** Version 1's key field: payload length (2) | call ID (2). */
  CallId = 2,
}
/** The bits of F.Flags: which optional fields are present. */
const enum Flag {
  Checksum = 0x80, // C
  Routing = 0x40, // R (RFC 1701)
  Key = 0x20, // K
  Seq = 0x10, // S
}
/** The bits of F.FlagsVersion. */
const enum Ver {
  Ack = 0x80, // A: an acknowledgement number (version 1)
  Version = 0x07,
}

export function decodeGre(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const overUdp = c.seg.ipProto === IpProto.UDP;
  // Not GRE after all (UDP port 4754 used for something else): not a tunnel we open.
  const notGre = overUdp ? DecodeStatus.NonTcp : DecodeStatus.Tunnel;
  if (o + F.Length > c.end) return stop(c, overUdp ? DecodeStatus.NonTcp : DecodeStatus.Truncated);
  const f0 = u8(b, o + F.Flags);
  const f1 = u8(b, o + F.FlagsVersion);
  const version = f1 & Ver.Version;
  const proto = u16be(b, o + F.Protocol);
  if (version > 1 || (f0 & Flag.Routing) !== 0) return stop(c, notGre);
  let p = o + F.Length;
  if (f0 & Flag.Checksum) p += Opt.Length;
  let key = -1;
  if (f0 & Flag.Key) {
    if (p + Opt.Length > c.end) return stop(c, DecodeStatus.Truncated);
    // Version 1: payload length (2) + call ID (2); the call ID is the key.
    key = version === 1 ? u16be(b, p + Opt.CallId) : u32be(b, p);
    p += Opt.Length;
  }
  const hasSeq = (f0 & Flag.Seq) !== 0;
  if (hasSeq) p += Opt.Length;
  if (version === 1 && (f1 & Ver.Ack) !== 0) p += Opt.Length;
  if (p > c.end) return stop(c, DecodeStatus.Truncated);
  c.off = p;
  if (proto === GreProto.ERSPAN_II) {
    if (hasSeq) return Layer.ErspanII;
    // ERSPAN type I: the mirrored frame follows the GRE header directly.
    if (!enterTunnel(c, TunnelType.ErspanI, -1, false, false)) return stop(c, DecodeStatus.Tunnel);
    return Layer.Ethernet;
  }
  if (proto === GreProto.ERSPAN_III) return Layer.ErspanIII;
  const type = overUdp ? TunnelType.GreUdp : TunnelType.Gre;
  // The key's low 32 bits, kept a non-negative small number for the hash.
  const id = key >= 0 ? key : -1;
  if (!enterTunnel(c, type, id, version === 0 && key >= 0, overUdp)) return stop(c, DecodeStatus.Tunnel);
  if (version === 1) return proto === GreProto.PPP ? Layer.Ppp : stop(c, DecodeStatus.NonIp);
  if (proto === GreProto.TEB) return Layer.Ethernet;
  if (proto >= GreProto.ARUBA_FIRST && proto <= GreProto.ARUBA_LAST) return Layer.Ieee80211;
  return etherTypeLayer(c, proto);
}
