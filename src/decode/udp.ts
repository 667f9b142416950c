/**
 * UDP (RFC 768), read only to find the tunnels it carries. Tunnels are
 * recognised by their IANA ports, as Wireshark and Zeek do by default:
 *   VXLAN 4789 (RFC 7348) and Geneve 6081 (RFC 8926) by destination port,
 *   GRE-in-UDP 4754 (RFC 8086) by destination port,
 *   GTP-U 2152 (3GPP TS 29.281), Teredo 3544 (RFC 4380) and AYIYA 5072 on either
 *   side (requests and answers both use the well-known port on one end only).
 * Each tunnel decoder checks its header before it opens anything: UDP that
 * merely uses one of these ports is NonTcp.
 *
 * Teredo also runs between a client and a relay on ports that are not 3544
 * (the relay's own port): as Zeek's Teredo protocol detection does, UDP on any
 * port whose payload is an IPv6 header from or to a Teredo address
 * (2001:0::/32, RFC 4380 section 2.6), or starts with an origin indication or
 * authentication header, is offered to the Teredo decoder, which opens it only
 * when the IPv6 length fills the datagram exactly.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { F as Ip6 } from './ipv6.js';
import { DecodeStatus } from './segment.js';
import { Indicator } from './teredo.js';
import { u8, u16be, u32be } from '../capture/bytes.js';

export const UdpPort = {
  GTP_U: 2152,
  TEREDO: 3544,
  GRE_UDP: 4754,
  VXLAN: 4789,
  AYIYA: 5072,
  GENEVE: 6081,
} as const;

/** The header's fields: byte offsets; inlined by the compiler. */
const enum F {
  SrcPort = 0, // 2 bytes
  DstPort = 2, // 2 bytes
  Length = 4, // 2 bytes
  Checksum = 6, // 2 bytes
  HeaderLength = 8,
}

export function decodeUdp(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.HeaderLength > c.end) return stop(c, DecodeStatus.NonTcp);
  const src = u16be(b, o + F.SrcPort);
  const dst = u16be(b, o + F.DstPort);
  c.udpSrc = src;
  c.udpDst = dst;
  c.off = o + F.HeaderLength;
  if (dst === UdpPort.VXLAN) return Layer.Vxlan;
  if (dst === UdpPort.GENEVE) return Layer.Geneve;
  if (dst === UdpPort.GRE_UDP) return Layer.Gre;
  if (dst === UdpPort.GTP_U || src === UdpPort.GTP_U) return Layer.GtpU;
  if (dst === UdpPort.TEREDO || src === UdpPort.TEREDO) return Layer.Teredo;
  if (dst === UdpPort.AYIYA || src === UdpPort.AYIYA) return Layer.Ayiya;
  if (looksLikeTeredo(b, o + F.HeaderLength, c.end)) return Layer.Teredo;
  return stop(c, DecodeStatus.NonTcp);
}

const TEREDO_PREFIX = 0x20010000;

function looksLikeTeredo(b: Uint8Array, p: number, end: number): boolean {
  if (p + Ip6.Length > end) return false;
  const first = u8(b, p);
  // A Teredo indicator's type (teredo.ts), or an IPv6 header.
  if (first === 0) return u16be(b, p) <= Indicator.Auth;
  if (first >> 4 !== 6) return false;
  const s = u32be(b, p + Ip6.Src);
  const d = u32be(b, p + Ip6.Dst);
  return s === TEREDO_PREFIX || d === TEREDO_PREFIX;
}
