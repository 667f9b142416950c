/**
 * IEEE 802.2 LLC carrying SNAP (RFC 1042): DSAP 0xaa, SSAP 0xaa, control 0x03,
 * OUI 00-00-00, then an ethertype. How IP travels over FDDI and 802.11.
 * Other SAPs (spanning tree, NetBIOS, ...) and other OUIs are not IP.
 */
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { DecodeStatus } from './segment.js';
import { u16be, u24be } from '../capture/bytes.js';

/** The header's fields: byte offsets from its start; inlined by the compiler. */
const enum F {
  Dsap = 0,
  Ssap = 1,
  Control = 2,
  Oui = 3, // 3 bytes
  EtherType = 6, // 2 bytes
  Length = 8,
}
/** SNAP's values of DSAP, SSAP and control (unnumbered information). */
const enum Snap {
  Sap = 0xaa,
  Ui = 0x03,
}

export function decodeLlcSnap(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  if (b[o + F.Dsap] !== Snap.Sap || b[o + F.Ssap] !== Snap.Sap || b[o + F.Control] !== Snap.Ui)
    return stop(c, DecodeStatus.NonIp);
  if (u24be(b, o + F.Oui) !== 0) return stop(c, DecodeStatus.NonIp);
  c.off = o + F.Length;
  return etherTypeLayer(c, u16be(b, o + F.EtherType));
}
