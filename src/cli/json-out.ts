/**
 * `--json` on stdout without building the whole document as one string: the
 * same text as `JSON.stringify(value)` followed by a newline, but long arrays
 * (the connections of a big capture: ~2 KB of JSON each) are serialised and
 * written a batch at a time. On a capture of 36,000 connections that saves an
 * 80 MB string, its UTF-8 copy, and the time to build both.
 */

import type { Writable } from 'node:stream';
import { JsonBytes } from '../report/json-bytes.js';
import { jsonSafe } from '../report/sanitize.js';

/** Array elements serialised per write. */
const BATCH = 64;

/** An array of `value`'s top level whose elements are made on demand, a slice at a time. */
export interface LazyArray {
  key: string;
  count: number;
  slice(from: number, to: number): unknown[];
  /**
   * Writes the JSON of elements from..to-1, comma-separated, terminal-safe
   * and ASCII, into `w`: used instead of serialising `slice()` when given.
   */
  jsonInto?(w: JsonBytes, from: number, to: number): void;
}

/**
 * Writes JSON.stringify(value) + '\n' through `out`, in pieces, terminal-safe
 * (jsonSafe). With `lazy`, `value[lazy.key]` is written as the array of
 * `lazy`'s elements instead.
 */
export function writeJson(out: (s: string) => void, value: unknown, lazy?: LazyArray): void {
  for (const piece of jsonPieces(value, lazy))
    out(typeof piece === 'string' ? piece : piece.toString('latin1'));
}

/**
 * writeJson onto a stream, waiting for it to drain whenever it asks to
 * (a pipe into a slow reader): the report is not queued in memory whole.
 */
export async function writeJsonTo(
  stream: NodeJS.WritableStream,
  value: unknown,
  lazy?: LazyArray,
): Promise<void> {
  const pieces = jsonPieces(value, lazy);
  // The memory of a piece of bytes is reused for the next one only on the
  // process's own stdout and stderr, and only once the stream holds nothing:
  // their writes reach the file, pipe or terminal before they count as done.
  // Any other stream may keep the chunk it was given (collect it, say).
  const own = stream === process.stdout || stream === process.stderr;
  let held = false;
  for (;;) {
    const r = pieces.next(held);
    if (r.done === true) return;
    const ok = stream.write(r.value);
    held = typeof r.value !== 'string' && (!own || (stream as Writable).writableLength > 0);
    if (!ok) await drained(stream);
  }
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/**
 * The pieces of writeJson's text, in order: strings, and the bytes of
 * `lazy.jsonInto`'s elements (latin1 = ASCII). A bytes piece is overwritten
 * by the next one unless `next(true)` says the consumer still holds it.
 */
export function* jsonPieces(
  value: unknown,
  lazy?: LazyArray,
): Generator<string | Buffer, void, boolean | undefined> {
  let pending = '';
  for (const p of emit(value, lazy)) {
    if (p.kind === BYTES) {
      if (pending.length > 0) yield jsonSafe(pending);
      pending = '';
      if (yield p.w.take()) p.w.detach();
    } else if (p.kind === PUT) {
      pending += p.text;
      if (pending.length < 1 << 16) continue;
      yield jsonSafe(pending);
      pending = '';
    } else {
      if (pending.length > 0) yield jsonSafe(pending);
      pending = '';
      if (p.text.length > 0) yield jsonSafe(p.text);
    }
  }
  yield jsonSafe(`${pending}\n`);
}

/** Text to gather into bigger pieces. */
const PUT = 0;
/** Text to write as a piece of its own (after what was gathered). */
const WRITE = 1;
/** What `w` holds (terminal-safe ASCII), as a piece of its own. */
const BYTES = 2;

type Piece = { kind: typeof PUT | typeof WRITE; text: string } | { kind: typeof BYTES; w: JsonBytes };

const piece = (kind: typeof PUT | typeof WRITE, text: string): Piece => ({ kind, text });

/** Bytes gathered per piece of lazy elements. */
const PIECE_BYTES = 1 << 16;

/**
 * Serialises `v` as JSON.stringify would, streaming the elements of long
 * arrays found in plain objects (one level deep is all the report needs).
 */
function* emit(v: unknown, lazy?: LazyArray): Generator<Piece> {
  if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    yield piece(PUT, JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    if (v.length <= BATCH) {
      yield piece(PUT, JSON.stringify(v));
      return;
    }
    yield piece(PUT, '[');
    for (let i = 0; i < v.length; i += BATCH) {
      const part = JSON.stringify(v.slice(i, i + BATCH));
      yield piece(WRITE, i === 0 ? part.slice(1, -1) : `,${part.slice(1, -1)}`);
    }
    yield piece(PUT, ']');
    return;
  }
  yield piece(PUT, '{');
  let first = true;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    // JSON.stringify leaves out these properties of an object.
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    yield piece(PUT, first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`);
    first = false;
    if (lazy !== undefined && k === lazy.key) {
      yield piece(PUT, '[');
      const into = lazy.jsonInto;
      const w = into ? new JsonBytes(PIECE_BYTES * 2) : null;
      for (let i = 0; i < lazy.count; i += BATCH) {
        const to = Math.min(i + BATCH, lazy.count);
        if (w !== null && into !== undefined) {
          if (i > 0) w.byte(44); // ,
          into(w, i, to);
          if (w.pos >= PIECE_BYTES || to === lazy.count) yield { kind: BYTES, w };
          continue;
        }
        const part = JSON.stringify(lazy.slice(i, to));
        yield piece(WRITE, i === 0 ? part.slice(1, -1) : `,${part.slice(1, -1)}`);
      }
      yield piece(PUT, ']');
    } else if (Array.isArray(x)) yield* emit(x);
    else yield piece(PUT, JSON.stringify(x));
  }
  yield piece(PUT, '}');
}

/** One value as JSON text, safe to print (sanitize.ts jsonSafe): an NDJSON line's body. */
export function json(v: unknown): string {
  return jsonSafe(JSON.stringify(v));
}
