/**
 * IPv4 / IPv6 fragment reassembly, for datagrams that may carry a tunnel (UDP,
 * GRE, IP-in-IP, ...): the tunnel is opened on the whole datagram.
 *
 * The decoder stops at such a fragment with DecodeStatus.Reassemble, its IP
 * header at seg.ipOffset (and, for IPv6, its fragment header at
 * seg.fragHeader); add() keeps a copy of the fragment's data and, when the
 * datagram is complete, returns it rebuilt, starting at its IP header:
 * - IPv4: the first fragment's header with the total length of the whole and
 *   the MF flag and offset cleared (RFC 791 section 3.2);
 * - IPv6: the first fragment's unfragmentable part and fragment header, the
 *   payload length of the whole and the fragment header turned into an atomic
 *   fragment (offset 0, M clear; RFC 8200 section 4.5, RFC 6946).
 * The caller decodes that with decodeDatagram(), restoring the tunnels the
 * fragments travelled in.
 *
 * Bounded, as the kernels bound it (Linux ipfrag_high_thresh, ipfrag_time):
 * at most `maxDatagrams` incomplete datagrams and `maxBytes` of fragment data
 * at once (the oldest go first), a datagram incomplete `timeout` seconds after
 * its first fragment is given up, and none may exceed 65,535 bytes of data.
 * Every fragment frame is counted once, by its fate: part of a datagram that
 * was rebuilt, given up on timeout (or still incomplete at the end), or dropped.
 * Keys are strings: fragments are rare, this is not the hot path.
 */
import { F as Ip4, Frag } from './ipv4.js';
import { Ext, FragBits, F as Ip6 } from './ipv6.js';
import { saveTunnels, type TunnelChain } from './packet.js';
import type { Segment } from './segment.js';
import { setU16be, u8, u16be, u32be } from '../capture/bytes.js';
import { must } from '../model/checked.js';

export interface DefragLimits {
  maxDatagrams: number;
  maxBytes: number;
  /** Seconds. */
  timeout: number;
}

export const DEFAULT_DEFRAG_LIMITS: DefragLimits = {
  maxDatagrams: 1024,
  maxBytes: 16 * 1024 * 1024,
  timeout: 30,
};

/** Fates of the fragment frames handed to add(), for `capture.skipped`. */
export interface DefragCounts {
  /** Fragments that were part of a rebuilt datagram (the last one is counted by what the datagram became). */
  reassembled: number;
  /** Fragments of datagrams still incomplete after the timeout, or at the end of the capture. */
  timedOut: number;
  /** Fragments dropped: over the limits, cut by the snaplen, or impossible (beyond 65,535 bytes). */
  dropped: number;
}

interface Piece {
  off: number;
  data: Uint8Array;
}

interface Pending {
  first: number;
  pieces: Piece[];
  /** Length of the whole data once the last fragment (MF / M clear) is seen, else -1. */
  total: number;
  /** The unfragmentable part (IP header, for IPv6 up to and including the fragment header), from the offset-0 fragment. */
  header: Uint8Array | null;
  chain: TunnelChain;
  bytes: number;
  frames: number;
}

const MAX_DATA = 65535;

export class Defragmenter {
  readonly counts: DefragCounts = { reassembled: 0, timedOut: 0, dropped: 0 };
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;

  constructor(private readonly limits: DefragLimits = DEFAULT_DEFRAG_LIMITS) {}

