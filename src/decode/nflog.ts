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

export function decodeNflog(c: Cursor): Layer {
  const b = c.buf;
  const end = c.end;
  const o = c.off;
  if (o + 4 > end) return truncated(c);
  const family = u8(b, o);
  if (family !== 2 && family !== 10) return stop(c, DecodeStatus.NonIp);
  let p = o + 4;
  while (p + 4 <= end) {
    const le = b[p + 3] === 0;
    const len = le ? u16le(b, p) : u16be(b, p);
    const type = (le ? u16le(b, p + 2) : u16be(b, p + 2)) & 0x7fff;
    if (len < 4) return stop(c, DecodeStatus.Malformed);
    if (type === NFULA_PAYLOAD) {
      c.off = p + 4;
      return Layer.RawIp;
    }
    p += (len + 3) & ~3;
  }
  return p > end ? truncated(c) : stop(c, DecodeStatus.NonIp);
}
