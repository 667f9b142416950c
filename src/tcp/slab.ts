/**
 * Rows of numbers for long-lived records (tracker and Zeek endpoints,
 * connections), carved out of shared Float64Array chunks, so that times and
 * 32-bit sequence numbers are not one heap number each. A chunk lives as long
 * as one of its rows does; records are dropped roughly oldest first, so chunks
 * are freed in order. Chunks are small (4 KiB, about a dozen connections) so
 * that a long-lived connection among short ones pins little memory.
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
  r.d.set(values, r.o);
  return r;
}
