/**
 * Streaming gzip (RFC 1952) over any number of members, as `gzip -d` reads
 * `cat a.gz b.gz`: the member framing (header, CRC-32, ISIZE) is read here and
 * only the deflate data goes through zlib's InflateRaw. Node's Gunzip checks
 * the trailer itself but then drops the output of the write in which the check
 * fails, so a bad CRC lost the last records (or all of a small file), and bytes
 * after the last member were an error: here every inflated byte is handed on
 * and the trailer's verdict is a named problem beside it.
 */
import { crc32, createInflateRaw } from 'node:zlib';
import { at } from '../model/checked.js';

/** The gzip data is cut (`Z_BUF_ERROR`, as zlib names it) or corrupt (`Z_DATA_ERROR`). */
export class GzipError extends Error {
  constructor(
    message: string,
    readonly code: 'Z_BUF_ERROR' | 'Z_DATA_ERROR',
  ) {
    super(message);
  }
}

/** Input bytes not yet used, pulled from the source as needed. */
class Pending {
  private parts: Uint8Array[] = [];
  len = 0;
  private eof = false;

  constructor(private readonly pull: () => Promise<Uint8Array | null>) {}

  /** At least `n` bytes are buffered (false: the input ended first). */
  async fill(n: number): Promise<boolean> {
    while (this.len < n && !this.eof) {
      const c = await this.pull();
      if (c === null) this.eof = true;
      else if (c.length > 0) {
        this.parts.push(c);
        this.len += c.length;
      }
    }
    return this.len >= n;
  }

  /** Byte `i` of the buffered bytes (i < len). */
  at(i: number): number {
    for (const p of this.parts) {
      if (i < p.length) return p[i] ?? -1;
      i -= p.length;
    }
    return -1;
  }

  skip(n: number): void {
    this.len -= n;
    while (n > 0) {
      const p = at(this.parts, 0);
      if (p.length <= n) {
        this.parts.shift();
        n -= p.length;
      } else {
        this.parts[0] = p.subarray(n);
        n = 0;
      }
    }
  }

  /** The next buffered or pulled chunk, whole; null at the end of the input. */
  async chunk(): Promise<Uint8Array | null> {
    if (this.parts.length === 0 && !(await this.fill(1))) return null;
    const c = this.parts.shift();
    if (c === undefined) return null;
    this.len -= c.length;
    return c;
  }

  /** Puts bytes back in front (what the inflater did not use). */
  unshift(chunks: Uint8Array[]): void {
    for (let i = chunks.length - 1; i >= 0; i--) {
      const c = chunks[i];
      if (c === undefined || c.length === 0) continue;
      this.parts.unshift(c);
      this.len += c.length;
    }
  }

  u32le(i: number): number {
    return (this.at(i) | (this.at(i + 1) << 8) | (this.at(i + 2) << 16) | (this.at(i + 3) << 24)) >>> 0;
  }
}

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** A gzip member's first two bytes (ID1, ID2): what tells gzip input from a capture (detect.ts, reader.ts). */
export const enum GzipMagic {
  Id1 = 0x1f,
  Id2 = 0x8b,
}
/** A member header's fields (RFC 1952 section 2.3): byte offsets from its start. */
const enum Hdr {
  Id1 = 0,
  Id2 = 1,
  Method = 2, // CM: 8 is deflate
  Flags = 3, // FLG
  /** The fixed part (with MTIME, XFL, OS); the optional fields follow. */
  Length = 10,
}
/** FEXTRA's XLEN (2 bytes, little-endian): the length of the extra field that follows it. */
const XLEN_LENGTH = 2;
/** A member trailer's fields: CRC-32 (4) and ISIZE (4), little-endian. */
const enum Trailer {
  Crc = 0,
  Size = 4,
  Length = 8,
}
const CM_DEFLATE = 8;
/** FLG's reserved bits, which must be zero. */
const FLG_RESERVED = 0xe0;
/** FHCRC's header CRC-16. */
const HCRC_LENGTH = 2;

const cut = (what: string) => new GzipError(`unexpected end of file (${what})`, 'Z_BUF_ERROR');

/** Reads and drops one member header (RFC 1952 section 2.3). */
async function skipHeader(buf: Pending): Promise<void> {
  if (!(await buf.fill(Hdr.Length))) throw cut('in a gzip header');
  if (buf.at(Hdr.Id1) !== GzipMagic.Id1 || buf.at(Hdr.Id2) !== GzipMagic.Id2)
    throw new GzipError('incorrect header check', 'Z_DATA_ERROR');
  if (buf.at(Hdr.Method) !== CM_DEFLATE)
    throw new GzipError(`unknown compression method ${buf.at(Hdr.Method)}`, 'Z_DATA_ERROR');
  const flg = buf.at(Hdr.Flags);
  if (flg & FLG_RESERVED) throw new GzipError('reserved gzip header flags set', 'Z_DATA_ERROR');
  let n: number = Hdr.Length;
  if (flg & FEXTRA) {
    if (!(await buf.fill(n + XLEN_LENGTH))) throw cut('in a gzip header');
    n += XLEN_LENGTH + (buf.at(n) | (buf.at(n + 1) << 8));
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flg & f)) continue;
    // A zero-terminated string (file name or comment).
    for (;;) {
      if (!(await buf.fill(n + 1))) throw cut('in a gzip header');
      if (buf.at(n++) === 0) break;
    }
  }
  if (flg & FHCRC) n += HCRC_LENGTH;
  if (!(await buf.fill(n))) throw cut('in a gzip header');
  buf.skip(n);
}

