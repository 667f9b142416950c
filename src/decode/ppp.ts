/**
 * A PPP frame (RFC 1661 section 2) as PPTP carries it in enhanced GRE: the
 * address / control bytes 0xff 0x03 may be left out (ACFC, RFC 1661 section
 * 6.6), and the protocol field may be one byte when odd (PFC, section 6.5).
 * Protocol 0x0021 is IPv4, 0x0057 IPv6; the rest is link control.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u8, u16be } from '../capture/bytes.js';

/** The fields: address and control (left out with ACFC), then the protocol; inlined by the compiler. */
const enum F {
  Address = 0, // 0xff, all stations
  Control = 1, // 0x03, unnumbered information
  AddressControlLength = 2,
}
const enum Value {
  Address = 0xff,
  Control = 0x03,
}
/** PPP protocol numbers; a one-byte (PFC) protocol is odd, the first byte of a two-byte one even. */
const enum Ppp {
  IPv4 = 0x21,
  IPv6 = 0x57,
  Last = 0x01,
}
/** The protocol field's length: two bytes, or one when compressed (PFC, RFC 1661 section 6.5). */
const enum Proto {
  Compressed = 1,
  Length = 2,
}

export function decodePpp(c: Cursor): Layer {
  const b = c.buf;
  let p = c.off;
  const end = c.end;
  if (
    p + F.AddressControlLength <= end &&
    b[p + F.Address] === Value.Address &&
    b[p + F.Control] === Value.Control
  )
    p += F.AddressControlLength;
  if (p >= end) return stop(c, DecodeStatus.Truncated);
  let proto = u8(b, p);
  if ((proto & Ppp.Last) === 0) {
    if (p + Proto.Length > end) return stop(c, DecodeStatus.Truncated);
    proto = u16be(b, p);
    p += Proto.Length;
  } else p += Proto.Compressed;
  c.off = p;
  if (proto === Ppp.IPv4) return Layer.IPv4;
  if (proto === Ppp.IPv6) return Layer.IPv6;
  return stop(c, DecodeStatus.NonIp);
}
