/**
 * A PPP frame (RFC 1661 section 2) as PPTP carries it in enhanced GRE: the
 * address / control bytes 0xff 0x03 may be left out (ACFC, RFC 1661 section
 * 6.6), and the protocol field may be one byte when odd (PFC, section 6.5).
 * Protocol 0x0021 is IPv4, 0x0057 IPv6; the rest is link control.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u8 } from '../capture/bytes.js';

export function decodePpp(c: Cursor): Layer {
  const b = c.buf;
  let p = c.off;
  const end = c.end;
  if (p + 2 <= end && b[p] === 0xff && b[p + 1] === 0x03) p += 2;
  if (p >= end) return stop(c, DecodeStatus.Truncated);
  let proto = u8(b, p);
  if ((proto & 1) === 0) {
    if (p + 2 > end) return stop(c, DecodeStatus.Truncated);
    proto = (proto << 8) | u8(b, p + 1);
    p += 2;
  } else p += 1;
  c.off = p;
  if (proto === 0x21) return Layer.IPv4;
  if (proto === 0x57) return Layer.IPv6;
  return stop(c, DecodeStatus.NonIp);
}
