/**
 * Rows of numbers for long-lived records (tracker and Zeek endpoints,
 * connections), carved out of shared 4 KiB Float64Array chunks: why, and
 * why chunks this small, in docs/performance.md#slab-rows.
 *
 * Word 0 of a chunk counts its rows not yet given back (slabRelease): a chunk
 * whose rows all came back is zeroed and carved again, instead of waiting as
 * garbage for V8's next full collection, which lets the old generation's
 * dead chunks pile up to tens of MB (docs/performance.md#slab-reuse). A row
 * that is never given back (the records of a connection that is not spilled)
 * only keeps its chunk out of reuse: the collector frees it as before.
 */
const NUM_CHUNK = 512;
/** Chunks kept zeroed for reuse, at most (8 MiB): more are left to the collector. */
const MAX_FREE = 2048;
let numChunk: Float64Array = new Float64Array(NUM_CHUNK);
let numUsed = 1;
const free: Float64Array[] = [];
const row = { d: numChunk, o: 0 };

/** A fresh row of `n` zeros (the returned object is reused: copy its fields). */
export function slabRow(n: number): { d: Float64Array; o: number } {
  if (n > NUM_CHUNK / 4) {
    // A big row (a long transition list) gets an array of its own, never of a chunk's length.
    row.d = new Float64Array(n === NUM_CHUNK ? n + 1 : n);
    row.o = 0;
    return row;
  }
  if (numUsed + n > NUM_CHUNK) nextChunk();
  const d = numChunk;
  d[0] = (d[0] ?? 0) + 1;
  row.d = d;
  row.o = numUsed;
  numUsed += n;
  return row;
}

function nextChunk(): void {
  if (numChunk[0] === 0) {
    // Every row of the current chunk came back already: carve it again.
    numChunk.fill(0);
  } else numChunk = free.pop() ?? new Float64Array(NUM_CHUNK);
  numUsed = 1;
}

/**
 * The row in `d` that a record got from slabRow is no longer read or written
 * by anyone (its record is dropped). Called once per row, or never.
 */
export function slabRelease(d: Float64Array): void {
  if (d.length !== NUM_CHUNK) return; // a big row of its own: the collector's
  const left = (d[0] ?? 0) - 1;
  d[0] = left;
  if (left === 0 && d !== numChunk && free.length < MAX_FREE) {
    d.fill(0);
    free.push(d);
  }
}

/**
 * A fresh row holding `values` (the returned object is reused: copy its
 * fields). For records that make a row only when a number first leaves its
 * default (most endpoints never count a retransmission).
 */
export function slabRowOf(values: readonly number[]): { d: Float64Array; o: number } {
  const r = slabRow(values.length);
  // A loop, not set(): from a plain array of a dozen numbers set() takes its generic path, several times slower.
  const d = r.d;
  const o = r.o;
  for (let i = 0; i < values.length; i++) d[o + i] = values[i] ?? 0;
  return r;
}
