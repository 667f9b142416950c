/**
 * Capture mutations for the fuzzer (bench/fuzz.mjs) and the CI mutation test
 * (test/props/mutation.test.ts): byte-level damage (bit flips, interesting
 * values at length fields, cuts, zeroed or spliced ranges) and structure-aware
 * damage (whole pcap records or pcapng blocks duplicated, dropped, reordered,
 * their length fields lied about), sometimes gzip-wrapped. Deterministic for a
 * given seed. Plain JavaScript so that the fuzzer runs without a TS loader.
 */
import { gzipSync } from 'node:zlib';

/** mulberry32: a small deterministic PRNG giving floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r, n) => Math.floor(r() * n);
const pick = (r, xs) => xs[int(r, xs.length)];

/** Values that break length and offset arithmetic. */
const INTERESTING32 = [
  0, 1, 3, 4, 12, 16, 20, 27, 28, 31, 32, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x40000, 0x40001,
  0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff, 0x1000000, 0x3b9aca00, 0x3b9ac9ff, 0xf4240,
];
const INTERESTING8 = [0, 1, 0x0f, 0x10, 0x45, 0x46, 0x4f, 0x50, 0x60, 0x7f, 0x80, 0xf0, 0xff];

/**
 * The units of a capture: [offset, length] of each pcap record (after the
 * 24-byte header) or pcapng block, as far as the framing holds; null when the
 * bytes are not a pcap or pcapng file.
 */
export function units(b) {
  if (b.length < 24) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const m = dv.getUint32(0, false);
  const out = [];
  if (m === 0x0a0d0d0a) {
    let le = true;
    for (let o = 0; o + 12 <= b.length;) {
      if (dv.getUint32(o, true) === 0x0a0d0d0a && o + 12 <= b.length)
        le = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
      const len = dv.getUint32(o + 4, le);
      if (len < 12 || len % 4 !== 0 || o + len > b.length) break;
      out.push([o, len]);
      o += len;
    }
    return { header: 0, units: out };
  }
  let le;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34) le = false;
  else if (
    dv.getUint32(0, true) === 0xa1b2c3d4 ||
    dv.getUint32(0, true) === 0xa1b23c4d ||
    dv.getUint32(0, true) === 0xa1b2cd34
  )
    le = true;
  else return null;
  const hl = dv.getUint32(0, le) === 0xa1b2cd34 ? 24 : 16;
  for (let o = 24; o + hl <= b.length;) {
    const cap = dv.getUint32(o + 8, le);
    if (o + hl + cap > b.length) break;
    out.push([o, hl + cap]);
    o += hl + cap;
  }
  return { header: 24, units: out, le, hl };
}

