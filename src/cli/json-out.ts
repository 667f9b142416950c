/**
 * `--json` on stdout without building the whole document as one string: the
 * same text as `JSON.stringify(value)` followed by a newline, but long arrays
 * (the connections of a big capture: ~2 KB of JSON each) are serialised and
 * written a batch at a time. On a capture of 36,000 connections that saves an
 * 80 MB string, its UTF-8 copy, and the time to build both.
 */

import { jsonSafe } from '../report/sanitize.js';

/** Array elements serialised per write. */
const BATCH = 64;

/** An array of `value`'s top level whose elements are made on demand, a slice at a time. */
export interface LazyArray {
  key: string;
  count: number;
  slice(from: number, to: number): unknown[];
  /**
   * The JSON text of elements from..to-1, comma-separated, already
   * terminal-safe: used instead of serialising `slice()` when given.
   */
  json?(from: number, to: number): string;
}

/**
 * Writes JSON.stringify(value) + '\n' through `out`, in pieces, terminal-safe
 * (jsonSafe). With `lazy`, `value[lazy.key]` is written as the array of
 * `lazy`'s elements instead.
 */
export function writeJson(out: (s: string) => void, value: unknown, lazy?: LazyArray): void {
  const write = (s: string) => out(jsonSafe(s));
  let pending = '';
  const flush = (s: string) => {
    pending += s;
    if (pending.length >= 1 << 16) {
      write(pending);
      pending = '';
    }
  };
  emit(
    value,
    flush,
    write,
    () => {
      if (pending.length > 0) write(pending);
      pending = '';
    },
    lazy,
    out,
  );
  write(`${pending}\n`);
}

/**
 * Serialises `v` as JSON.stringify would, streaming the elements of long
 * arrays found in plain objects (one level deep is all the report needs).
 */
function emit(
  v: unknown,
  put: (s: string) => void,
  write: (s: string) => void,
  drain: () => void,
  lazy?: LazyArray,
  out: (s: string) => void = write,
): void {
  if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    put(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    if (v.length <= BATCH) {
      put(JSON.stringify(v));
      return;
    }
    put('[');
    drain();
    for (let i = 0; i < v.length; i += BATCH) {
      const part = JSON.stringify(v.slice(i, i + BATCH));
      write(i === 0 ? part.slice(1, -1) : `,${part.slice(1, -1)}`);
    }
    put(']');
    return;
  }
  put('{');
  let first = true;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    // JSON.stringify leaves out these properties of an object.
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    put(first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`);
    first = false;
    if (lazy !== undefined && k === lazy.key) {
      put('[');
      drain();
      for (let i = 0; i < lazy.count; i += BATCH) {
        const to = Math.min(i + BATCH, lazy.count);
        if (lazy.json) {
          out(i === 0 ? lazy.json(i, to) : `,${lazy.json(i, to)}`);
          continue;
        }
        const part = JSON.stringify(lazy.slice(i, to));
        write(i === 0 ? part.slice(1, -1) : `,${part.slice(1, -1)}`);
      }
      put(']');
    } else if (Array.isArray(x)) emit(x, put, write, drain);
    else put(JSON.stringify(x));
  }
  put('}');
}
