/**
 * IPv4 (RFC 791).
 *
 *   0: version (4) | IHL (4)     1: DSCP/ECN     2: total length (2)
 *   4: identification (2)        6: flags (3) | fragment offset (13)
 *   8: TTL   9: protocol   10: header checksum (2)   12: source (4)   16: destination (4)
 *   20: options (IHL*4 - 20)
 *
 * Lengths follow the header, not the capture (STYLE: a snaplen-cut packet still
 * gives its headers; payload lengths come from the IP header):
 * - the datagram's end is start + total length; bytes captured past it are
 *   Ethernet padding or FCS and are cut off (`end`);
 * - total length 0 is TSO / BIG TCP (Linux writes 0 when the GSO packet is
 *   larger than 64 KiB, and capture points before segmentation see it): the
 *   length is what the frame had on the wire, as tcpdump does
 *   ("[was 0, presumed BIG TCP]");
 * - a total length beyond the frame's wire length is a lie: the receiver drops
 *   such a datagram (Linux ip_rcv_core: skb->len < tot_len), so it is Malformed.
 * The header checksum is not verified: captures taken on the sending host
 * commonly carry offloaded, not yet computed checksums.
 */
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { transportLayer } from './ipproto.js';
import { DecodeStatus } from './segment.js';
import { u8, u16be } from '../capture/bytes.js';

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler (defrag.ts reads them too). */
export const enum F {
  VersionIhl = 0, // version (4 bits) | IHL (4)
  TotalLength = 2, // 2 bytes
  Identification = 4, // 2 bytes
  FlagsFragment = 6, // flags (3 bits) | fragment offset (13): 2 bytes
  Ttl = 8,
  Protocol = 9,
  Src = 12, // 4 bytes
  Dst = 16, // 4 bytes
  /** The fixed header's length; options follow. */
  MinLength = 20,
}
/** The bits of FlagsFragment: DF, MF (more fragments), and the fragment offset in 8-byte units. */
export const enum Frag {
  DontFragment = 0x4000,
  MoreFragments = 0x2000,
  Offset = 0x1fff,
}

export function decodeIPv4(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const seg = c.seg;
  if (o + F.MinLength > c.end) return truncated(c);
  const vihl = u8(b, o + F.VersionIhl);
  if (vihl >> 4 !== 4) return stop(c, DecodeStatus.Malformed);
  const hl = (vihl & 0x0f) << 2;
  if (hl < F.MinLength) return stop(c, DecodeStatus.Malformed);

  seg.ipVersion = 4;
  seg.ipOffset = o;
  seg.ttl = u8(b, o + F.Ttl);
  // Bytes 4..15 are zero: reset() cleared them if the previous packet was IPv6.
  const src = seg.src;
  const dst = seg.dst;
  src[0] = u8(b, o + F.Src);
  src[1] = u8(b, o + F.Src + 1);
  src[2] = u8(b, o + F.Src + 2);
  src[3] = u8(b, o + F.Src + 3);
  dst[0] = u8(b, o + F.Dst);
  dst[1] = u8(b, o + F.Dst + 1);
  dst[2] = u8(b, o + F.Dst + 2);
  dst[3] = u8(b, o + F.Dst + 3);

  const wire = c.wireLen - (o - c.start);
  let total = u16be(b, o + F.TotalLength);
  if (total === 0) total = wire;
  if (total < hl || total > wire) {
    seg.ipProto = u8(b, o + F.Protocol);
    return stop(c, DecodeStatus.Malformed);
  }
  const ipEnd = o + total;
  c.ipEnd = ipEnd;
  if (ipEnd < c.end) c.end = ipEnd;
  // Options cut by the snaplen: the transport header is out of reach.
  if (o + hl > c.end) {
    seg.ipProto = u8(b, o + F.Protocol);
    return truncated(c);
  }

  const frag = u16be(b, o + F.FlagsFragment);
  const fragOffset = frag & Frag.Offset;
  // MF set at offset 0: the first fragment, whose TCP header we use (RFC 791 section 3.2).
  seg.ipFragmented = fragOffset === 0 && (frag & Frag.MoreFragments) !== 0;
  c.off = o + hl;
  return transportLayer(c, u8(b, o + F.Protocol), fragOffset !== 0);
}
