/**
 * MPLS label stack (RFC 3032), over Ethernet (0x8847 / 0x8848) or Cisco HDLC.
 *
 *   label (20 bits) | traffic class (3) | bottom of stack S (1) | TTL (8)
 *
 * The stack carries no payload type: after the entry with S set we guess IPv4 or
 * IPv6 from the first nibble, as routers and Wireshark do (RFC 4928 is why a
 * pseudowire control word starts with 0000, so it is never taken for IP).
 */
import { type Cursor, Layer, stop, truncated } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u8 } from '../capture/bytes.js';

/** A label stack entry's fields: byte offsets from its start; inlined by the compiler. */
const enum F {
  BottomOfStack = 2, // label (low 4 bits) | traffic class (3) | S (1)
  Length = 4,
}
const enum Bits {
  S = 0x01, // of F.BottomOfStack
}

export function decodeMpls(c: Cursor): Layer {
  const b = c.buf;
  let o = c.off;
  const end = c.end;
  for (;;) {
    if (o + F.Length > end) return truncated(c);
    const bottom = u8(b, o + F.BottomOfStack) & Bits.S;
    o += F.Length;
    if (bottom) break;
  }
  c.off = o;
  if (o >= end) return truncated(c);
  const version = u8(b, o) >> 4;
  if (version === 4) return Layer.IPv4;
  if (version === 6) return Layer.IPv6;
  // Pseudowire (Ethernet over MPLS with a control word) or anything else: not opened.
  return stop(c, DecodeStatus.NonIp);
}
