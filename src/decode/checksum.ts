/**
 * Internet checksums (RFC 1071) of a decoded segment's IPv4 header and TCP
 * segment (RFC 793 / RFC 8200 pseudo-headers), for emulating a Zeek run that
 * validates them (`zeek` without -C). The read path does not call these:
 * captures taken on the sending host commonly carry offloaded, not yet
 * computed checksums, and the analysis keeps those packets.
 */
import type { Segment } from './segment.js';
import { u8, u16be } from '../capture/bytes.js';

/** One's-complement sum of buf[from, to) as 16-bit big-endian words, not folded. */
function sum16(buf: Uint8Array, from: number, to: number, acc: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) acc += u16be(buf, i);
  if (i < to) acc += u8(buf, i) << 8;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/**
 * The IPv4 header checksum of the segment's (innermost) IP header holds, or
 * cannot be checked (IPv6 has none; the header was not captured whole).
 */
export function ipv4HeaderChecksumOk(seg: Segment): boolean {
  if (seg.ipVersion !== 4 || seg.ipOffset < 0) return true;
  const b = seg.buf;
  const o = seg.ipOffset;
  const hl = (u8(b, o) & 0x0f) << 2;
  if (o + hl > b.length) return true;
  return fold(sum16(b, o, o + hl, 0)) === 0xffff;
}

/**
 * The TCP checksum holds, or cannot be checked: as Zeek (TCPAnalyzer::
 * ValidateChecksum, `caplen >= len`), a segment whose payload was not
 * captured whole counts as valid.
 */
export function tcpChecksumOk(seg: Segment): boolean {
  if (seg.tcpOffset < 0 || seg.headerCut || seg.capturedPayload < seg.payloadLen) return true;
  const b = seg.buf;
  const len = seg.headerLen + seg.payloadLen;
  const end = seg.tcpOffset + len;
  if (end > b.length) return true;
  const n = seg.ipVersion === 4 ? 4 : 16;
  // Pseudo-header: addresses, protocol 6, TCP length (RFC 793 3.1; RFC 8200 8.1).
  let acc = sum16(seg.src, 0, n, 0);
  acc = sum16(seg.dst, 0, n, acc);
  acc += 6 + (len & 0xffff) + Math.floor(len / 0x10000);
  acc = sum16(b, seg.tcpOffset, end, acc);
  return fold(acc) === 0xffff;
}
