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
import { F as Ip6 } from './ipv6.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8, u16be } from '../capture/bytes.js';

/** The indicators' fields: byte offsets from their start (the table above); inlined by the compiler. */
const enum F {
  /** Both start with a 2-byte type: 0x0000 origin indication, 0x0001 authentication. */
  Type = 0,
  TypeLow = 1,
  AuthIdLength = 2,
  AuthValueLength = 3,
  /** The authentication indicator's fixed part, and what follows its id and value: nonce (8) | confirmation (1). */
  AuthFixed = 4,
  AuthTrailer = 9,
  OriginLength = 8,
}
/** The indicators' 2-byte types (F.Type). */
export const enum Indicator {
  Origin = 0,
  Auth = 1,
}

export function decodeTeredo(c: Cursor): Layer {
  const b = c.buf;
  const end = c.end;
  let p = c.off;
  if (p + F.TypeLow < end && u16be(b, p + F.Type) === Indicator.Auth) {
    if (p + F.AuthFixed > end) return stop(c, DecodeStatus.NonTcp);
    p += F.AuthFixed + u8(b, p + F.AuthIdLength) + u8(b, p + F.AuthValueLength) + F.AuthTrailer;
  }
  if (p + F.TypeLow < end && u16be(b, p + F.Type) === Indicator.Origin) p += F.OriginLength;
  if (p + Ip6.Length > end) return stop(c, DecodeStatus.NonTcp);
  if (u8(b, p + Ip6.Version) >> 4 !== 6) return stop(c, DecodeStatus.NonTcp);
  const plen = u16be(b, p + Ip6.PayloadLength);
  if (p + Ip6.Length + plen !== c.ipEnd) return stop(c, DecodeStatus.NonTcp);
  if (!enterTunnel(c, TunnelType.Teredo, -1, false, true)) return stop(c, DecodeStatus.Tunnel);
  c.off = p;
  return Layer.IPv6;
}
