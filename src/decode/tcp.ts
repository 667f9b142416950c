/**
 * TCP header and options (RFC 9293 section 3.1).
 *
 *   0: source port (2)   2: destination port (2)   4: sequence number (4)
 *   8: acknowledgment number (4)
 *  12: data offset (4) | reserved (3) | AE (1)   13: CWR ECE URG ACK PSH RST SYN FIN
 *  14: window (2)   16: checksum (2)   18: urgent pointer (2)   20: options
 *
 * The payload length is the IP datagram's length minus the headers, not what
 * the snaplen kept, so a headers-only capture (-s 96) still advances sequence
 * numbers correctly; `capturedPayload` is what is in the buffer and `truncated`
 * says the snaplen cut the options or the payload. The checksum is not verified
 * (offloaded checksums are common in captures taken on the sending host).
 */
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { DecodeStatus, type Segment } from './segment.js';
import { u8, u16be, u32be } from '../capture/bytes.js';

/** The header's fields: byte offsets from its start (the table above); inlined by the compiler. */
const enum F {
  SrcPort = 0, // 2 bytes
  DstPort = 2, // 2 bytes
  Seq = 4, // 4 bytes
  Ack = 8, // 4 bytes
  DataOffset = 12, // data offset (4 bits) | reserved (3) | AE (1); with the next byte, the flags (9 bits)
  Window = 14, // 2 bytes
  Urgent = 18, // 2 bytes
  /** The fixed header's length; options follow. */
  Options = 20,
}
/** The bits of the 16 at F.DataOffset: the flags (AE to FIN). */
const enum Bits {
  Flags = 0x1ff,
}
/** The byte at F.DataOffset: the header length in 32-bit words (high 4 bits), then the reserved bits (3). */
const enum DataOffset {
  WordsShift = 4,
  ReservedShift = 1,
  ReservedMask = 7,
}

/** An option's kind, its first byte (each kind's fields and lengths: the *Opt enums below). */
export const enum TcpOption {
  /** End of the option list: one byte. */
  EOL = 0,
  /** No operation (padding): one byte. */
  NOP = 1,
  /** RFC 9293 section 3.2. */
  MSS = 2,
  /** RFC 7323 section 2.2. */
  WindowScale = 3,
  /** RFC 2018. */
  SackPermitted = 4,
  /** RFC 2018. */
  Sack = 5,
  /** RFC 7323 section 3.2. */
  Timestamps = 8,
  /** RFC 7413 section 4.1.1. */
  FastOpen = 34,
  /** RFC 6994 experimental option; TFO used it with ExID 0xF989 before kind 34 was assigned. */
  Experimental = 254,
}

/**
 * Every option but EOL and NOP is a TLV (RFC 9293 section 3.1): kind, length
 * (of the whole option, these two bytes included), value. Byte offsets from
 * the option's start.
 */
const enum Tlv {
  Kind = 0,
  Length = 1,
  /** The value; a length below this is impossible. */
  Value = 2,
}

// Each kind's fields, as byte offsets from the option's start, and the lengths it may take.
const enum MssOpt {
  /** The maximum segment size, 2 bytes. */
  Mss = 2,
  Length = 4,
}
const enum WScaleOpt {
  /** The shift count, 1 byte. */
  Shift = 2,
  Length = 3,
}
const enum SackPermittedOpt {
  Length = 2,
}
/** SACK: blocks from offset 2, each a left and a right edge; a length of 2 + 8n (2: an empty SACK). */
const enum SackOpt {
  Blocks = 2,
  /** A block's fields, from the block's start, and its length. */
  Left = 0,
  Right = 4,
  Block = 8,
}
const enum TimestampsOpt {
  TsVal = 2, // 4 bytes
  TsEcr = 6, // 4 bytes
  Length = 10,
}
/** Fast Open: a cookie request (length 2), or a cookie of 4 to 16 bytes. */
const enum FastOpenOpt {
  RequestLength = 2,
  MinLength = 6,
  MaxLength = 18,
}
/** Experimental (RFC 6994): the experiment identifier, 2 bytes. */
const enum ExperimentalOpt {
  ExId = 2,
  MinLength = 4,
}

/**
 * The options of nearly every segment of a Linux connection: NOP, NOP,
 * timestamps. Byte offsets from the options' start.
 */
const enum LinuxOpts {
  Nop1 = 0,
  Nop2 = 1,
  Timestamps = 2,
  /** The whole list: 12 bytes, a header of F.Options + 12. */
  Length = 12,
}

const TFO_EXID = 0xf989;
const MAX_OTHER_OPTIONS = 8;
/** The most SACK blocks 40 bytes of options hold (Segment.sackBlocks has room for them). */
const MAX_SACK_BLOCKS = 4;

