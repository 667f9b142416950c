/**
 * Cisco HDLC (LINKTYPE_C_HDLC = 104): https://www.tcpdump.org/linktypes/LINKTYPE_C_HDLC.html
 *
 *   address (1: 0x0f unicast, 0x8f broadcast) | control (1: 0) | protocol (2, an ethertype)
 *
 * MPLS over it uses the MPLS ethertype; SLARP (0x8035) and CDP (0x2000) are not IP.
 */
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { DecodeStatus } from './segment.js';
import { u16be } from '../capture/bytes.js';

/** The header's fields: byte offsets from its start; inlined by the compiler. */
const enum F {
  Address = 0,
  Protocol = 2, // 2 bytes, an ethertype
  Length = 4,
}
const enum Address {
  Unicast = 0x0f,
  Broadcast = 0x8f,
}

export function decodeCiscoHdlc(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  const address = b[o + F.Address];
  if (address !== Address.Unicast && address !== Address.Broadcast) return stop(c, DecodeStatus.Malformed);
  c.off = o + F.Length;
  return etherTypeLayer(c, u16be(b, o + F.Protocol));
}
