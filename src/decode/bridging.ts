/**
 * Data-centre tags that wrap an Ethernet frame or stand in front of its
 * ethertype, reached through the ethertype table:
 *
 * - IEEE 802.1ah provider backbone bridging (PBB, "MAC-in-MAC"), 0x88e7: the
 *   I-TAG, PCP (3) | DEI (1) | UCA (1) | reserved (3) | I-SID (24), then the
 *   customer's whole Ethernet header (destination, source, ethertype).
 * - Cisco VN-Tag, 0x8926: D | P | destination VIF (14) | L | R | version (2) |
 *   source VIF (12), then the ethertype, as a VLAN tag but 4 bytes long.
 * - Cisco FabricPath: the outer (switch) MAC addresses, the FP tag whose
 *   ethertype is 0x8903, FTag (10) | TTL (6), then the classical Ethernet frame.
 *
 * Like VLAN tags they are not part of a connection's identity.
 */
import { type Cursor, Layer, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { u16be } from '../capture/bytes.js';

// Each tag's fields: byte offsets from its start (after the ethertype that announced it); inlined by the compiler.
/** PBB's I-TAG: PCP | DEI | UCA | reserved | I-SID (24). */
const enum Pbb {
  Length = 4,
}
/** VN-Tag: D | P | destination VIF | L | R | version | source VIF, then the ethertype. */
const enum VnTag {
  EtherType = 4, // 2 bytes
  Length = 6,
}
/** FabricPath's FP tag: FTag (10) | TTL (6). */
const enum FabricPath {
  Length = 2,
}

export function decodePbb(c: Cursor): Layer {
  if (c.off + Pbb.Length > c.end) return truncated(c);
  c.off += Pbb.Length;
  return Layer.Ethernet;
}

export function decodeVnTag(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + VnTag.Length > c.end) return truncated(c);
  c.off = o + VnTag.Length;
  return etherTypeLayer(c, u16be(b, o + VnTag.EtherType));
}

export function decodeFabricPath(c: Cursor): Layer {
  if (c.off + FabricPath.Length > c.end) return truncated(c);
  c.off += FabricPath.Length;
  return Layer.Ethernet;
}