export function decodeTcp(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  const seg = c.seg;
  // The IP length leaves no room for a TCP header: impossible, whatever was captured.
  const segmentLen = c.ipEnd - o;
  if (segmentLen < F.Options) return stop(c, DecodeStatus.Malformed);
  if (o + F.Options > c.end) return truncated(c);
  const headerLen = (u8(b, o + F.DataOffset) >> DataOffset.WordsShift) << 2;
  if (headerLen < F.Options || segmentLen < headerLen) return stop(c, DecodeStatus.Malformed);

  seg.tcpOffset = o;
  seg.srcPort = u16be(b, o + F.SrcPort);
  seg.dstPort = u16be(b, o + F.DstPort);
  seg.seq = u32be(b, o + F.Seq);
  seg.ack = u32be(b, o + F.Ack);
  seg.flags = u16be(b, o + F.DataOffset) & Bits.Flags;
  seg.tcpReserved = (u8(b, o + F.DataOffset) >> DataOffset.ReservedShift) & DataOffset.ReservedMask;
  seg.window = u16be(b, o + F.Window);
  seg.urgent = u16be(b, o + F.Urgent);
  seg.headerLen = headerLen;
  seg.payloadLen = segmentLen - headerLen;
  const payloadOffset = o + headerLen;
  seg.payloadOffset = payloadOffset;
  const end = c.end;
  seg.capturedPayload = end > payloadOffset ? end - payloadOffset : 0;
  seg.truncated = end < c.ipEnd;
  // Options cut by the snaplen: the fixed header is whole and used; see Segment.headerCut.
  seg.headerCut = end < payloadOffset;
  const opts = o + F.Options;
  if (
    headerLen === F.Options + LinuxOpts.Length &&
    end >= opts + LinuxOpts.Length &&
    b[opts + LinuxOpts.Nop1] === TcpOption.NOP &&
    b[opts + LinuxOpts.Nop2] === TcpOption.NOP &&
    b[opts + LinuxOpts.Timestamps + Tlv.Kind] === TcpOption.Timestamps &&
    b[opts + LinuxOpts.Timestamps + Tlv.Length] === TimestampsOpt.Length
  ) {
    // What nearly every segment of a Linux connection carries: no loop, no switch.
    readTimestamps(b, opts + LinuxOpts.Timestamps, seg);
  } else if (headerLen > F.Options) parseOptions(b, opts, payloadOffset, Math.min(payloadOffset, end), seg);
  return stop(c, DecodeStatus.Ok);
}

/**
 * Options in [from, headerEnd), of which [from, capEnd) was captured.
 *
 * An option whose length is impossible (below 2, or past the header) makes the
 * rest unreadable: badOptions is set and parsing stops (Linux tcp_parse_options
 * stops the same way). A known option with the wrong length for its kind is
 * skipped by its length and also sets badOptions (Linux ignores it and reads
 * on). An option cut by the snaplen ends parsing silently: `truncated` tells.
 */
function parseOptions(b: Uint8Array, from: number, headerEnd: number, capEnd: number, seg: Segment): void {
  let i = from;
  while (i < capEnd) {
    const kind = u8(b, i + Tlv.Kind);
    if (kind === TcpOption.EOL) return;
    if (kind === TcpOption.NOP) {
      i++;
      continue;
    }
    if (i + Tlv.Length >= capEnd) {
      // The length byte is missing: past the header is bad, past the capture is a cut.
      if (i + Tlv.Length >= headerEnd) seg.badOptions = true;
      return;
    }
    const len = u8(b, i + Tlv.Length);
    if (len < Tlv.Value || i + len > headerEnd) {
      seg.badOptions = true;
      return;
    }
    if (i + len > capEnd) return;
    switch (kind) {
      case TcpOption.MSS:
        if (len === MssOpt.Length) seg.mss = u16be(b, i + MssOpt.Mss);
        else seg.badOptions = true;
        break;
      case TcpOption.WindowScale:
        // The raw shift; values above 14 are the tracker's to clamp (RFC 7323 section 2.3).
        if (len === WScaleOpt.Length) seg.wscale = u8(b, i + WScaleOpt.Shift);
        else seg.badOptions = true;
        break;
      case TcpOption.SackPermitted:
        if (len === SackPermittedOpt.Length) seg.sackPermitted = true;
        else seg.badOptions = true;
        break;
      case TcpOption.Sack: {
        // Length 2 (no block) is accepted as an empty SACK: well-formed by the 2 + 8n rule.
        if ((len - SackOpt.Blocks) & (SackOpt.Block - 1)) {
          seg.badOptions = true;
          break;
        }
        const blocks = seg.sackBlocks;
        let n = seg.sackCount;
        for (let j = i + SackOpt.Blocks; j < i + len && n < MAX_SACK_BLOCKS; j += SackOpt.Block, n++) {
          blocks[2 * n] = u32be(b, j + SackOpt.Left);
          blocks[2 * n + 1] = u32be(b, j + SackOpt.Right);
        }
        seg.sackCount = n;
        break;
      }
      case TcpOption.Timestamps:
        if (len === TimestampsOpt.Length) readTimestamps(b, i, seg);
        else seg.badOptions = true;
        break;
      case TcpOption.FastOpen:
        if (
          len === FastOpenOpt.RequestLength ||
          (len >= FastOpenOpt.MinLength && len <= FastOpenOpt.MaxLength)
        )
          seg.tfo = true;
        else seg.badOptions = true;
        break;
      case TcpOption.Experimental:
        if (len >= ExperimentalOpt.MinLength && u16be(b, i + ExperimentalOpt.ExId) === TFO_EXID) {
          seg.tfo = true;
          break;
        }
        addOther(seg, kind, len);
        break;
      default:
        addOther(seg, kind, len);
    }
    i += len;
  }
}

/** TSval and TSecr of the timestamps option that starts at `i` (RFC 7323 section 3). */
function readTimestamps(b: Uint8Array, i: number, seg: Segment): void {
  seg.tsVal = u32be(b, i + TimestampsOpt.TsVal);
  seg.tsEcr = u32be(b, i + TimestampsOpt.TsEcr);
}

function addOther(seg: Segment, kind: number, len: number): void {
  if (seg.otherOptions.length < MAX_OTHER_OPTIONS) seg.otherOptions.push((kind << 8) | len);
}
