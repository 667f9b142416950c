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

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  Flags = 0, // version (3) | PT | reserved | E | S | PN
  MessageType = 1,
  Teid = 4, // 4 bytes
  /** The mandatory header's length; the optional fields follow when E, S or PN is set. */
  Length = 8,
}
/** The optional fields: sequence number (2) | N-PDU number (1) | next extension header type (1). */
const enum Opt {
  NextExt = 3,
  Length = 4,
}
/** The bits of F.Flags. */
const enum Bits {
  VersionShift = 5,
  Pt = 0x10, // protocol type: 1 is GTP, 0 GTP'
  Optional = 0x07, // E | S | PN
}

export function decodeGtpU(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const end = c.end;
  if (o + F.Length > end) return stop(c, DecodeStatus.NonTcp);
  const flags = u8(b, o + F.Flags);
  if (flags >> Bits.VersionShift !== 1 || (flags & Bits.Pt) === 0 || b[o + F.MessageType] !== G_PDU)
    return stop(c, DecodeStatus.NonTcp);
  const teid = u32be(b, o + F.Teid);
  let p = o + F.Length;
  if ((flags & Bits.Optional) !== 0) {
    if (p + Opt.Length > end) return stop(c, DecodeStatus.Truncated);
    let next = u8(b, p + Opt.NextExt);
    p += Opt.Length;
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
