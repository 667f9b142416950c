/**
 * The common machinery of the push parsers: carrying a partial record over
 * from one chunk to the next, frame numbering, per-file checks on timestamps,
 * and the warnings and figures of one input.
 *
 * A push parser is fed chunks with `push(chunk)` and calls the sink
 * synchronously for every record the chunk completes; `end()` says the input
 * is over. Nothing here awaits, so a chunk's records reach the sink before the
 * next chunk is even read (a slow pipe gives its records as they arrive).
 */
import type { CaptureFileStats, CaptureFormat, CaptureSink, CaptureWarning, PacketRecord } from './record.js';

const EMPTY = new Uint8Array(0);

/** State shared by the inputs of one capture: the one reused record, frame numbers, the last timestamp. */
export class ReadSession {
  /** The one PacketRecord every parser of this capture fills and hands to the sink. */
  readonly rec: PacketRecord = {
    frame: 0,
    tsSec: 0,
    tsNsec: 0,
    capLen: 0,
    origLen: 0,
    linkType: 0,
    iface: 0,
    buf: EMPTY,
    offset: 0,
  };
  /** Last frame number given (frames are 1-based and continue across files). */
  frame = 0;
  /** Timestamp of the last record, so that a file starting before the previous one ended is noticed. */
  lastSec = Number.NEGATIVE_INFINITY;
  lastNsec = 0;
}

export function newFileStats(file: string): CaptureFileStats {
  return {
    file,
    format: null,
    gzip: false,
    text: false,
    linkTypes: [],
    packets: 0,
    skipped: {},
    textLines: 0,
    bytesRead: 0,
    dataBytes: 0,
    truncated: false,
    damaged: false,
    aborted: false,
    start: null,
    end: null,
    warnings: [],
  };
}

/** How an input ended, as the reader tells the parser. */
export interface EndInfo {
  /** Reading stopped early on purpose (AbortSignal): a partial record is not a truncation. */
  aborted?: boolean;
  /** The gzip stream ended before its end marker (compressed file cut). */
  gzipTruncated?: boolean;
  /** Reading stopped on damage found outside the parser (corrupt gzip data), already reported. */
  stopped?: boolean;
}

/** Base of the binary push parsers (pcap, pcapng). */
export abstract class ChunkParser {
  readonly stats: CaptureFileStats;
  /** True once reading must stop (damage); later chunks are ignored. */
  done = false;

  protected readonly rec: PacketRecord;
  /** Offset in the (decompressed) input of the record or block being parsed. */
  protected offset = 0;

  /** Last frame number given. */
  protected frame: number;
  /** Timestamp of the last record (-Infinity before any); pcapng's SPB has none and takes this one. */
  protected lastSec: number;
  protected lastNsec: number;
  private backwards = 0;
  private backwardsFrame = 0;
  private backwardsOffset = 0;
  private invalidTs = 0;
  private invalidTsFrame = 0;
  private invalidTsOffset = 0;

  /** A record or block that started in an earlier chunk: its bytes so far. */
  private pend: Uint8Array = EMPTY;
  private pendLen = 0;
  /** How many bytes the pending record or block needs in all, as far as known. */
  private need = 0;

  constructor(
    readonly file: string,
    protected readonly sink: CaptureSink,
    protected readonly session: ReadSession,
    format: CaptureFormat,
    stats?: CaptureFileStats,
  ) {
    this.stats = stats ?? newFileStats(file);
    this.stats.format = format;
    this.rec = session.rec;
    this.frame = session.frame;
    this.lastSec = session.lastSec;
    this.lastNsec = session.lastNsec;
  }

  /**
   * Parses what it can at `buf[off..end)`. Returns the bytes consumed (> 0), or
   * minus the number of bytes the next record or block needs in all (counted
   * from `off`) when `end - off` is not enough, or 0 to stop reading (damage,
   * reported by the subclass).
   */
  protected abstract step(buf: Uint8Array, off: number, end: number): number;

  /** Called by `end()` for a partial unit at the end of input: throw for a cut header, else return a message. */
  protected abstract truncatedMessage(have: number, need: number): string;

  push(chunk: Uint8Array): void {
    if (this.done) return;
    const n = chunk.length;
    this.stats.dataBytes += n;
    let pos = 0;
    if (this.pendLen > 0) {
      // Complete the carried-over unit first: copy only the bytes it needs.
      for (;;) {
        const take = Math.min(this.need - this.pendLen, n - pos);
        this.pend.set(take === n ? chunk : chunk.subarray(pos, pos + take), this.pendLen);
        this.pendLen += take;
        pos += take;
        if (this.pendLen < this.need) return;
        const r = this.step(this.pend, 0, this.pendLen);
        if (r > 0) {
          // Given exactly the bytes asked for, a step consumes them all.
          this.offset += r;
          this.pendLen = 0;
          break;
        }
        if (r === 0) {
          this.stop();
          return;
        }
        this.grow(-r);
      }
    }
    while (pos < n) {
      const r = this.step(chunk, pos, n);
      if (r > 0) {
        pos += r;
        this.offset += r;
      } else if (r === 0) {
        this.stop();
        return;
      } else {
        this.grow(-r);
        this.pend.set(pos === 0 ? chunk : chunk.subarray(pos), 0);
        this.pendLen = n - pos;
        return;
      }
    }
  }

