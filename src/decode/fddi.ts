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

export function decodeFddi(c: Cursor): Layer {
  const o = c.off;
  if (o + 13 > c.end) return truncated(c);
  if ((u8(c.buf, o) & 0x30) !== 0x10) return stop(c, DecodeStatus.NonIp);
  c.off = o + 13;
  return Layer.LlcSnap;
}
