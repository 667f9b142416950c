/**
 * IEEE 802.1Q VLAN tag, also the 802.1ad (0x88a8) and pre-standard 0x9100/0x9200
 * service tags of QinQ. The ethertype that announced the tag is already read;
 * the tag itself is
 *
 *   PCP (3 bits) | DEI (1) | VLAN ID (12) | inner ethertype (2)
 *
 * Stacked tags loop back here through the ethertype dispatch, each one 4 bytes further.
 */
import { type Cursor, type Layer, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { u16be } from '../capture/bytes.js';

/** The tag's fields: byte offsets; inlined by the compiler. */
const enum F {
  Tci = 0, // PCP | DEI | VLAN ID: 2 bytes
  InnerType = 2, // 2 bytes
  Length = 4,
}

export function decodeVlan(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  c.off = o + F.Length;
  return etherTypeLayer(c, u16be(b, o + F.InnerType));
}