  /** The input is over (or reading stopped): report a cut record and the per-file timestamp warnings. */
  end(info: EndInfo = {}): void {
    const s = this.stats;
    if (info.aborted) s.aborted = true;
    if (!this.done && !info.aborted && !info.stopped) {
      if (this.pendLen > 0) {
        const message = this.truncatedMessage(this.pendLen, this.need);
        s.truncated = true;
        this.warn({
          kind: 'truncated',
          file: this.file,
          offset: this.offset,
          missing: this.need - this.pendLen,
          message: info.gzipTruncated ? `${message} (the gzip stream is cut too)` : message,
        });
      } else if (info.gzipTruncated) {
        s.truncated = true;
        this.warn({
          kind: 'truncated',
          file: this.file,
          offset: this.offset,
          message: 'the gzip stream is cut (no end marker); every record before the cut was read',
        });
      }
    }
    this.pendLen = 0;
    this.done = true;
    if (this.invalidTs > 0) {
      this.warn({
        kind: 'invalid-timestamp',
        file: this.file,
        offset: this.invalidTsOffset,
        frame: this.invalidTsFrame,
        message: `${this.invalidTs} record(s) have a fraction of a second out of range (first: frame ${this.invalidTsFrame}); carried into the seconds`,
      });
    }
    if (this.backwards > 0) {
      this.warn({
        kind: 'time-backwards',
        file: this.file,
        offset: this.backwardsOffset,
        frame: this.backwardsFrame,
        message: `timestamps go backwards ${this.backwards} time(s) (first: frame ${this.backwardsFrame}); records are analysed in file order`,
      });
    }
    this.session.frame = this.frame;
    this.session.lastSec = this.lastSec;
    this.session.lastNsec = this.lastNsec;
    if (s.packets > 0) s.end = this.lastSec + this.lastNsec / 1e9;
  }

  /** Hands a record to the sink (in the reused `this.rec`), numbering its frame. */
  protected emit(
    sec: number,
    nsec: number,
    capLen: number,
    origLen: number,
    linkType: number,
    iface: number,
    buf: Uint8Array,
    offset: number,
  ): void {
    const rec = this.rec;
    rec.tsSec = sec;
    rec.tsNsec = nsec;
    rec.capLen = capLen;
    rec.origLen = origLen;
    rec.linkType = linkType;
    rec.iface = iface;
    rec.buf = buf;
    rec.offset = offset;
    rec.frame = ++this.frame;
    if (sec < this.lastSec || (sec === this.lastSec && nsec < this.lastNsec)) {
      if (this.backwards++ === 0) {
        this.backwardsFrame = rec.frame;
        this.backwardsOffset = this.offset;
      }
    }
    this.lastSec = sec;
    this.lastNsec = nsec;
    if (this.stats.packets++ === 0) this.stats.start = sec + nsec / 1e9;
    this.sink.record(rec);
  }

  /** Counts a record whose fraction of a second was out of range (the caller carries it). */
  protected invalidTimestamp(): void {
    if (this.invalidTs++ === 0) {
      this.invalidTsFrame = this.frame + 1;
      this.invalidTsOffset = this.offset;
    }
  }

  /** Stops reading this input at the current unit with a `damaged` warning; returns 0 for `step`. */
  protected damaged(message: string): 0 {
    this.stats.damaged = true;
    this.warn({ kind: 'damaged', file: this.file, offset: this.offset, message });
    this.done = true;
    return 0;
  }

  protected warn(w: CaptureWarning): void {
    this.stats.warnings.push(w);
    this.sink.warning(w);
  }

  protected addLinkType(lt: number): void {
    if (!this.stats.linkTypes.includes(lt)) this.stats.linkTypes.push(lt);
  }

  private stop(): void {
    this.done = true;
    this.pendLen = 0;
  }

  /** Makes the carry buffer hold `need` bytes, keeping what it has. */
  private grow(need: number): void {
    this.need = need;
    if (this.pend.length < need) {
      const bigger = new Uint8Array(Math.max(need, 2 * this.pend.length, 4096));
      if (this.pendLen > 0) bigger.set(this.pend.subarray(0, this.pendLen));
      this.pend = bigger;
    }
  }
}

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}