  /**
   * The fragment in buf[.. end) (end: the end of the captured bytes), decoded
   * into seg up to its IP header. Returns the rebuilt datagram when this
   * fragment completes it, with the tunnels it travelled in.
   */
  add(
    buf: Uint8Array,
    end: number,
    seg: Segment,
    ts: number,
  ): { datagram: Uint8Array; chain: TunnelChain } | null {
    this.expire(ts);
    const b = buf;
    const o = seg.ipOffset;
    const v4 = seg.ipVersion === 4;
    let dataStart: number;
    let dataEnd: number;
    let off: number;
    let more: boolean;
    let id: number;
    let headerEnd: number;
    if (v4) {
      const hl = (u8(b, o + Ip4.VersionIhl) & 0x0f) << 2;
      const total = u16be(b, o + Ip4.TotalLength);
      const frag = u16be(b, o + Ip4.FlagsFragment);
      dataStart = o + hl;
      dataEnd = o + total;
      off = (frag & Frag.Offset) << 3;
      more = (frag & Frag.MoreFragments) !== 0;
      id = u16be(b, o + Ip4.Identification);
      headerEnd = dataStart;
    } else {
      const fh = seg.fragHeader;
      const plen = u16be(b, o + Ip6.PayloadLength);
      dataStart = fh + Ext.MinLength;
      dataEnd = o + Ip6.Length + plen;
      const fo = u16be(b, fh + Ext.FragmentOffset);
      off = fo & FragBits.Offset;
      more = (fo & FragBits.More) !== 0;
      id = u32be(b, fh + Ext.FragmentId);
      headerEnd = dataStart;
    }
    const len = dataEnd - dataStart;
    if (dataEnd > end || len < 0 || off + len > MAX_DATA || (more && len === 0)) {
      this.counts.dropped++;
      return null;
    }
    const key = `${seg.ipVersion}|${hex(seg.src, v4)}|${hex(seg.dst, v4)}|${seg.ipProto}|${id}|${seg.tunnelKey}`;
    let p = this.pending.get(key);
    if (p === undefined) {
      p = { first: ts, pieces: [], total: -1, header: null, chain: saveTunnels(seg), bytes: 0, frames: 0 };
      this.pending.set(key, p);
      if (this.pending.size > this.limits.maxDatagrams) this.dropOldest();
    }
    p.frames++;
    p.pieces.push({ off, data: b.slice(dataStart, dataEnd) });
    p.bytes += len;
    this.bytes += len;
    if (!more) p.total = off + len;
    if (off === 0) p.header = b.slice(o, headerEnd);
    while (this.bytes > this.limits.maxBytes && this.pending.size > 0) this.dropOldest();
    if (!this.pending.has(key)) return null;
    if (p.total < 0 || p.header === null) return null;
    // Complete when the pieces cover [0, total) without a hole.
    p.pieces.sort((x, y) => x.off - y.off);
    let covered = 0;
    for (const piece of p.pieces) {
      if (piece.off > covered) return null;
      covered = Math.max(covered, piece.off + piece.data.length);
    }
    if (covered < p.total) return null;
    this.remove(key, p);
    this.counts.reassembled += p.frames - 1;
    return { datagram: rebuild(p, v4), chain: p.chain };
  }

  /** End of the capture: what is still incomplete is counted as timed out. */
  finish(): void {
    for (const [key, p] of this.pending) {
      this.remove(key, p);
      this.counts.timedOut += p.frames;
    }
  }

  private expire(ts: number): void {
    for (const [key, p] of this.pending) {
      if (ts - p.first <= this.limits.timeout) break;
      this.remove(key, p);
      this.counts.timedOut += p.frames;
    }
  }

  private dropOldest(): void {
    for (const [key, p] of this.pending) {
      this.remove(key, p);
      this.counts.dropped += p.frames;
      return;
    }
  }

  private remove(key: string, p: Pending): void {
    this.pending.delete(key);
    this.bytes -= p.bytes;
  }
}

function hex(a: Uint8Array, v4: boolean): string {
  let s = '';
  for (let i = 0; i < (v4 ? 4 : 16); i++) s += u8(a, i).toString(16).padStart(2, '0');
  return s;
}

function rebuild(p: Pending, v4: boolean): Uint8Array {
  const h = must(p.header, "the first fragment's header");
  const out = new Uint8Array(h.length + p.total);
  out.set(h, 0);
  // Later pieces win where fragments overlap (as Linux before RFC 5722 dropped such datagrams).
  for (const piece of p.pieces) out.set(piece.data.subarray(0, p.total - piece.off), h.length + piece.off);
  if (v4) {
    setU16be(out, Ip4.TotalLength, out.length);
    // Keep DF, clear MF and the offset.
    setU16be(out, Ip4.FlagsFragment, u16be(out, Ip4.FlagsFragment) & Frag.DontFragment);
  } else {
    setU16be(out, Ip6.PayloadLength, out.length - Ip6.Length);
    setU16be(out, h.length - Ext.MinLength + Ext.FragmentOffset, 0);
  }
  return out;
}
