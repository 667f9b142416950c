/**
 * Linux NFLOG (LINKTYPE_NFLOG = 239): packets logged by iptables/nftables'
 * NFLOG target, as `tcpdump -i nflog:N` writes them.
 * https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html
 *
 *   0: address family (1: AF_INET 2, AF_INET6 10)   1: version (1) = 0   2: resource id (2, big-endian)
 *   4: TLVs: length (2) | type (2) | value, padded to 4 bytes; length counts the
 *      4-byte TLV header but not the padding
 *
 * The TLV length and type are in the capturing host's byte order; type 9
 * (NFULA_PAYLOAD) is the IP packet. The types are below 0x100, which tells the
 * byte order (as Wireshark guesses it).
 */
import { type Cursor, Layer, stop, truncated } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u8, u16be, u16le } from '../capture/bytes.js';

const NFULA_PAYLOAD = 9;

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  Family = 0,
  /** The header's length; the TLVs follow. */
  Length = 4,
}
/** A TLV's fields: byte offsets from its start. */
const enum Tlv {
  Length = 0, // 2 bytes, host order
  Type = 2, // 2 bytes, host order
  /** The type's high byte, zero in the byte order it was written in (the types are below 0x100). */
  TypeHigh = 3,
  HeaderLength = 4,
}
const enum Af {
  Inet = 2,
  Inet6 = 10,
}
const enum Bits {
  /** A TLV type without its NLA_F_NESTED / NLA_F_NET_BYTEORDER flag bits. */
  Type = 0x7fff,
}

export function decodeNflog(c: Cursor): Layer {
  const b = c.buf;
  const end = c.end;
  const o = c.off;
  if (o + F.Length > end) return truncated(c);
  const family = u8(b, o + F.Family);
  if (family !== Af.Inet && family !== Af.Inet6) return stop(c, DecodeStatus.NonIp);
  let p = o + F.Length;
  while (p + Tlv.HeaderLength <= end) {
    const le = b[p + Tlv.TypeHigh] === 0;
    const len = le ? u16le(b, p + Tlv.Length) : u16be(b, p + Tlv.Length);
    const type = (le ? u16le(b, p + Tlv.Type) : u16be(b, p + Tlv.Type)) & Bits.Type;
    if (len < Tlv.HeaderLength) return stop(c, DecodeStatus.Malformed);
    if (type === NFULA_PAYLOAD) {
      c.off = p + Tlv.HeaderLength;
      return Layer.RawIp;
    }
    p += (len + 3) & ~3;
  }
  return p > end ? truncated(c) : stop(c, DecodeStatus.NonIp);
}
