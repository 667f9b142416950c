/**
 * Geneve (RFC 8926 section 3.4), UDP destination port 6081.
 *
 *   0: version (2) | option length (6, in 4-byte words)   1: O | C | reserved (6)
 *   2: protocol type (2, an ethertype)   4: VNI (3)   7: reserved (1)
 *   8: options (option length x 4), then the payload
 *
 * Options (class, type, length) are skipped as a block by the header's own
 * length: none of them changes where the payload starts. Protocol type 0x6558
 * (transparent Ethernet bridging) carries an Ethernet frame, IPv4 / IPv6 carry
 * the packet itself. Only version 0 exists.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8, u16be, u24be } from '../capture/bytes.js';

const TEB = 0x6558;

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  VersionOptLen = 0, // version (2) | option length (6, in 4-byte words)
  Flags = 1, // O | C | reserved (6)
  Protocol = 2, // 2 bytes
  Vni = 4, // 3 bytes
  /** The fixed header's length; the options follow. */
  Length = 8,
}
/** The bits of F.VersionOptLen and F.Flags. */
const enum Bits {
  VersionShift = 6,
  OptLen = 0x3f,
  Oam = 0x80, // O, in F.Flags
}

export function decodeGeneve(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return stop(c, DecodeStatus.NonTcp);
  if (u8(b, o + F.VersionOptLen) >> Bits.VersionShift !== 0) return stop(c, DecodeStatus.NonTcp);
  const optLen = (u8(b, o + F.VersionOptLen) & Bits.OptLen) << 2;
  // O (OAM) frames are control messages (section 3.4: "SHOULD NOT forward ... to a tenant").
  if ((u8(b, o + F.Flags) & Bits.Oam) !== 0) return stop(c, DecodeStatus.NonTcp);
  const proto = u16be(b, o + F.Protocol);
  const vni = u24be(b, o + F.Vni);
  if (o + F.Length + optLen > c.end) return stop(c, DecodeStatus.Truncated);
  if (!enterTunnel(c, TunnelType.Geneve, vni, true, true)) return stop(c, DecodeStatus.Tunnel);
  c.off = o + F.Length + optLen;
  if (proto === TEB) return Layer.Ethernet;
  return etherTypeLayer(c, proto);
}
