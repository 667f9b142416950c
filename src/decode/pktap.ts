/**
 * PKTAP (LINKTYPE_PKTAP = 258): what `tcpdump -i any` and `-k` write on macOS.
 * Each packet has a header with the interface and the process it belongs to,
 * in the capturing host's byte order (little-endian on every Mac):
 *
 *   0: header length (4)   4: record type (4, 1 = packet)   8: DLT of the packet (4)
 *   12: interface name (24)   ... process information ...
 *
 * then the packet in that DLT: Ethernet, NULL (loopback, utun) or raw IP.
 * https://www.tcpdump.org/linktypes/LINKTYPE_PKTAP.html
 */
import { type Cursor, Layer, stop, truncated } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u32be, u32le } from '../capture/bytes.js';

const RECORD_PACKET = 1;

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  HeaderLength = 0, // 4 bytes
  RecordType = 4, // 4 bytes
  Dlt = 8, // 4 bytes
  /** The least a header holds: the three above. */
  MinLength = 12,
}
/** The DLTs a packet may have. */
const enum Dlt {
  Null = 0,
  Ethernet = 1,
  Raw = 12,
  RawIp = 101,
}

function rd32(b: Uint8Array, o: number, le: boolean): number {
  return le ? u32le(b, o) : u32be(b, o);
}

export function decodePktap(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.MinLength > c.end) return truncated(c);
  // The header length is small: read the wrong way round it is huge.
  const le = rd32(b, o + F.HeaderLength, true) <= 0xffff;
  const hl = rd32(b, o + F.HeaderLength, le);
  if (hl < F.MinLength) return stop(c, DecodeStatus.Malformed);
  if (rd32(b, o + F.RecordType, le) !== RECORD_PACKET) return stop(c, DecodeStatus.NonIp);
  if (o + hl > c.end) return truncated(c);
  const dlt = rd32(b, o + F.Dlt, le);
  c.off = o + hl;
  switch (dlt) {
    case Dlt.Ethernet:
      return Layer.Ethernet;
    case Dlt.Null:
      return Layer.Null;
    case Dlt.Raw:
      return Layer.RawOrLoop;
    case Dlt.RawIp:
      return Layer.RawIp;
    default:
      return stop(c, DecodeStatus.NonIp);
  }
}
