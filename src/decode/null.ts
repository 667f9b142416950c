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

export function decodeNull(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 4 > c.end) return truncated(c);
  let af = u32le(b, o);
  if (af > 0xffff) af = u32be(b, o);
  c.off = o + 4;
  switch (af) {
    case 2:
      return Layer.IPv4;
    case 24:
    case 28:
    case 30:
      return Layer.IPv6;
    default:
      return stop(c, DecodeStatus.NonIp);
  }
}
