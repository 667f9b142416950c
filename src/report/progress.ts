/**
 * A one-line progress indicator on stderr for large captures: bytes read of the
 * total, percent, packets and packets per second. Drawn only when the stream is a
 * TTY (never into a log file or a pipe), at most ~10 times a second, and erased by
 * done() so the report starts on a clean line.
 */
import { formatBytes, formatCount, truncate } from './format.js';

export interface ProgressOptions {
  /** Milliseconds between redraws (default 100: ~10 Hz). */
  intervalMs?: number;
  /** Clock in milliseconds (tests pass a fake one). */
  now?: () => number;
}

const ERASE_LINE = '\r\x1b[2K';

export class Progress {
  readonly active: boolean;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly started: number;
  private last = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly totalBytes?: number,
    opts: ProgressOptions = {},
  ) {
    this.active = stream.isTTY === true;
    this.interval = opts.intervalMs ?? 100;
    this.now = opts.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** Redraw with the latest figures, unless the last redraw was less than the interval ago. */
  update(bytesRead: number, packets: number): void {
    if (!this.active) return;
    const now = this.now();
    if (now - this.last < this.interval) return;
    this.last = now;
    const elapsed = (now - this.started) / 1000;
    const parts = ['reading'];
    const total = this.totalBytes;
    if (total !== undefined && total > 0) {
      const pct = Math.min(100, (bytesRead / total) * 100);
      parts.push(`${formatBytes(bytesRead)} / ${formatBytes(total)}`, `${pct.toFixed(pct < 10 ? 1 : 0)}%`);
    } else {
      parts.push(formatBytes(bytesRead));
    }
    parts.push(`${formatCount(packets)} packets`);
    if (elapsed >= 0.05) parts.push(`${formatCount(packets / elapsed)} packets/s`);
    const columns = this.stream.columns && this.stream.columns > 1 ? this.stream.columns - 1 : 79;
    this.stream.write(ERASE_LINE + truncate(parts.join('  '), columns));
    this.drawn = true;
  }

  /** Erase the line (if anything was drawn). */
  done(): void {
    if (this.active && this.drawn) this.stream.write(ERASE_LINE);
    this.drawn = false;
  }
}