/** The bytes of `parts` (byte arrays or arrays of byte values) one after another, in a new array. */
export function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte-level mutations: each takes (bytes, r, others) and returns [bytes, description]. */
const BYTE_OPS = {
  bitflip(b, r) {
    const n = 1 + int(r, 8);
    const c = b.slice();
    const at = [];
    for (let i = 0; i < n && c.length > 0; i++) {
      const o = int(r, c.length);
      c[o] ^= 1 << int(r, 8);
      at.push(o);
    }
    return [c, `bitflip@${at.join(',')}`];
  },
  byte(b, r) {
    if (b.length === 0) return [b, 'byte(empty)'];
    const c = b.slice();
    const o = int(r, c.length);
    c[o] = r() < 0.5 ? pick(r, INTERESTING8) : int(r, 256);
    return [c, `byte@${o}=${c[o]}`];
  },
  u32(b, r) {
    if (b.length < 4) return [b, 'u32(short)'];
    const c = b.slice();
    const o = int(r, c.length - 3) & ~(r() < 0.7 ? 3 : 0);
    const v = pick(r, INTERESTING32);
    new DataView(c.buffer).setUint32(o, v, r() < 0.5);
    return [c, `u32@${o}=${v}`];
  },
  cut(b, r) {
    const n = int(r, b.length + 1);
    return [b.slice(0, n), `cut@${n}`];
  },
  zero(b, r) {
    const c = b.slice();
    const o = int(r, c.length + 1);
    const n = Math.min(c.length - o, 1 + int(r, 64));
    c.fill(r() < 0.5 ? 0 : 0xff, o, o + n);
    return [c, `fill@${o}+${n}`];
  },
  dupRange(b, r) {
    const o = int(r, b.length + 1);
    const n = Math.min(b.length - o, 1 + int(r, 256));
    const at = int(r, b.length + 1);
    return [concat([b.subarray(0, at), b.subarray(o, o + n), b.subarray(at)]), `dup[${o}+${n}]@${at}`];
  },
  deleteRange(b, r) {
    const o = int(r, b.length + 1);
    const n = Math.min(b.length - o, 1 + int(r, 256));
    return [concat([b.subarray(0, o), b.subarray(o + n)]), `del[${o}+${n}]`];
  },
  splice(b, r, others) {
    if (!others || others.length === 0) return [b, 'splice(none)'];
    const src = pick(r, others);
    const o = int(r, src.length + 1);
    const n = Math.min(src.length - o, 1 + int(r, 512));
    const at = int(r, b.length + 1);
    return [concat([b.subarray(0, at), src.subarray(o, o + n), b.subarray(at)]), `splice[${o}+${n}]@${at}`];
  },
};

/** Structure-aware mutations over whole records / blocks. */
const UNIT_OPS = {
  dupUnit(b, r, u) {
    const [o, n] = pick(r, u.units);
    const [at] = pick(r, u.units);
    return [concat([b.subarray(0, at), b.subarray(o, o + n), b.subarray(at)]), `dupUnit@${o}->${at}`];
  },
  dropUnit(b, r, u) {
    const [o, n] = pick(r, u.units);
    return [concat([b.subarray(0, o), b.subarray(o + n)]), `dropUnit@${o}`];
  },
  swapUnits(b, r, u) {
    if (u.units.length < 2) return [b, 'swap(1)'];
    let i = int(r, u.units.length);
    let j = int(r, u.units.length);
    if (i === j) j = (j + 1) % u.units.length;
    if (i > j) [i, j] = [j, i];
    const [oi, ni] = u.units[i];
    const [oj, nj] = u.units[j];
    const c = concat([
      b.subarray(0, oi),
      b.subarray(oj, oj + nj),
      b.subarray(oi + ni, oj),
      b.subarray(oi, oi + ni),
      b.subarray(oj + nj),
    ]);
    return [c, `swapUnits#${i},#${j}`];
  },
  shuffleUnits(b, r, u) {
    const idx = u.units.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = int(r, i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const body = idx.map((i) => b.subarray(u.units[i][0], u.units[i][0] + u.units[i][1]));
    const last = u.units.at(-1);
    return [concat([b.subarray(0, u.header), ...body, b.subarray(last[0] + last[1])]), 'shuffleUnits'];
  },
  lieLength(b, r, u) {
    // A unit's length field (pcap caplen / pcapng total length) set to something else.
    const [o] = pick(r, u.units);
    const c = b.slice();
    const dv = new DataView(c.buffer);
    const field = u.header === 24 ? o + (r() < 0.5 ? 8 : 12) : o + (r() < 0.5 ? 4 : 20);
    if (field + 4 > c.length) return [b, 'lie(short)'];
    const v = r() < 0.5 ? pick(r, INTERESTING32) : (dv.getUint32(field, u.le ?? true) + int(r, 9) - 4) >>> 0;
    dv.setUint32(field, v, u.le ?? true);
    return [c, `lieLength@${field}=${v}`];
  },
  timeWarp(b, r, u) {
    // A record's timestamp far in the past or future, or a fraction out of range.
    if (u.header !== 24) return [b, 'warp(ng)'];
    const [o] = pick(r, u.units);
    const c = b.slice();
    const dv = new DataView(c.buffer);
    const which = r() < 0.5 ? 0 : 4;
    const v = pick(r, [0, 1, 0x7fffffff, 0xffffffff, 999999, 1000000, 999999999, 1000000000]);
    dv.setUint32(o + which, v, u.le);
    return [c, `timeWarp@${o + which}=${v}`];
  },
};

/**
 * One mutant of `base`: 1-4 operations, byte-level or (when the framing can be
 * read) structure-aware, sometimes gzip-compressed afterwards. `others` are
 * other seeds to splice from. Returns the bytes and what was done.
 */
export function mutate(base, r, others = []) {
  let b = base;
  const ops = [];
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const u = r() < 0.4 ? units(b) : null;
    if (u && u.units.length > 0) {
      const name = pick(r, Object.keys(UNIT_OPS));
      const [c, d] = UNIT_OPS[name](b, r, u);
      b = c;
      ops.push(d);
    } else {
      const name = pick(r, Object.keys(BYTE_OPS));
      const [c, d] = BYTE_OPS[name](b, r, others);
      b = c;
      ops.push(d);
    }
  }
  if (r() < 0.08) {
    b = gzipSync(b);
    ops.push('gzip');
    if (r() < 0.5) {
      const cut = int(r, b.length + 1);
      b = b.slice(0, cut);
      ops.push(`gzcut@${cut}`);
    }
  }
  return { bytes: b, ops };
}

