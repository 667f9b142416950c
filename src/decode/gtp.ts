/**
 * GTP-U version 1 (3GPP TS 29.281 section 5), UDP port 2152: the user plane of
 * mobile cores (S1-U, S5/S8, N3, N9).
 *
 *   0: version (3) = 1 | PT (1) = 1 | reserved (1) | E | S | PN
 *   1: message type (255 = G-PDU, user data)   2: length (2)   4: TEID (4)
 *   8: sequence number (2) | N-PDU number (1) | next extension header type (1),
 *      present when any of E, S, PN is set
 *   then extension headers while the next type is not 0: length (1, in 4-byte
 *   units, counting itself) | content | next extension header type (1)
 *
 * Only G-PDUs carry user packets (echo, error indication and end marker are
 * signalling); the payload is IPv4 or IPv6 by its version nibble. The TEID is
 * shown but is not part of the identity: each end allocates the TEID it
 * receives on, so the two directions of a bearer carry different ones.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';
import { u8, u32be } from '../capture/bytes.js';

const G_PDU = 0xff;

export function decodeGtpU(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const end = c.end;
  if (o + 8 > end) return stop(c, DecodeStatus.NonTcp);
  const flags = u8(b, o);
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || b[o + 1] !== G_PDU) return stop(c, DecodeStatus.NonTcp);
  const teid = u32be(b, o + 4);
  let p = o + 8;
  if ((flags & 0x07) !== 0) {
    if (p + 4 > end) return stop(c, DecodeStatus.Truncated);
    let next = u8(b, p + 3);
    p += 4;
    while (next !== 0) {
      if (p >= end) return stop(c, DecodeStatus.Truncated);
      const len = u8(b, p) << 2;
      if (len === 0) return stop(c, DecodeStatus.Malformed);
      if (p + len > end) return stop(c, DecodeStatus.Truncated);
      next = u8(b, p + len - 1);
      p += len;
    }
  }
  if (p >= end) return stop(c, DecodeStatus.Truncated);
  const version = u8(b, p) >> 4;
  if (version !== 4 && version !== 6) return stop(c, DecodeStatus.NonIp);
  if (!enterTunnel(c, TunnelType.GtpU, teid, false, true)) return stop(c, DecodeStatus.Tunnel);
  c.off = p;
  return version === 4 ? Layer.IPv4 : Layer.IPv6;
}
