/**
 * PPPoE session stage (RFC 2516, ethertype 0x8864) and the PPP protocol field after it.
 *
 *   ver/type 0x11 (1) | code 0 (1) | session id (2) | length (2) | PPP protocol (2)
 *
 * PPP protocol 0x0021 is IPv4, 0x0057 IPv6 (RFC 1332, RFC 5072); LCP, IPCP and
 * the rest are control traffic, not IP.
 */
import { type Cursor, Layer, stop, truncated } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u16be } from '../capture/bytes.js';

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  VersionType = 0, // 0x11
  Code = 1, // 0: session data
  PppProtocol = 6, // 2 bytes
  /** The header with the PPP protocol field. */
  Length = 8,
}
const enum Value {
  VersionType = 0x11,
  SessionData = 0,
}
/** PPP protocol numbers. */
const enum Ppp {
  IPv4 = 0x0021,
  IPv6 = 0x0057,
}

export function decodePppoeSession(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  if (b[o + F.VersionType] !== Value.VersionType || b[o + F.Code] !== Value.SessionData)
    return stop(c, DecodeStatus.Malformed);
  c.off = o + F.Length;
  const proto = u16be(b, o + F.PppProtocol);
  if (proto === Ppp.IPv4) return Layer.IPv4;
  if (proto === Ppp.IPv6) return Layer.IPv6;
  return stop(c, DecodeStatus.NonIp);
}
