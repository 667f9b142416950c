/**
 * Ended connections out of the working set (issue 22): a connection that has
 * ended, left the flow table, has both endpoints CLOSED and anomalies whose
 * figures no longer depend on the end of the capture can change no more, so its `--json` record (the very bytes
 * report/connection-json.ts writes for it) goes to a spill file and the object
 * is dropped. The final report streams the records back in creation order,
 * merged with the connections still held.
 *
 * The file is made in os.tmpdir() and unlinked as soon as it is open, so
 * nothing is left behind whatever ends the process (exit, signal, crash);
 * where an open file cannot be unlinked (Windows) it is removed at exit.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../config/errors.js';
import { State } from '../model/states.js';
import { writeConnectionJson } from '../report/connection-json.js';
import { JsonBytes } from '../report/json-bytes.js';
import type { Connection } from '../tcp/connection.js';
import { at } from '../model/checked.js';

/** Windows onto the spill file for reading it back, and the bytes of each. */
const WINDOWS = 4;
const WINDOW_BYTES = 1 << 14;

/** Bytes gathered before one write to the spill file (a buffer twice this, held for the whole run). */
const FLUSH_AT = 1 << 18;

/**
 * Records per block of the index (ids and file offsets): the index grows a
 * block at a time, not by doubling one array, which at 10 M packets held up
 * to twice the 360,000 entries it needed and, while it was copied, three
 * times (~15 MB at the end of the run, when the peak is).
 */
const BLOCK_BITS = 14;
const BLOCK = 1 << BLOCK_BITS;

/**
 * The tracker can change this connection no more: ended, out of the flow
 * table, CLOSED on both sides (no timer of the tracker or of the host counts
 * waits for it, and it adds nothing to the per-host or oldest-state
 * summaries). Its anomalies are the detectors' to settle (Detectors.settled).
 */
export function settled(c: Connection): boolean {
  return c.ended && c.evicted && c.client.state === State.CLOSED && c.server.state === State.CLOSED;
}

export class ConnectionStore {
  /** Records stored. */
  count = 0;
  /** Lowest connection id stored (where CLOSED first appears in the state counts). */
  minId = Number.POSITIVE_INFINITY;
  /** Capture-quality figures of the stored connections. */
  readonly quality = { oneWay: 0, withGaps: 0, gaps: 0 };
  /**
   * Record i's connection id and where its bytes start in the file, in
   * blocks of BLOCK. Records are written one after the other, so record i
   * ends where record i + 1 starts (the last one, at the end of the file).
   */
  private readonly idBlocks: Float64Array[] = [];
  private readonly offBlocks: Float64Array[] = [];
  private readonly w = new JsonBytes(FLUSH_AT * 2);
  private flushed = 0;
  private fd = -1;
  private dir: string | null = null;

  /** Stores `c`'s JSON record; the caller drops the object. */
  add(c: Connection): void {
    const i = this.count;
    if ((i & (BLOCK - 1)) === 0) {
      this.idBlocks.push(new Float64Array(BLOCK));
      this.offBlocks.push(new Float64Array(BLOCK));
    }
    const w = this.w;
    const start = w.pos;
    writeConnectionJson(w, c);
    this.count++;
    at(this.idBlocks, i >>> BLOCK_BITS)[i & (BLOCK - 1)] = c.id;
    at(this.offBlocks, i >>> BLOCK_BITS)[i & (BLOCK - 1)] = this.flushed + start;
    if (c.id < this.minId) this.minId = c.id;
    if (c.oneWay) this.quality.oneWay++;
    if (c.captureGaps > 0) {
      this.quality.withGaps++;
      this.quality.gaps += c.captureGaps;
    }
    if (w.pos >= FLUSH_AT) this.flush();
  }

  /** Indexes of the records in id order (they are stored in the order they settled). */
  order(): Uint32Array {
    const idx = new Uint32Array(this.count);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    let sorted = true;
    for (let i = 1; i < this.count && sorted; i++) sorted = this.id(i - 1) < this.id(i);
    if (!sorted) idx.sort((a, b) => this.id(a) - this.id(b));
    return idx;
  }

  id(i: number): number {
    return at(at(this.idBlocks, i >>> BLOCK_BITS), i & (BLOCK - 1));
  }

  /** Where record i's bytes start in the file; i === count: the file's end (all flushed). */
  private offset(i: number): number {
    if (i === this.count) return this.flushed;
    return at(at(this.offBlocks, i >>> BLOCK_BITS), i & (BLOCK - 1));
  }

  /**
   * Windows onto the file, each holding the bytes of one read: the report asks
   * for the records in id order, and they were stored in the order they
   * settled, so it walks the file forward with jumps to the few that settled
   * late and back; a window per walk saves most reads (one per record before:
   * ~360,000 pread calls at 10 M packets).
   */
  private readonly windows = Array.from({ length: WINDOWS }, () => ({
    buf: Buffer.alloc(WINDOW_BYTES),
    start: 0,
    end: 0,
    used: 0,
  }));
  private reads = 0;

  /** Appends record `i`'s JSON bytes to `out`. */
  writeInto(out: JsonBytes, i: number): void {
    this.flush();
    const off = this.offset(i);
    const n = this.offset(i + 1) - off;
    const ws = this.windows;
    let w = at(ws, 0);
    for (let k = 0; k < ws.length; k++) {
      const x = at(ws, k);
      if (off >= x.start && off + n <= x.end) {
        x.used = ++this.reads;
        out.bytes(x.buf.subarray(off - x.start, off - x.start + n));
        return;
      }
      if (x.used < w.used) w = x;
    }
    // The least recently used window reads on from this record.
    if (w.buf.length < n) w.buf = Buffer.alloc(n * 2);
    const want = Math.min(w.buf.length, this.flushed - off);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, w.buf, got, want - got, off + got);
      if (r === 0) throw new Error('connection store: spill file ended early');
      got += r;
    }
    w.start = off;
    w.end = off + got;
    w.used = ++this.reads;
    out.bytes(w.buf.subarray(0, n));
  }

  /** The spill file's descriptor is closed (the file itself is already gone). */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private flush(): void {
    const w = this.w;
    if (w.pos === 0) return;
    try {
      if (this.fd < 0) this.open();
      let done = 0;
      while (done < w.pos) done += writeSync(this.fd, w.buf, done, w.pos - done, this.flushed + done);
    } catch (e) {
      // A full or unwritable temporary directory is the user's to fix: one line, exit 2.
      throw new UsageError(
        `cannot write the spill file of ended connections in ${tmpdir()} (${(e as Error).message}): set TMPDIR to a writable directory with room for the report`,
      );
    }
    this.flushed += w.pos;
    w.pos = 0;
  }

  private open(): void {
    const dir = mkdtempSync(join(tmpdir(), 'tcptrace-ts-'));
    const file = join(dir, 'connections.json');
    this.fd = openSync(file, 'w+', 0o600);
    try {
      unlinkSync(file);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      this.dir = dir;
      process.once('exit', () => this.close());
    }
  }
}
