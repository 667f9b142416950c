/**
 * Recognising an input by its first bytes, and the push parser that does so
 * before handing the bytes to the pcap, pcapng or text parser.
 */
import { u8, u32be, u32le } from './bytes.js';
import { type ChunkParser, type EndInfo, hex32, newFileStats, ReadSession } from './parser.js';
import { PcapParser, pcapMagic } from './pcap.js';
import { GzipMagic } from './gzip.js';
import { Block, BT_SHB, BYTE_ORDER_MAGIC, PcapngParser, Shb } from './pcapng.js';
import { CaptureError, type CaptureFileStats, type CaptureSink } from './record.js';
import { TextLineSplitter } from './text.js';

export type InputKind =
  'pcap' | 'pcapng' | 'pcapng-bad-magic' | 'gzip' | 'text' | 'binary' | 'empty' | 'short' | 'more';

/** First bytes of every recognised magic, in file byte order. */
const MAGICS = [
  [0xa1, 0xb2, 0xc3, 0xd4],
  [0xd4, 0xc3, 0xb2, 0xa1],
  [0xa1, 0xb2, 0x3c, 0x4d],
  [0x4d, 0x3c, 0xb2, 0xa1],
  [0xa1, 0xb2, 0xcd, 0x34],
  [0x34, 0xcd, 0xb2, 0xa1],
  [0x0a, 0x0d, 0x0d, 0x0a],
];

function isMagicPrefix(b: Uint8Array, len: number): boolean {
  return MAGICS.some((m) => m.slice(0, len).every((x, i) => b[i] === x));
}

/** Text is decided on at most this many bytes (or the first line, if shorter). */
const TEXT_SNIFF = 512;

/**
 * What `b[0..len)` starts with; 'more' when it cannot tell yet and the input
 * goes on (`eof` false). Text is judged on the first line or 512 bytes, so a
 * slow pipe of tcpdump text is recognised at its first line end.
 */
export function sniff(b: Uint8Array, len: number, eof: boolean): InputKind {
  if (len === 0) return eof ? 'empty' : 'more';
  if (b[0] === GzipMagic.Id1 && (len < 2 ? !eof : b[1] === GzipMagic.Id2)) return len < 2 ? 'more' : 'gzip';
  if (len < 4) {
    if (!eof) return 'more';
    if (isMagicPrefix(b, len)) return 'short';
    return looksText(b, len) ? 'text' : 'binary';
  }
  if (pcapMagic(b) !== 0) return 'pcap';
  if (u32le(b, Block.Type) === BT_SHB) {
    // "\n\r\r\n" could start a text file too; the byte-order magic settles it.
    if (len < Shb.ByteOrderMagic + 4) {
      if (!eof) return 'more';
      return 'short';
    } else if (
      u32le(b, Shb.ByteOrderMagic) === BYTE_ORDER_MAGIC ||
      u32be(b, Shb.ByteOrderMagic) === BYTE_ORDER_MAGIC
    ) {
      return 'pcapng';
    } else if (!looksText(b, Math.min(len, TEXT_SNIFF))) {
      // A section header block type, binary after it, and no byte-order magic: a pcapng
      // whose magic was damaged (text has no NUL bytes; the block length has some).
      return 'pcapng-bad-magic';
    }
  }
  // Judge the first line (or the first 512 bytes): the same bytes however the input is chunked.
  const nl = b.subarray(0, Math.min(len, TEXT_SNIFF)).indexOf(10);
  if (!eof && len < TEXT_SNIFF && nl < 0) return 'more';
  return looksText(b, nl < 0 ? Math.min(len, TEXT_SNIFF) : nl + 1) ? 'text' : 'binary';
}

/** No NUL byte and at most 5% control characters other than tab, line ends and form feed. */
export function looksText(b: Uint8Array, len: number): boolean {
  const n = Math.min(len, 4096);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = u8(b, i);
    if (c === 0) return false;
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 12 && c !== 13) || c === 0x7f) bad++;
  }
  return bad * 20 <= n;
}

