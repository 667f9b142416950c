/**
 * Rows of numbers for long-lived records (tracker and Zeek endpoints,
 * connections), carved out of shared 4 KiB Float64Array chunks: why, and
 * why chunks this small, in docs/performance.md#slab-rows.
 */
const NUM_CHUNK = 512;
let numChunk = new Float64Array(NUM_CHUNK);
let numUsed = 0;
const row = { d: numChunk, o: 0 };

/** A fresh row of `n` zeros (the returned object is reused: copy its fields). */
export function slabRow(n: number): { d: Float64Array; o: number } {
  if (n > NUM_CHUNK / 4) {
    // A big row (a long transition list) gets an array of its own.
    row.d = new Float64Array(n);
    row.o = 0;
    return row;
  }
  if (numUsed + n > NUM_CHUNK) {
    numChunk = new Float64Array(NUM_CHUNK);
    numUsed = 0;
  }
  row.d = numChunk;
  row.o = numUsed;
  numUsed += n;
  return row;
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