/** Chunk sizes to feed an in-memory capture with (1 is a byte at a time). */
export const CHUNK_SIZES = [1, 7, 64, 1000, 4096, 65536];

/**
 * Settings that push the engine's limits: a tiny connection cap (compaction
 * and early eviction on every few connections), timeouts from a millisecond
 * to hours. Undefined most of the time (the defaults).
 */
export function randomSettings(r) {
  if (r() < 0.6) return undefined;
  const s = {};
  if (r() < 0.6) s.maxConnections = pick(r, [1, 2, 3, 10, 100]);
  if (r() < 0.3) s.msl = pick(r, [0.001, 0.5, 30, 3600]);
  if (r() < 0.3) s.handshakeIdleTimeout = pick(r, [0.001, 1, 60]);
  if (r() < 0.3) s.idleTimeout = pick(r, [0.01, 5, 7875]);
  if (r() < 0.3) s.synTimeout = pick(r, [0.001, 3]);
  if (r() < 0.3) s.closeWaitTimeout = pick(r, [0.001, 5]);
  if (r() < 0.3) s.finWait2Timeout = pick(r, [0.001, 60]);
  if (r() < 0.3) s.timeWaitThreshold = pick(r, [1, 2, 500]);
  if (r() < 0.3) s.synFloodThreshold = pick(r, [1, 2, 100]);
  if (r() < 0.2) s.retransmissionBurst = { count: pick(r, [1, 2, 5]), window: pick(r, [0.001, 1, 60]) };
  return s;
}

/** The same settings as command-line options. */
export function settingsArgs(s) {
  if (!s) return [];
  const a = [];
  const opt = {
    maxConnections: '--max-connections',
    msl: '--msl',
    handshakeIdleTimeout: '--handshake-idle-timeout',
    idleTimeout: '--idle-timeout',
    synTimeout: '--syn-timeout',
    closeWaitTimeout: '--close-wait-timeout',
    finWait2Timeout: '--fin-wait-2-timeout',
    timeWaitThreshold: '--time-wait-threshold',
    synFloodThreshold: '--syn-flood-threshold',
  };
  for (const [k, v] of Object.entries(s)) {
    if (opt[k]) a.push(opt[k], String(v));
    else if (k === 'retransmissionBurst') a.push('--retransmission-burst', `${v.count}/${v.window}`);
  }
  return a;
}
