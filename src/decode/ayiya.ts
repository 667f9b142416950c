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

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  IdLenType = 0, // identity length (4, a power of two) | identity type (4)
  SigLenHash = 1, // signature length (4, in 4-byte words) | hash method (4)
  AuthOpcode = 2, // authentication method (4) | opcode (4)
  NextHeader = 3,
  /** The fixed header's length (with the epoch time); identity and signature follow. */
  Length = 8,
}
const enum Bits {
  HighNibble = 4, // the shift of identity length, signature length
  Opcode = 0x0f,
}

export function decodeAyiya(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return stop(c, DecodeStatus.NonTcp);
  if ((u8(b, o + F.AuthOpcode) & Bits.Opcode) !== FORWARD) return stop(c, DecodeStatus.NonTcp);
  const nh = u8(b, o + F.NextHeader);
  if (nh !== IpProto.IPv6 && nh !== IpProto.IPIP) return stop(c, DecodeStatus.NonTcp);
  const idLen = 1 << (u8(b, o + F.IdLenType) >> Bits.HighNibble);
  const p = o + F.Length + idLen + ((u8(b, o + F.SigLenHash) >> Bits.HighNibble) << 2);
  if (p >= c.end) return stop(c, DecodeStatus.NonTcp);
  if (!enterTunnel(c, TunnelType.Ayiya, -1, false, true)) return stop(c, DecodeStatus.Tunnel);
  c.off = p;
  return nh === IpProto.IPv6 ? Layer.IPv6 : Layer.IPv4;
}
