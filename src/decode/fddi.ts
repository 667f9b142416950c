/**
 * FDDI (LINKTYPE_FDDI = 10): https://www.tcpdump.org/linktypes/LINKTYPE_FDDI.html
 *
 *   frame control (1) | destination (6) | source (6), then 802.2 LLC
 *
 * Only LLC frames (frame control 0101 0xxx, asynchronous or synchronous)
 * carry IP; SMT and MAC frames are ring management.
 */
import { type Cursor, Layer, stop, truncated } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u8 } from '../capture/bytes.js';

/** The header's fields: byte offsets from its start; inlined by the compiler. */
const enum F {
  FrameControl = 0,
  Length = 13, // frame control (1) | destination (6) | source (6)
}
/** The frame class bits of F.FrameControl: LLC frames are 01. */
const enum Bits {
  FrameClass = 0x30,
  Llc = 0x10,
}

export function decodeFddi(c: Cursor): Layer {
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  if ((u8(c.buf, o + F.FrameControl) & Bits.FrameClass) !== Bits.Llc) return stop(c, DecodeStatus.NonIp);
  c.off = o + F.Length;
  return Layer.LlcSnap;
}
