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

export function decodePppoeSession(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 8 > c.end) return truncated(c);
  if (b[o] !== 0x11 || b[o + 1] !== 0) return stop(c, DecodeStatus.Malformed);
  c.off = o + 8;
  const proto = u16be(b, o + 6);
  if (proto === 0x0021) return Layer.IPv4;
  if (proto === 0x0057) return Layer.IPv6;
  return stop(c, DecodeStatus.NonIp);
}