/**
 * Push parser for any supported (uncompressed) input: waits for enough bytes
 * to recognise it, then passes everything to the parser for that format.
 * Gzip is undone by the stream reader, before this.
 */
export class CaptureParser {
  readonly stats: CaptureFileStats;
  private inner: ChunkParser | TextLineSplitter | null = null;
  private head: Uint8Array = new Uint8Array(0);
  private headLen = 0;

  constructor(
    readonly file: string,
    private readonly sink: CaptureSink,
    private readonly session: ReadSession = new ReadSession(),
    stats?: CaptureFileStats,
  ) {
    this.stats = stats ?? newFileStats(file);
  }

  /** Reading this input should stop (damage found): further chunks would be ignored. */
  get done(): boolean {
    return this.inner?.done ?? false;
  }

  push(chunk: Uint8Array): void {
    if (this.inner !== null) {
      this.inner.push(chunk);
      return;
    }
    if (this.headLen === 0) {
      const kind = sniff(chunk, chunk.length, false);
      if (kind !== 'more') {
        this.start(kind, chunk, chunk.length).push(chunk);
        return;
      }
    }
    const len = this.headLen + chunk.length;
    if (this.head.length < len) {
      const bigger = new Uint8Array(Math.max(len, 64));
      bigger.set(this.head.subarray(0, this.headLen));
      this.head = bigger;
    }
    this.head.set(chunk, this.headLen);
    this.headLen = len;
    const kind = sniff(this.head, len, false);
    if (kind === 'more') return;
    this.start(kind, this.head, len).push(this.head.subarray(0, len));
  }

  end(info: EndInfo = {}): void {
    if (this.inner === null) {
      if (info.aborted) {
        this.stats.aborted = true;
        this.stats.dataBytes = this.headLen;
        return;
      }
      const kind = sniff(this.head, this.headLen, true);
      if (kind === 'empty' && info.gzipTruncated) {
        throw new CaptureError(`${this.file}: truncated gzip file: it ends before any data`, this.file);
      }
      const inner = this.start(kind, this.head, this.headLen);
      if (this.headLen > 0) inner.push(this.head.subarray(0, this.headLen));
      inner.end(info);
      return;
    }
    this.inner.end(info);
  }

  /** Opens the parser for `kind` (or throws why the input is no capture) and returns it. */
  private start(kind: InputKind, b: Uint8Array, len: number): ChunkParser | TextLineSplitter {
    const f = this.file;
    switch (kind) {
      case 'pcap':
        return (this.inner = new PcapParser(f, this.sink, this.session, this.stats));
      case 'pcapng':
        return (this.inner = new PcapngParser(f, this.sink, this.session, this.stats));
      case 'text': {
        const sink = this.sink;
        if (sink.textLine === undefined) {
          throw new CaptureError(
            `${f}: not a capture: the input is text, and text input is not accepted here`,
            f,
          );
        }
        return (this.inner = new TextLineSplitter(
          f,
          sink as CaptureSink & Required<Pick<CaptureSink, 'textLine'>>,
          this.stats,
        ));
      }
      case 'gzip':
        throw new CaptureError(
          `${f}: not a capture: gzip-compressed data (only one layer of gzip is undone)`,
          f,
        );
      case 'pcapng-bad-magic':
        throw new CaptureError(
          `${f}: not a capture: pcapng with a damaged byte-order magic (${hex32(u32be(b, Shb.ByteOrderMagic))}, expected ${hex32(BYTE_ORDER_MAGIC)})`,
          f,
        );
      case 'empty':
        throw new CaptureError(`${f}: empty file`, f);
      case 'short':
        throw new CaptureError(`${f}: truncated capture file header (only ${len} byte(s))`, f);
      default:
        if (len < 4) throw new CaptureError(`${f}: not a capture: only ${len} byte(s)`, f);
        throw new CaptureError(`${f}: not a capture: unknown magic ${hex32(u32be(b, Block.Type))}`, f);
    }
  }
}
