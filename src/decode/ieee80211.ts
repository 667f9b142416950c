/**
 * IEEE 802.11 (LINKTYPE_IEEE802_11 = 105), and the radiotap header in front of
 * it (LINKTYPE_IEEE802_11_RADIOTAP = 127).
 *
 * 802.11 MAC header (IEEE 802.11-2020 section 9.2.3):
 *   0: frame control (2): protocol version (2) | type (2) | subtype (4) ;
 *      To DS | From DS | More Frag | Retry | Pwr Mgt | More Data | Protected | +HTC/Order
 *   2: duration (2)   4: address 1 (6)   10: address 2 (6)   16: address 3 (6)
 *   22: sequence control (2)   24: address 4 (6) when To DS and From DS
 *   then QoS control (2) for QoS data subtypes, HT control (4) when QoS and +HTC
 * then 802.2 LLC/SNAP. Only data frames (type 2) with a body carry IP; a
 * protected frame's body is encrypted (we see IP only after the capture
 * point decrypted it, which clears the bit). An A-MSDU body (QoS control bit
 * 7) is a list of subframes (IEEE 802.11-2020 9.3.2.2.2): destination (6),
 * source (6), length (2), then `length` bytes of LLC/SNAP and packet, padded
 * to a multiple of 4 bytes but for the last. Each subframe is a packet of its
 * own, as Zeek's IEEE802_11 analyzer takes it: the decoder decodes the first
 * and leaves the offset of the next in seg.amsduNext (decodeNextSubframe()).
 * A subframe cut by the snaplen is the last one read.
 *
 * Radiotap (https://www.radiotap.org/): version (1) = 0 | pad (1) | length (2,
 * little-endian) | present bitmaps ...; the 802.11 frame follows `length` bytes.
 */
import { type Cursor, Layer, stop, truncated } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u8, u16le, u16be } from '../capture/bytes.js';

export function decodeIeee80211(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 24 > c.end) return truncated(c);
  const fc0 = u8(b, o);
  const fc1 = u8(b, o + 1);
  if ((fc0 & 0x03) !== 0 || ((fc0 >> 2) & 3) !== 2) return stop(c, DecodeStatus.NonIp);
  const subtype = fc0 >> 4;
  // Null data (subtype bit 2): no body.
  if (subtype & 0x04) return stop(c, DecodeStatus.NonIp);
  if (fc1 & 0x40) return stop(c, DecodeStatus.NonIp);
  let len = 24;
  if ((fc1 & 0x03) === 0x03) len += 6;
  let amsdu = false;
  if (subtype & 0x08) {
    if (o + len + 2 > c.end) return truncated(c);
    amsdu = (u8(b, o + len) & 0x80) !== 0;
    len += 2;
    if (fc1 & 0x80) len += 4;
  }
  c.off = o + len;
  return amsdu ? Layer.AmsduSubframe : Layer.LlcSnap;
}

/** One A-MSDU subframe at c.off (c.end: the end of the frame's body); see above. */
export function decodeAmsduSubframe(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const seg = c.seg;
  if (o + 14 > c.end) return truncated(c);
  const n = u16be(b, o + 12);
  const next = o + 14 + n + ((4 - ((14 + n) & 3)) & 3);
  seg.amsduNext = next < c.end ? next : -1;
  seg.amsduEnd = c.end;
  seg.amsduDepth = seg.tunnelDepth;
  seg.amsduKey = seg.tunnelKey;
  if (o + 14 + n > c.end) {
    // Cut by the snaplen: what was captured of it, and nothing after.
    seg.amsduNext = -1;
  } else {
    c.end = o + 14 + n;
  }
  c.off = o + 14;
  return Layer.LlcSnap;
}

export function decodeRadiotap(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 8 > c.end) return truncated(c);
  if (b[o] !== 0) return stop(c, DecodeStatus.Malformed);
  const len = u16le(b, o + 2);
  if (len < 8) return stop(c, DecodeStatus.Malformed);
  if (o + len > c.end) return truncated(c);
  c.off = o + len;
  return Layer.Ieee80211;
}
