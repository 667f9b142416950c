/**
 * IPv6 (RFC 8200) and its extension headers.
 *
 *   0: version (4) | traffic class (8) | flow label (20)
 *   4: payload length (2)   6: next header   7: hop limit   8: source (16)   24: destination (16)
 *
 * Extension headers walked to reach the transport:
 * - hop-by-hop (0), routing (43), destination options (60): length in 8-octet
 *   units, not counting the first 8 (RFC 8200 section 4.3-4.6);
 * - fragment (44): 8 bytes; a non-zero offset means the transport header is in
 *   the first fragment (section 4.5);
 * - AH (51): length in 4-octet units minus 2 (RFC 4302 section 2.2);
 * - no next header (59), ESP (50) and everything else end the walk (NonTcp).
 *
 * Payload length 0 is a jumbogram: the hop-by-hop Jumbo Payload option gives
 * the length (RFC 2675), as Linux BIG TCP writes it. Without that option
 * (BIG TCP captures where the option was already stripped) the length is taken
 * from the frame's wire length, as for IPv4 total length 0.
 */
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { IpProto, transportLayer } from './ipproto.js';
import { DecodeStatus } from './segment.js';
import { u8, u16be, u32be } from '../capture/bytes.js';

/** The fixed header's fields: byte offsets from its start (the table above); inlined by the compiler (defrag.ts reads them too). */
export const enum F {
  Version = 0, // version (4 bits) | traffic class (8) | flow label (20)
  PayloadLength = 4, // 2 bytes
  NextHeader = 6,
  HopLimit = 7,
  Src = 8, // 16 bytes
  Dst = 24, // 16 bytes
  /** The fixed header's length; extension headers follow. */
  Length = 40,
  /** An address's length. */
  AddrLength = 16,
}

/** An extension header's fields (RFC 8200 section 4): next header, then its length (or, of a fragment header, reserved). */
export const enum Ext {
  NextHeader = 0,
  Length = 1,
  /** Fragment header: fragment offset (13 bits) | res (2) | M (1), 2 bytes. */
  FragmentOffset = 2,
  /** Fragment header: identification, 4 bytes. */
  FragmentId = 4,
  /** The smallest extension header (and the fragment header's length). */
  MinLength = 8,
}

/** The bits of the fragment header's 16 at Ext.FragmentOffset: the offset (in bytes, 8-byte units) and M. */
export const enum FragBits {
  Offset = 0xfff8,
  More = 0x0001,
}

/** Of a hop-by-hop or destination options header's options (RFC 8200 section 4.2): the types read here. */
const enum OptType {
  /** One byte of padding, the only option with no length or value. */
  Pad1 = 0,
  /** Jumbo Payload (RFC 2675 section 2). */
  Jumbo = 0xc2,
}

/** An option but Pad1: type, length of its value (these two bytes not included), value. Byte offsets from its start. */
const enum Opt {
  Type = 0,
  Length = 1,
  Value = 2,
}

/** The Jumbo Payload option's value: the datagram's length without the fixed header, 4 bytes. */
const enum Jumbo {
  ValueLength = 4,
}

/** Hop-by-hop and destination options headers: the options follow next header and length, to the header's end. */
const enum OptionsExt {
  Options = 2,
}

/**
 * The unit of an extension header's Ext.Length, as a shift: each counts the
 * header's length past its first Ext.MinLength bytes (RFC 8200 sections
 * 4.3-4.6: hop-by-hop, routing, destination options; RFC 4302 section 2.2: AH,
 * "in 32-bit words, minus 2").
 */
const enum ExtUnit {
  Octets8 = 3,
  AhOctets4 = 2,
}

/** The Jumbo Payload length in the hop-by-hop options [from, to), or -1. */
function jumboLength(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const type = u8(b, i + Opt.Type);
    if (type === OptType.Pad1) {
      i++;
      continue;
    }
    if (i + Opt.Value > to) return -1;
    const len = u8(b, i + Opt.Length);
    if (type === OptType.Jumbo && len === Jumbo.ValueLength && i + Opt.Value + Jumbo.ValueLength <= to) {
      return u32be(b, i + Opt.Value);
    }
    i += Opt.Value + len;
  }
  return -1;
}

export function decodeIPv6(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const seg = c.seg;
  const end = c.end;
  if (o + F.Length > end) return truncated(c);
  if (u8(b, o + F.Version) >> 4 !== 6) return stop(c, DecodeStatus.Malformed);

  seg.ipVersion = 6;
  seg.ipOffset = o;
  seg.ttl = u8(b, o + F.HopLimit);
  const src = seg.src;
  const dst = seg.dst;
  for (let i = 0; i < F.AddrLength; i++) {
    src[i] = u8(b, o + F.Src + i);
    dst[i] = u8(b, o + F.Dst + i);
  }

  const payloadLen = u16be(b, o + F.PayloadLength);
  let nh = u8(b, o + F.NextHeader);
  let p = o + F.Length;
  let jumbo = -1;
  let nonFirstFragment = false;
  walk: for (;;) {
    switch (nh) {
      case IpProto.HopByHop:
      case IpProto.Routing:
      case IpProto.DestOpts: {
        if (p + Ext.MinLength > end) return truncated(c);
        const len = (u8(b, p + Ext.Length) << ExtUnit.Octets8) + Ext.MinLength;
        if (nh === IpProto.HopByHop && payloadLen === 0) {
          jumbo = jumboLength(b, p + OptionsExt.Options, Math.min(p + len, end));
        }
        nh = u8(b, p + Ext.NextHeader);
        p += len;
        break;
      }
      case IpProto.Fragment: {
        if (p + Ext.MinLength > end) return truncated(c);
        seg.fragHeader = p;
        const fo = u16be(b, p + Ext.FragmentOffset);
        const offset = fo & FragBits.Offset;
        // M flag (bit 0) at offset 0: the first fragment, which holds the transport header.
        seg.ipFragmented = offset === 0 && (fo & FragBits.More) !== 0;
        nh = u8(b, p + Ext.NextHeader);
        p += Ext.MinLength;
        if (offset !== 0) {
          nonFirstFragment = true;
          break walk;
        }
        break;
      }
      case IpProto.AH: {
        // Its next header and length: the rest is past the walk's end.
        if (p + Ext.Length >= end) return truncated(c);
        const len = (u8(b, p + Ext.Length) << ExtUnit.AhOctets4) + Ext.MinLength;
        nh = u8(b, p + Ext.NextHeader);
        p += len;
        break;
      }
      default:
        break walk;
    }
  }

  const wire = c.wireLen - (o - c.start);
  let total: number;
  if (payloadLen !== 0) total = F.Length + payloadLen;
  else if (jumbo >= 0) total = F.Length + jumbo;
  else total = wire;
  seg.ipProto = nh;
  // Extension headers running past the datagram, or a datagram longer than the frame.
  if (p > o + total || total > wire) return stop(c, DecodeStatus.Malformed);
  const ipEnd = o + total;
  c.ipEnd = ipEnd;
  if (ipEnd < c.end) c.end = ipEnd;
  if (p > c.end) return truncated(c);
  c.off = p;
  return transportLayer(c, nh, nonFirstFragment);
}
