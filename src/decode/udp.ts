/**
 * UDP (RFC 768), looked at only to tell tunnels from other UDP traffic: we
 * count tunnels (Tunnel) but do not open them. Tunnels are recognised by their
 * IANA ports, as Wireshark and Zeek do by default:
 *   VXLAN 4789 (RFC 7348) and Geneve 6081 (RFC 8926) by destination port,
 *   Teredo 3544 (RFC 4380) on either side (server and relay traffic).
 */
import { type Cursor, type Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';

const VXLAN = 4789;
const GENEVE = 6081;
const TEREDO = 3544;

export function decodeUdp(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 4 > c.end) return stop(c, DecodeStatus.NonTcp);
  const src = (b[o]! << 8) | b[o + 1]!;
  const dst = (b[o + 2]! << 8) | b[o + 3]!;
  if (dst === VXLAN || dst === GENEVE || dst === TEREDO || src === TEREDO)
    return stop(c, DecodeStatus.Tunnel);
  return stop(c, DecodeStatus.NonTcp);
}
