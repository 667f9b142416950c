/**
 * A small, fast pcap writer for tests that generate captures in memory (floods
 * of hundreds of thousands of packets, damaged files): frames are written
 * straight into one growing buffer, without per-packet arrays. Checksums are
 * left 0 (the decoders do not verify them, as offloaded checksums are common).
 *
 *   const w = new PcapWriter();
 *   w.tcp({ t: 1, src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, flags: 'S', seq: 1 });
 *   writeFileSync(path, w.bytes());
 *
 * For hand-built frames of every layer see test/decode/build.ts; `frame()`
 * takes any of them.
 */
import { concat, rng } from './mutate.mjs';
import { at, must } from '../../src/model/checked.js';

const FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, '.': 16, U: 32, E: 64, W: 128, A: 256 };

/** tcpdump's flag letters ("S", "S.", "FPU", "R.") to the 9 flag bits; a number is taken as is. */
export function flagBits(flags: string | number): number {
  if (typeof flags === 'number') return flags & 0x1ff;
  let f = 0;
  for (const ch of flags) f |= FLAG_BITS[ch] ?? 0;
  return f;
}

/** An IPv4 address as 4 bytes: "10.0.0.1", or a 32-bit number. */
export function ip4(a: string | number): [number, number, number, number] {
  if (typeof a === 'number') return [(a >>> 24) & 255, (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
  const p = a.split('.').map(Number);
  return [at(p, 0) & 255, at(p, 1) & 255, at(p, 2) & 255, at(p, 3) & 255];
}

export interface TcpPacket {
  /** Capture time, seconds since the epoch (fractions kept to the microsecond or nanosecond). */
  t: number;
  src?: string | number;
  dst?: string | number;
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: string | number;
  win?: number;
  /** Payload length (bytes of 0x61 'a'), or the payload itself. */
  payload?: number | Uint8Array;
  /** Raw option bytes (padded with EOL to 4 bytes unless `doff` is given). */
  options?: number[];
  /** Data offset override in 32-bit words (bad headers: < 5, or beyond the segment). */
  doff?: number;
  /** IPv4 total length override. */
  ipLen?: number;
  /** Bytes captured of the frame (snaplen cut), default all of it. */
  capLen?: number;
  /** IPv4 identification (default: the record count); copies of one packet share it. */
  ipId?: number;
}

export interface PcapWriterOptions {
  /** LINKTYPE_*: 1 Ethernet (default), 101 raw IP, or any other for `frame()`. */
  linkType?: number;
  nano?: boolean;
  bigEndian?: boolean;
  snaplen?: number;
}

export class PcapWriter {
  readonly linkType: number;
  readonly nano: boolean;
  private readonly le: boolean;
  private buf: Uint8Array;
  private dv: DataView;
  private len = 0;
  /** Number of records written. */
  count = 0;

  constructor(opts: PcapWriterOptions = {}) {
    this.linkType = opts.linkType ?? 1;
    this.nano = opts.nano ?? false;
    this.le = !opts.bigEndian;
    this.buf = new Uint8Array(1 << 16);
    this.dv = new DataView(this.buf.buffer);
    this.ensure(24);
    this.u32(this.nano ? 0xa1b23c4d : 0xa1b2c3d4);
    this.u16(2);
    this.u16(4);
    this.u32(0);
    this.u32(0);
    this.u32(opts.snaplen ?? 262144);
    this.u32(this.linkType);
  }

  /** The file so far (a copy-free view; write no more after taking it if you keep it). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** A record with the raw header fields given (for damaged files: absurd lengths, bad fractions). */
  rawRecord(
    sec: number,
    frac: number,
    capLen: number,
    origLen: number,
    data: Uint8Array = new Uint8Array(0),
  ): this {
    this.ensure(16 + data.length);
    this.u32(sec);
    this.u32(frac);
    this.u32(capLen);
    this.u32(origLen);
    this.buf.set(data, this.len);
    this.len += data.length;
    this.count++;
    return this;
  }

  /** A record holding `data` (the whole frame, or its first `capLen` bytes) at time `t`. */
  frame(t: number, data: Uint8Array, capLen = data.length): this {
    const cap = Math.min(capLen, data.length);
    const [sec, frac] = this.stamp(t);
    return this.rawRecord(sec, frac, cap, data.length, data.subarray(0, cap));
  }

  /** One TCP/IPv4 segment (in Ethernet unless the link type is raw IP). */
  tcp(p: TcpPacket): this {
    const options = p.options ? [...p.options] : [];
    if (p.doff === undefined) while (options.length % 4) options.push(0);
    const payloadLen = typeof p.payload === 'number' ? p.payload : (p.payload?.length ?? 0);
    const tcpLen = 20 + options.length + payloadLen;
    const link = this.linkType === 1 ? 14 : 0;
    const frameLen = link + 20 + tcpLen;
    const cap = Math.min(p.capLen ?? frameLen, frameLen);
    const [sec, frac] = this.stamp(p.t);
    this.ensure(16 + frameLen);
    this.u32(sec);
    this.u32(frac);
    this.u32(cap);
    this.u32(frameLen);
    const start = this.len;
    const b = this.buf;
    let o = start;
    if (link) {
      b.set([0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99, 0xaa, 0x08, 0x00], o);
      o += 14;
    }
    // IPv4
    b[o] = 0x45;
    b[o + 1] = 0;
    this.be16(o + 2, p.ipLen ?? 20 + tcpLen);
    this.be16(o + 4, p.ipId ?? this.count & 0xffff);
    this.be16(o + 6, 0x4000);
    b[o + 8] = 64;
    b[o + 9] = 6;
    this.be16(o + 10, 0);
    b.set(ip4(p.src ?? '10.0.0.1'), o + 12);
    b.set(ip4(p.dst ?? '10.0.0.2'), o + 16);
    o += 20;
    // TCP
    const flags = flagBits(p.flags ?? '.');
    const doff = p.doff ?? 5 + options.length / 4;
    this.be16(o, p.sport ?? 40000);
    this.be16(o + 2, p.dport ?? 80);
    this.dv.setUint32(o + 4, (p.seq ?? 0) >>> 0, false);
    this.dv.setUint32(o + 8, (p.ack ?? 0) >>> 0, false);
    b[o + 12] = ((doff & 15) << 4) | ((flags >> 8) & 1);
    b[o + 13] = flags & 0xff;
    this.be16(o + 14, p.win ?? 65535);
    this.be16(o + 16, 0);
    this.be16(o + 18, 0);
    b.set(options, o + 20);
    o += 20 + options.length;
    if (payloadLen > 0) {
      if (typeof p.payload === 'number') b.fill(0x61, o, o + payloadLen);
      else b.set(must(p.payload, 'p.payload'), o);
    }
    this.len = start + cap;
    this.count++;
    return this;
  }

  private stamp(t: number): [number, number] {
    const scale = this.nano ? 1e9 : 1e6;
    let sec = Math.floor(t);
    let frac = Math.round((t - sec) * scale);
    if (frac >= scale) {
      sec++;
      frac -= scale;
    }
    return [sec, frac];
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
    this.dv = new DataView(bigger.buffer);
  }

  private u32(v: number): void {
    this.dv.setUint32(this.len, v >>> 0, this.le);
    this.len += 4;
  }

  private u16(v: number): void {
    this.dv.setUint16(this.len, v & 0xffff, this.le);
    this.len += 2;
  }

  private be16(at: number, v: number): void {
    this.dv.setUint16(at, v & 0xffff, false);
  }
}

/** Deterministic pseudo-random numbers (mulberry32) for generated traffic; the fuzzer's generator. */
export { rng };

/** An async iterable over `bytes` in chunks (analyze() on in-memory captures). */
export async function* chunks(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

/** A pcapng block (little-endian): type, total length, body padded to 4, total length again. */
export function pcapngBlock(type: number, body: Uint8Array, trailer?: number): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, total, true);
  b.set(body, 8);
  dv.setUint32(total - 4, trailer ?? total, true);
  return b;
}

/**
 * A little-endian pcapng file: SHB, one IDB (Ethernet unless told), an EPB
 * (microsecond stamps) a frame. `trailerOf` gives a block's wrong trailing
 * length by frame index (damage: the two lengths disagree).
 */
export function pcapngFile(
  frames: { t: number; data: Uint8Array }[],
  opts: { linkType?: number; trailerOf?: Record<number, number> } = {},
): Uint8Array {
  const shb = new Uint8Array(16);
  const sdv = new DataView(shb.buffer);
  sdv.setUint32(0, 0x1a2b3c4d, true);
  sdv.setUint16(4, 1, true);
  sdv.setUint16(6, 0, true);
  sdv.setInt32(8, -1, true);
  sdv.setInt32(12, -1, true);
  const idb = new Uint8Array(8);
  const idv = new DataView(idb.buffer);
  idv.setUint16(0, opts.linkType ?? 1, true);
  idv.setUint32(4, 262144, true);
  const parts = [pcapngBlock(0x0a0d0d0a, shb), pcapngBlock(1, idb)];
  frames.forEach((f, i) => {
    const body = new Uint8Array(20 + f.data.length);
    const dv = new DataView(body.buffer);
    const us = BigInt(Math.round(f.t * 1e6));
    dv.setUint32(0, 0, true);
    dv.setUint32(4, Number(us >> 32n), true);
    dv.setUint32(8, Number(us & 0xffffffffn), true);
    dv.setUint32(12, f.data.length, true);
    dv.setUint32(16, f.data.length, true);
    body.set(f.data, 20);
    parts.push(pcapngBlock(6, body, opts.trailerOf?.[i]));
  });
  return concat(parts);
}

/**
 * The frames of a pcap file written by PcapWriter (or any little-endian
 * microsecond pcap): for re-containering them as pcapng.
 */
export function pcapFrames(pcap: Uint8Array): { t: number; data: Uint8Array }[] {
  const dv = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const out: { t: number; data: Uint8Array }[] = [];
  for (let o = 24; o + 16 <= pcap.length;) {
    const cap = dv.getUint32(o + 8, true);
    out.push({
      t: dv.getUint32(o, true) + dv.getUint32(o + 4, true) / 1e6,
      data: pcap.subarray(o + 16, o + 16 + cap),
    });
    o += 16 + cap;
  }
  return out;
}

/**
 * A whole TCP connection: handshake, `exchanges` request/response pairs of
 * `bytes` each, FIN from the client, FIN from the server, last ACK.
 */
export function connection(
  w: PcapWriter,
  o: {
    t: number;
    client?: string | number;
    server?: string | number;
    cport?: number;
    sport?: number;
    cisn?: number;
    sisn?: number;
    exchanges?: number;
    bytes?: number;
    dt?: number;
  },
): number {
  const c = {
    src: o.client ?? '10.0.0.1',
    dst: o.server ?? '10.0.0.2',
    sport: o.cport ?? 40000,
    dport: o.sport ?? 80,
  };
  const s = { src: c.dst, dst: c.src, sport: c.dport, dport: c.sport };
  const dt = o.dt ?? 0.001;
  let t = o.t;
  let cs = (o.cisn ?? 1000) >>> 0;
  let ss = (o.sisn ?? 5000) >>> 0;
  const n = o.bytes ?? 100;
  w.tcp({ ...c, t, flags: 'S', seq: cs, win: 64240 });
  cs = (cs + 1) >>> 0;
  w.tcp({ ...s, t: (t += dt), flags: 'S.', seq: ss, ack: cs, win: 65160 });
  ss = (ss + 1) >>> 0;
  w.tcp({ ...c, t: (t += dt), flags: '.', seq: cs, ack: ss });
  for (let i = 0; i < (o.exchanges ?? 1); i++) {
    w.tcp({ ...c, t: (t += dt), flags: 'P.', seq: cs, ack: ss, payload: n });
    cs = (cs + n) >>> 0;
    w.tcp({ ...s, t: (t += dt), flags: 'P.', seq: ss, ack: cs, payload: n });
    ss = (ss + n) >>> 0;
    w.tcp({ ...c, t: (t += dt), flags: '.', seq: cs, ack: ss });
  }
  w.tcp({ ...c, t: (t += dt), flags: 'F.', seq: cs, ack: ss });
  cs = (cs + 1) >>> 0;
  w.tcp({ ...s, t: (t += dt), flags: 'F.', seq: ss, ack: cs });
  ss = (ss + 1) >>> 0;
  w.tcp({ ...c, t: (t += dt), flags: '.', seq: cs, ack: ss });
  return t;
}
