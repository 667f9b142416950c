/**
 * ERSPAN, Cisco's encapsulated remote SPAN (draft-foschiano-erspan-03), inside
 * GRE: a mirror session sends copies of the frames of a switch port to a
 * collector. Type II follows GRE protocol 0x88be with a sequence number, type
 * III protocol 0x22eb.
 *
 * Type II (8 bytes):
 *   0: version (4) = 1 | VLAN (12)   2: COS (3) | En (2) | T (1) | session id (10)
 *   4: reserved (12) | index (20)
 * Type III (12 bytes, + 8 with the O flag):
 *   0: version (4) = 2 | VLAN (12)   2: COS (3) | BSO (2) | T (1) | session id (10)
 *   4: timestamp (4)   8: SGT (2)   10: P | FT (5) | HW ID (6) | D | Gra (2) | O
 *   12: platform-specific subheader (8) if O
 * Then the mirrored Ethernet frame. The session id names the mirror session:
 * part of the connection's identity.
 */
import { u8, u16be } from '../capture/bytes.js';
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';

/** The headers' fields: byte offsets from their start (the tables above); inlined by the compiler. */
const enum F {
  VersionVlan = 0, // version (4) | VLAN (12)
  Session = 2, // COS (3) | En or BSO (2) | T (1) | session id (10): 2 bytes
  /** Type III: P | FT (5) | HW ID (6) | D | Gra (2) | O, the last two of these bytes. */
  FrameTypeHw = 10,
  OFlag = 11,
  /** Type II's header length. */
  LengthII = 8,
  /** Type III's header length, without and with the platform-specific subheader. */
  LengthIII = 12,
  LengthIIIWithSubheader = 20,
}
/** The bits of the fields above. */
const enum Bits {
  VersionShift = 4,
  SessionId = 0x3ff, // of F.Session's 16
  O = 0x01, // of F.OFlag
  FrameTypeShift = 2, // of F.FrameTypeHw
  FrameType = 0x1f,
}

function session(b: Uint8Array, o: number): number {
  return u16be(b, o + F.Session) & Bits.SessionId;
}

export function decodeErspanII(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.LengthII > c.end) return stop(c, DecodeStatus.Truncated);
  if (u8(b, o + F.VersionVlan) >> Bits.VersionShift !== 1) return stop(c, DecodeStatus.Tunnel);
  if (!enterTunnel(c, TunnelType.ErspanII, session(b, o), true, false)) return stop(c, DecodeStatus.Tunnel);
  c.off = o + F.LengthII;
  return Layer.Ethernet;
}

export function decodeErspanIII(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.LengthIII > c.end) return stop(c, DecodeStatus.Truncated);
  if (u8(b, o + F.VersionVlan) >> Bits.VersionShift !== 2) return stop(c, DecodeStatus.Tunnel);
  const len = u8(b, o + F.OFlag) & Bits.O ? F.LengthIIIWithSubheader : F.LengthIII;
  if (!enterTunnel(c, TunnelType.ErspanIII, session(b, o), true, false)) return stop(c, DecodeStatus.Tunnel);
  c.off = o + len;
  // FT (frame type) 0 is Ethernet; 2 is IP, but nobody sends it.
  if (((u8(b, o + F.FrameTypeHw) >> Bits.FrameTypeShift) & Bits.FrameType) !== 0)
    return stop(c, DecodeStatus.NonIp);
  return Layer.Ethernet;
}
