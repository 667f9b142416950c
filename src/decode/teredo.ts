/**
 * Teredo (RFC 4380 section 5.1.1), UDP port 3544: IPv6 carried in UDP over
 * IPv4 through NATs. The IPv6 packet may be preceded by
 *
 *   an authentication indicator: 0x0001 | client id length (1) | auth value
 *     length (1) | client id | auth value | nonce (8) | confirmation (1)
 *   an origin indication: 0x0000 | obfuscated port (2) | obfuscated address (4)
 *
 * in that order. A packet on port 3544 is Teredo only when what follows is an
 * IPv6 header whose length fills the UDP payload exactly (Zeek's check too):
 * other traffic on the port stays UDP.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8, u16be } from '../capture/bytes.js';

export function decodeTeredo(c: Cursor): Layer {
  const b = c.buf;
  const end = c.end;
  let p = c.off;
  if (p + 2 <= end && b[p] === 0 && b[p + 1] === 1) {
    if (p + 4 > end) return stop(c, DecodeStatus.NonTcp);
    p += 4 + u8(b, p + 2) + u8(b, p + 3) + 9;
  }
  if (p + 2 <= end && b[p] === 0 && b[p + 1] === 0) p += 8;
  if (p + 40 > end) return stop(c, DecodeStatus.NonTcp);
  if (u8(b, p) >> 4 !== 6) return stop(c, DecodeStatus.NonTcp);
  const plen = u16be(b, p + 4);
  if (p + 40 + plen !== c.ipEnd) return stop(c, DecodeStatus.NonTcp);
  if (!enterTunnel(c, TunnelType.Teredo, -1, false, true)) return stop(c, DecodeStatus.Tunnel);
  c.off = p;
  return Layer.IPv6;
}
