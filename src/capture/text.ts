/**
 * Text input (tcpdump's printed output): split into lines, streaming, and
 * handed to `sink.textLine`. Parsing the lines is the text parser's job.
 */
import { type EndInfo, newFileStats } from './parser.js';
import type { CaptureFileStats, CaptureSink } from './record.js';

/** A line longer than this is not tcpdump output; stop rather than hold it all in memory. */
export const MAX_LINE = 1024 * 1024;

export class TextLineSplitter {
  readonly stats: CaptureFileStats;
  done = false;
  private readonly decoder = new TextDecoder('utf-8');
  /** Bytes of a line that started in an earlier chunk. */
  private part = new Uint8Array(256);
  private partLen = 0;
  /** Offset in the input of the current line's start. */
  private offset = 0;

  constructor(
    readonly file: string,
    private readonly sink: CaptureSink & { textLine(line: string, file: string): void },
    stats?: CaptureFileStats,
  ) {
    this.stats = stats ?? newFileStats(file);
    this.stats.format = 'tcpdump-text';
    this.stats.text = true;
  }

  push(chunk: Uint8Array): void {
    if (this.done) return;
    const n = chunk.length;
    const base = this.stats.dataBytes;
    this.stats.dataBytes += n;
    // tcpdump never prints a NUL byte: one means binary data, and reading stops at its line.
    const nul = chunk.indexOf(0);
    const limit = nul < 0 ? n : nul;
    let start = 0;
    if (this.partLen > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0 || nl > limit) {
        if (nul < 0) this.append(chunk, 0, n);
        else this.binary(base + nul);
        return;
      }
      this.append(chunk, 0, nl);
      if (this.done) return;
      this.line(this.part, 0, this.partLen);
      this.offset += this.partLen + 1;
      this.partLen = 0;
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0 || nl > limit) break;
      this.line(chunk, start, nl);
      this.offset += nl + 1 - start;
      start = nl + 1;
    }
    if (nul >= 0) this.binary(base + nul);
    else if (start < n) this.append(chunk, start, n);
  }

  end(info: EndInfo = {}): void {
    if (info.aborted) this.stats.aborted = true;
    // The last line needs no line end (unless reading was cut short on purpose).
    if (!this.done && !info.aborted && !info.stopped && this.partLen > 0)
      this.line(this.part, 0, this.partLen);
    if (!this.done && info.gzipTruncated) {
      this.stats.truncated = true;
      const w = {
        kind: 'truncated' as const,
        file: this.file,
        offset: this.stats.dataBytes,
        message: 'the gzip stream is cut (no end marker); the text ends at the cut',
      };
      this.stats.warnings.push(w);
      this.sink.warning(w);
    }
    this.partLen = 0;
    this.done = true;
  }

  private line(b: Uint8Array, start: number, end: number): void {
    if (end > start && b[end - 1] === 13) end--; // CRLF
    this.stats.textLines++;
    this.sink.textLine(this.decoder.decode(b.subarray(start, end)), this.file);
  }

  private binary(at: number): void {
    this.stop(`binary data (a NUL byte at offset ${at}) in text input; reading stopped at its line`);
  }

  private stop(message: string): void {
    this.stats.damaged = true;
    const w = { kind: 'damaged' as const, file: this.file, offset: this.offset, message };
    this.stats.warnings.push(w);
    this.sink.warning(w);
    this.done = true;
    this.partLen = 0;
  }

  private append(b: Uint8Array, start: number, end: number): void {
    const len = this.partLen + end - start;
    if (len > MAX_LINE) {
      this.stop(`text line longer than ${MAX_LINE} bytes: not tcpdump output; reading stopped here`);
      return;
    }
    if (this.part.length < len) {
      const bigger = new Uint8Array(Math.max(len, 2 * this.part.length));
      bigger.set(this.part.subarray(0, this.partLen));
      this.part = bigger;
    }
    this.part.set(b.subarray(start, end), this.partLen);
    this.partLen = len;
  }
}
