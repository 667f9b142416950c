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

export function decodePbb(c: Cursor): Layer {
  if (c.off + 4 > c.end) return truncated(c);
  c.off += 4;
  return Layer.Ethernet;
}

export function decodeVnTag(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 6 > c.end) return truncated(c);
  c.off = o + 6;
  return etherTypeLayer(c, u16be(b, o + 4));
}

export function decodeFabricPath(c: Cursor): Layer {
  if (c.off + 2 > c.end) return truncated(c);
  c.off += 2;
  return Layer.Ethernet;
}
