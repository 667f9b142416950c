/**
 * EtherIP (RFC 3378), IP protocol 97: an Ethernet frame behind a 2-byte header
 * whose version field (the top 4 bits) is 3.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8 } from '../capture/bytes.js';

export function decodeEtherIp(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 2 > c.end) return stop(c, DecodeStatus.Truncated);
  if (u8(b, o) >> 4 !== 3) return stop(c, DecodeStatus.Tunnel);
  if (!enterTunnel(c, TunnelType.EtherIp, -1, false, false)) return stop(c, DecodeStatus.Tunnel);
  c.off = o + 2;
  return Layer.Ethernet;
}
