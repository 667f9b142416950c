/**
 * Builders for hand-made capture bytes, a collecting sink, and chunked
 * sources, shared by the capture tests.
 */
import { readCaptureStream } from '../../src/capture/reader.js';
import type { CaptureSink, CaptureStats, CaptureWarning, PacketRecord } from '../../src/capture/record.js';

/** A record as the sink saw it, with its bytes copied out of the reader's buffer. */
export interface Got {
  frame: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  linkType: number;
  iface: number;
  data: string;
}

export interface Collector extends CaptureSink {
  records: Got[];
  warnings: CaptureWarning[];
  lines: string[];
  textLine(line: string, file: string): void;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function collector(opts: { text?: boolean } = {}): Collector {
  const c: Collector = {
    records: [],
    warnings: [],
    lines: [],
    record(r: PacketRecord) {
      if (r.offset < 0 || r.offset + r.capLen > r.buf.length) throw new Error('record outside its buffer');
      c.records.push({
        frame: r.frame,
        tsSec: r.tsSec,
        tsNsec: r.tsNsec,
        capLen: r.capLen,
        origLen: r.origLen,
        linkType: r.linkType,
        iface: r.iface,
        data: hex(r.buf.subarray(r.offset, r.offset + r.capLen)),
      });
    },
    warning(w: CaptureWarning) {
      c.warnings.push(w);
    },
    textLine(line: string) {
      c.lines.push(line);
    },
  };
  if (opts.text === false) (c as Partial<Collector>).textLine = undefined;
  return c;
}

/** An async iterable giving `bytes` in pieces of `size` (1 = a byte at a time). */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

/** An async iterable giving the given pieces as they are. */
export async function* pieces(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

/** Little or big endian byte writer. */
export class Bytes {
  private parts: number[] = [];
  constructor(readonly le = true) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    const lo = Number(BigInt.asUintN(32, v));
    const hi = Number(BigInt.asUintN(32, v >> 32n));
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(b: Uint8Array | number[]): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** A recognisable payload: n bytes counting from `seed`. */
export function payload(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 7) & 0xff;
  return b;
}

export interface PcapRec {
  sec: number;
  frac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  cap?: number;
  orig?: number;
}

export interface PcapOpts {
  le?: boolean;
  nano?: boolean;
  modified?: boolean;
  major?: number;
  minor?: number;
  snaplen?: number;
  network?: number;
  /** Write len before caplen (pcap before 2.3). */
  swapLens?: boolean;
}

export function pcap(recs: PcapRec[], o: PcapOpts = {}): Uint8Array {
  const w = new Bytes(o.le ?? true);
  w.u32(o.modified ? 0xa1b2cd34 : o.nano ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(o.major ?? 2)
    .u16(o.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(o.snaplen ?? 65535)
    .u32(o.network ?? 1);
  for (const r of recs) {
    const cap = r.cap ?? r.data.length;
    const orig = r.orig ?? r.data.length;
    w.u32(r.sec).u32(r.frac);
    if (o.swapLens) w.u32(orig).u32(cap);
    else w.u32(cap).u32(orig);
    if (o.modified) w.u32(3).u16(0x0800).u8(0).u8(0);
    w.raw(r.data);
  }
  return w.bytes();
}

export interface IdbOpts {
  snaplen?: number;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  tsoffset?: bigint;
  /** Extra options before the resolution: [code, bytes]. */
  extra?: [number, Uint8Array][];
}

/** A pcapng writer: blocks in the byte order of the current section. */
export class Pcapng {
  private out: Uint8Array[] = [];
  private le = true;

  shb(le = true, major = 1, minor = 0, options: [number, Uint8Array][] = []): this {
    this.le = le;
    const body = new Bytes(le).u32(0x1a2b3c4d).u16(major).u16(minor).u64(-1n);
    this.options(body, options);
    return this.block(0x0a0d0d0a, body.bytes());
  }

  idb(linkType: number, o: IdbOpts = {}): this {
    const body = new Bytes(this.le)
      .u16(linkType)
      .u16(0)
      .u32(o.snaplen ?? 0);
    const opts: [number, Uint8Array][] = [...(o.extra ?? [])];
    if (o.tsresol !== undefined) opts.push([9, Uint8Array.of(o.tsresol)]);
    if (o.tsoffset !== undefined) opts.push([14, new Bytes(this.le).u64(o.tsoffset).bytes()]);
    this.options(body, opts);
    return this.block(1, body.bytes());
  }

  /** EPB with a 64-bit timestamp in the interface's units. */
  epb(
    iface: number,
    ts: bigint,
    data: Uint8Array,
    orig = data.length,
    options: [number, Uint8Array][] = [],
  ): this {
    const body = new Bytes(this.le)
      .u32(iface)
      .u32(Number(ts >> 32n))
      .u32(Number(ts & 0xffffffffn))
      .u32(data.length)
      .u32(orig)
      .raw(data);
    while (body.length % 4) body.u8(0);
    this.options(body, options);
    return this.block(6, body.bytes());
  }

  /** Obsolete Packet Block (type 2). */
  pb(iface: number, ts: bigint, data: Uint8Array, orig = data.length): this {
    const body = new Bytes(this.le)
      .u16(iface)
      .u16(0)
      .u32(Number(ts >> 32n))
      .u32(Number(ts & 0xffffffffn))
      .u32(data.length)
      .u32(orig)
      .raw(data);
    while (body.length % 4) body.u8(0);
    return this.block(2, body.bytes());
  }

  spb(data: Uint8Array, orig = data.length): this {
    const body = new Bytes(this.le).u32(orig).raw(data);
    while (body.length % 4) body.u8(0);
    return this.block(3, body.bytes());
  }

  /** Any block, e.g. unknown or custom types. */
  block(type: number, body: Uint8Array, opts: { len?: number; trailer?: number } = {}): this {
    const len = opts.len ?? body.length + 12;
    const w = new Bytes(this.le)
      .u32(type)
      .u32(len)
      .raw(body)
      .u32(opts.trailer ?? len);
    this.out.push(w.bytes());
    return this;
  }

  raw(b: Uint8Array): this {
    this.out.push(b);
    return this;
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.out);
  }

  private options(w: Bytes, opts: [number, Uint8Array][]): void {
    if (opts.length === 0) return;
    for (const [code, v] of opts) {
      w.u16(code).u16(v.length).raw(v);
      while (w.length % 4) w.u8(0);
    }
    w.u16(0).u16(0);
  }
}

/** Reads `bytes` through readCaptureStream in chunks of `size`; returns the stats and what the sink saw. */
export async function readBytes(
  bytes: Uint8Array,
  size = 1 << 20,
  name = 'test.cap',
): Promise<{ stats: CaptureStats; c: Collector }> {
  const c = collector();
  const stats = await readCaptureStream(chunked(bytes, size), name, c);
  return { stats, c };
}
