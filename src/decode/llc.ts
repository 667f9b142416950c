/**
 * IEEE 802.2 LLC carrying SNAP (RFC 1042): DSAP 0xaa, SSAP 0xaa, control 0x03,
 * OUI 00-00-00, then an ethertype. How IP travels over FDDI and 802.11.
 * Other SAPs (spanning tree, NetBIOS, ...) and other OUIs are not IP.
 */
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { DecodeStatus } from './segment.js';
import { u8, u16be } from '../capture/bytes.js';

export function decodeLlcSnap(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 8 > c.end) return truncated(c);
  if (b[o] !== 0xaa || b[o + 1] !== 0xaa || b[o + 2] !== 0x03) return stop(c, DecodeStatus.NonIp);
  if ((u8(b, o + 3) | u8(b, o + 4) | u8(b, o + 5)) !== 0) return stop(c, DecodeStatus.NonIp);
  c.off = o + 8;
  return etherTypeLayer(c, u16be(b, o + 6));
}
