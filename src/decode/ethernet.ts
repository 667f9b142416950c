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
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { DecodeStatus } from './segment.js';
import { u8, u16be } from '../capture/bytes.js';

export const ETHERNET_HEADER_LEN = 14;

export function decodeEthernet(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + ETHERNET_HEADER_LEN > c.end) return truncated(c);
  const type = u16be(b, o + 12);
  if (type >= 0x0600) {
    c.off = o + ETHERNET_HEADER_LEN;
    return etherTypeLayer(c, type);
  }
  // 802.3 length + LLC: DSAP AA, SSAP AA, control 03 is SNAP; OUI 000000 means the
  // next two bytes are an ethertype (RFC 1042).
  c.seg.etherType = type;
  if (o + 22 > c.end) return truncated(c);
  if (b[o + 14] !== 0xaa || b[o + 15] !== 0xaa || b[o + 16] !== 0x03) return stop(c, DecodeStatus.NonIp);
  if ((u8(b, o + 17) | u8(b, o + 18) | u8(b, o + 19)) !== 0) return stop(c, DecodeStatus.NonIp);
  c.off = o + 22;
  return etherTypeLayer(c, u16be(b, o + 20));
}
