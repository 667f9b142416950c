/**
 * EtherIP (RFC 3378), IP protocol 97: an Ethernet frame behind a 2-byte header
 * whose version field (the top 4 bits) is 3.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8 } from '../capture/bytes.js';

/** The header: version (4) | reserved (12); inlined by the compiler. */
const enum F {
  Version = 0, // the top 4 bits
  Length = 2,
}
const ETHERIP_VERSION = 3;

export function decodeEtherIp(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return stop(c, DecodeStatus.Truncated);
  if (u8(b, o + F.Version) >> 4 !== ETHERIP_VERSION) return stop(c, DecodeStatus.Tunnel);
  if (!enterTunnel(c, TunnelType.EtherIp, -1, false, false)) return stop(c, DecodeStatus.Tunnel);
  c.off = o + F.Length;
  return Layer.Ethernet;
}