/** Problems that leave the inflated data whole: told, and reading goes on. */
export type GzipDamage = (message: string) => void;

/**
 * The decompressed bytes of every gzip member in `pull`'s input, in order and
 * with bounded memory (one input chunk and a few output chunks at a time).
 * Throws a GzipError when the input is cut or its deflate data is corrupt;
 * a wrong CRC-32 or length, or bytes after the last member that are not a
 * member, go to `damaged` after the member's data was handed on.
 */
export async function* gunzip(
  pull: () => Promise<Uint8Array | null>,
  damaged: GzipDamage,
  chunkSize: number,
): AsyncGenerator<Uint8Array> {
  const buf = new Pending(pull);
  for (let member = 1; ; member++) {
    if (member > 1) {
      if (!(await buf.fill(1))) return;
      if (!(await buf.fill(2)) || buf.at(Hdr.Id1) !== GzipMagic.Id1 || buf.at(Hdr.Id2) !== GzipMagic.Id2) {
        await trailing(buf, damaged);
        return;
      }
    }
    await skipHeader(buf);
    let crc = 0;
    let size = 0;
    for await (const out of inflateMember(buf, chunkSize)) {
      crc = crc32(out, crc);
      size += out.length;
      yield out;
    }
    if (!(await buf.fill(Trailer.Length))) throw cut('in the gzip trailer');
    const wantCrc = buf.u32le(Trailer.Crc);
    const wantSize = buf.u32le(Trailer.Size);
    buf.skip(Trailer.Length);
    const what = member > 1 ? `gzip member ${member}` : 'gzip data';
    if (wantCrc !== crc >>> 0) {
      damaged(`${what}: CRC-32 mismatch (the data check failed), the records may be damaged`);
    } else if (wantSize !== size % 2 ** 32) {
      damaged(
        `${what}: length mismatch (the trailer says ${wantSize} bytes, ${size % 2 ** 32} were inflated)`,
      );
    }
  }
}

/** Reads to the end: zero padding (tape blocks, `dd`) is ignored as gzip -d does; anything else is named. */
async function trailing(buf: Pending, damaged: GzipDamage): Promise<void> {
  let n = 0;
  let nonZero = false;
  for (let c = await buf.chunk(); c !== null; c = await buf.chunk()) {
    n += c.length;
    if (!nonZero && c.some((x) => x !== 0)) nonZero = true;
  }
  if (nonZero) damaged(`${n} byte(s) after the end of the gzip data are not gzip (ignored)`);
}

/**
 * One member's deflate data through InflateRaw, fed one chunk at a time. zlib
 * stops at the end of the deflate stream; what it did not consume (the
 * trailer, the next member) goes back into `buf`.
 */
async function* inflateMember(buf: Pending, chunkSize: number): AsyncGenerator<Uint8Array> {
  const z = createInflateRaw({ chunkSize });
  const out: Uint8Array[] = [];
  let ended = false;
  let err: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  z.on('data', (b: Buffer) => {
    out.push(b);
    // Bounded output: a paused stream stops inflating once its buffer is full.
    if (out.length >= 4) z.pause();
    poke();
  });
  z.on('end', () => {
    ended = true;
    poke();
  });
  z.on('error', (e) => {
    err = e;
    poke();
  });
  // Input written to zlib and not known to be consumed yet, from offset `writtenStart`.
  const written: Uint8Array[] = [];
  let writtenStart = 0;
  let inputEnded = false;
  try {
    for (;;) {
      const b = out.shift();
      if (b !== undefined) {
        if (out.length < 2 && z.isPaused()) z.resume();
        yield b;
        continue;
      }
      if (err !== null) {
        const e = err as Error & { code?: string };
        throw new GzipError(e.message, e.code === 'Z_BUF_ERROR' ? 'Z_BUF_ERROR' : 'Z_DATA_ERROR');
      }
      if (ended) break;
      for (let w = written[0]; w !== undefined && writtenStart + w.length <= z.bytesWritten; w = written[0]) {
        writtenStart += w.length;
        written.shift();
      }
      if (!inputEnded && z.writableLength === 0) {
        const c = await buf.chunk();
        if (c === null) {
          inputEnded = true;
          z.end();
        } else {
          written.push(c);
          z.write(c, poke);
        }
        continue;
      }
      await new Promise<void>((r) => (wake = r));
    }
    // The bytes after the deflate stream are in the last chunk(s) written.
    let skip = z.bytesWritten - writtenStart;
    const rest: Uint8Array[] = [];
    for (const c of written) {
      if (skip >= c.length) skip -= c.length;
      else {
        rest.push(c.subarray(skip));
        skip = 0;
      }
    }
    buf.unshift(rest);
  } finally {
    z.destroy();
  }
}
