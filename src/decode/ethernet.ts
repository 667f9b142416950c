/**
 * Ethernet II / IEEE 802.3 (LINKTYPE_ETHERNET = 1).
 *
 *   dst MAC (6) | src MAC (6) | ethertype or 802.3 length (2)
 *
 * A type field below 0x0600 is an 802.3 length followed by 802.2 LLC; of those
 * only SNAP with OUI 0 (RFC 1042) carries an ethertype. The Ethernet padding
 * (frames shorter than 60 bytes) and any FCS are not removed here: the IP layer
 * cuts `end` to the datagram's total length.
 */
import { type Cursor, type Layer, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { decodeLlcSnap } from './llc.js';
import { u16be } from '../capture/bytes.js';

/** The header's fields: byte offsets; inlined by the compiler. */
const enum F {
  DstMac = 0, // 6 bytes
  SrcMac = 6, // 6 bytes
  TypeOrLength = 12, // 2 bytes
  Length = 14,
}

export function decodeEthernet(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  const type = u16be(b, o + F.TypeOrLength);
  if (type >= 0x0600) {
    c.off = o + F.Length;
    return etherTypeLayer(c, type);
  }
  // 802.3 length + 802.2 LLC: only SNAP with OUI 0 (RFC 1042) carries an ethertype (llc.ts).
  c.seg.etherType = type;
  c.off = o + F.Length;
  return decodeLlcSnap(c);
}
