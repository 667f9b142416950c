/**
 * VXLAN (RFC 7348 section 5), UDP destination port 4789.
 *
 *   0: flags (1: I bit 0x08 = VNI valid)   1: reserved (3)   4: VNI (3)   7: reserved (1)
 *   8: the tenant's Ethernet frame
 *
 * A header without the I bit is not VXLAN (RFC 7348: "MUST be set to 1 for a
 * valid VNI"); like Wireshark we do not insist on the reserved bits being zero
 * (VXLAN-GBP and other extensions use them).
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8, u24be } from '../capture/bytes.js';

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  Flags = 0,
  Vni = 4, // 3 bytes
  Length = 8,
}
const enum Bits {
  I = 0x08, // of F.Flags: the VNI is valid
}

export function decodeVxlan(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return stop(c, DecodeStatus.NonTcp);
  if ((u8(b, o + F.Flags) & Bits.I) === 0) return stop(c, DecodeStatus.NonTcp);
  const vni = u24be(b, o + F.Vni);
  if (!enterTunnel(c, TunnelType.Vxlan, vni, true, true)) return stop(c, DecodeStatus.Tunnel);
  c.off = o + F.Length;
  return Layer.Ethernet;
}
