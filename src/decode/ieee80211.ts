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

/** The MAC header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  FrameControl = 0, // protocol version (2) | type (2) | subtype (4)
  FrameFlags = 1, // To DS | From DS | More Frag | Retry | Pwr Mgt | More Data | Protected | +HTC/Order
  /** The header up to the sequence control, present in every data frame. */
  Length = 24,
  /** What may follow: address 4, QoS control, HT control. */
  Address4Length = 6,
  QosLength = 2,
  HtLength = 4,
}
/** The bits of F.FrameControl. */
const enum Fc {
  Version = 0x03,
  Type = 0x0c,
  Data = 0x08, // type 2
  SubtypeNull = 0x40, // subtype bit 2: no body
  SubtypeQos = 0x80, // subtype bit 3
}
/** The bits of F.FrameFlags. */
const enum Flag {
  ToFromDs = 0x03, // both set: a fourth address
  Protected = 0x40,
  Htc = 0x80,
}
/** The QoS control's first byte: bit 7 says the body is an A-MSDU. */
const QOS_AMSDU = 0x80;
/** An A-MSDU subframe's header: destination (6), source (6), length (2). */
const enum Sub {
  Length = 12, // 2 bytes
  HeaderLength = 14,
}
/** Radiotap's header: version (1), pad (1), length (2, little-endian), present bitmaps. */
const enum Radiotap {
  Version = 0,
  Length = 2,
  MinLength = 8,
}

export function decodeIeee80211(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  const fc0 = u8(b, o + F.FrameControl);
  const fc1 = u8(b, o + F.FrameFlags);
  if ((fc0 & Fc.Version) !== 0 || (fc0 & Fc.Type) !== Fc.Data) return stop(c, DecodeStatus.NonIp);
  // Null data (subtype bit 2): no body.
  if (fc0 & Fc.SubtypeNull) return stop(c, DecodeStatus.NonIp);
  if (fc1 & Flag.Protected) return stop(c, DecodeStatus.NonIp);
  let len: number = F.Length;
  if ((fc1 & Flag.ToFromDs) === Flag.ToFromDs) len += F.Address4Length;
  let amsdu = false;
  if (fc0 & Fc.SubtypeQos) {
    if (o + len + F.QosLength > c.end) return truncated(c);
    amsdu = (u8(b, o + len) & QOS_AMSDU) !== 0;
    len += F.QosLength;
    if (fc1 & Flag.Htc) len += F.HtLength;
  }
  c.off = o + len;
  return amsdu ? Layer.AmsduSubframe : Layer.LlcSnap;
}

/** One A-MSDU subframe at c.off (c.end: the end of the frame's body); see above. */
export function decodeAmsduSubframe(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const seg = c.seg;
  if (o + Sub.HeaderLength > c.end) return truncated(c);
  const n = u16be(b, o + Sub.Length);
  const next = o + Sub.HeaderLength + n + ((4 - ((Sub.HeaderLength + n) & 3)) & 3);
  seg.amsduNext = next < c.end ? next : -1;
  seg.amsduEnd = c.end;
  seg.amsduDepth = seg.tunnelDepth;
  seg.amsduKey = seg.tunnelKey;
  if (o + Sub.HeaderLength + n > c.end) {
    // Cut by the snaplen: what was captured of it, and nothing after.
    seg.amsduNext = -1;
  } else {
    c.end = o + Sub.HeaderLength + n;
  }
  c.off = o + Sub.HeaderLength;
  return Layer.LlcSnap;
}

export function decodeRadiotap(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + Radiotap.MinLength > c.end) return truncated(c);
  if (b[o + Radiotap.Version] !== 0) return stop(c, DecodeStatus.Malformed);
  const len = u16le(b, o + Radiotap.Length);
  if (len < Radiotap.MinLength) return stop(c, DecodeStatus.Malformed);
  if (o + len > c.end) return truncated(c);
  c.off = o + len;
  return Layer.Ieee80211;
}
