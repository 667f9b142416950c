/**
 * AYIYA, "Anything In Anything" (draft-massar-v6ops-ayiya-02 section 5), UDP port
 * 5072: the tunnel broker protocol of SixXS.
 *
 *   0: identity length (4, as a power of two) | identity type (4)
 *   1: signature length (4, in 4-byte words) | hash method (4)
 *   2: authentication method (4) | opcode (4)   3: next header (an IP protocol)
 *   4: epoch time (4)   8: identity   then signature   then the payload
 *
 * Only opcode 1 (forward) carries a packet; next header 41 is IPv6, 4 IPv4.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { IpProto } from './ipproto.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8 } from '../capture/bytes.js';

const FORWARD = 1;

export function decodeAyiya(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 8 > c.end) return stop(c, DecodeStatus.NonTcp);
  if ((u8(b, o + 2) & 0x0f) !== FORWARD) return stop(c, DecodeStatus.NonTcp);
  const nh = u8(b, o + 3);
  if (nh !== IpProto.IPv6 && nh !== IpProto.IPIP) return stop(c, DecodeStatus.NonTcp);
  const p = o + 8 + (1 << (u8(b, o) >> 4)) + ((u8(b, o + 1) >> 4) << 2);
  if (p >= c.end) return stop(c, DecodeStatus.NonTcp);
  if (!enterTunnel(c, TunnelType.Ayiya, -1, false, true)) return stop(c, DecodeStatus.Tunnel);
  c.off = p;
  return nh === IpProto.IPv6 ? Layer.IPv6 : Layer.IPv4;
}
