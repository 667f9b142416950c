/**
 * BSD loopback encapsulations: https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html
 *
 * A 4-byte address family. LINKTYPE_NULL (0) stores it in the capturing host's
 * byte order, LINKTYPE_LOOP (108) in network byte order, but captures moved
 * between machines (and OpenBSD's rewritten files) have both kinds in both
 * linktypes: the family is a small number, so a value above 0xffff is the
 * other byte order (Wireshark's packet-null.c does the same).
 *
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD, BSD/OS),
 * 28 (FreeBSD, DragonFly) or 30 (Darwin).
 */
import { type Cursor, Layer, stop, truncated } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { u32be, u32le } from '../capture/bytes.js';

/** The header: the address family (4 bytes); inlined by the compiler. */
const enum F {
  Family = 0,
  Length = 4,
}
/** The address families (above). */
const enum Af {
  Inet = 2,
  Inet6Bsd = 24,
  Inet6FreeBsd = 28,
  Inet6Darwin = 30,
}

export function decodeNull(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + F.Length > c.end) return truncated(c);
  let af = u32le(b, o + F.Family);
  if (af > 0xffff) af = u32be(b, o + F.Family);
  c.off = o + F.Length;
  switch (af) {
    case Af.Inet:
      return Layer.IPv4;
    case Af.Inet6Bsd:
    case Af.Inet6FreeBsd:
    case Af.Inet6Darwin:
      return Layer.IPv6;
    default:
      return stop(c, DecodeStatus.NonIp);
  }
}
