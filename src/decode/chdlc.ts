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

export function decodeCiscoHdlc(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 4 > c.end) return truncated(c);
  const address = b[o];
  if (address !== 0x0f && address !== 0x8f) return stop(c, DecodeStatus.Malformed);
  c.off = o + 4;
  return etherTypeLayer(c, u16be(b, o + 2));
}
