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

/** The header's fields: byte offsets; inlined by the compiler. */
const enum F {
  DstMac = 0, // 6 bytes
  SrcMac = 6, // 6 bytes
  TypeOrLength = 12, // 2 bytes
  Length = 14,
}

/** 802.2 LLC with SNAP, after an 802.3 length: byte offsets from its start. */
const enum Llc {
  Dsap = 0,
  Ssap = 1,
  Control = 2,
  SnapOui = 3, // 3 bytes
  SnapType = 6, // 2 bytes
  Length = 8,
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
  // 802.3 length + LLC: DSAP AA, SSAP AA, control 03 is SNAP; OUI 000000 means the
  // next two bytes are an ethertype (RFC 1042).
  c.seg.etherType = type;
  const l = o + F.Length;
  if (l + Llc.Length > c.end) return truncated(c);
  if (b[l + Llc.Dsap] !== 0xaa || b[l + Llc.Ssap] !== 0xaa || b[l + Llc.Control] !== 0x03) {
    return stop(c, DecodeStatus.NonIp);
  }
  if ((u8(b, l + Llc.SnapOui) | u8(b, l + Llc.SnapOui + 1) | u8(b, l + Llc.SnapOui + 2)) !== 0) {
    return stop(c, DecodeStatus.NonIp);
  }
  c.off = l + Llc.Length;
  return etherTypeLayer(c, u16be(b, l + Llc.SnapType));
}
