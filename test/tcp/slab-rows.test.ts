/**
 * src/tcp/slab.ts on its own: rows of numbers carved out of shared 512-number
 * (4 KiB) Float64Array chunks (word 0 counts the chunk's rows), a row longer
 * than a quarter chunk in an array of its own (docs/performance.md#slab-rows).
 * What a record relies on: every row lies inside its array, starts as zeros,
 * and no two rows overlap, also once chunks whose rows all came back
 * (slabRelease) are carved again.
 */
import { describe, expect, it } from 'vitest';
import { slabRelease, slabRow, slabRowOf } from '../../src/tcp/slab.js';
import { at } from '../../src/model/checked.js';

interface Row {
  d: Float64Array;
  o: number;
  n: number;
}

/** slabRow's result copied (the object it returns is reused). */
function take(n: number): Row {
  const r = slabRow(n);
  return { d: r.d, o: r.o, n };
}

/** Writes `mark` over the whole row. */
function mark(r: Row, v: number): void {
  for (let i = 0; i < r.n; i++) r.d[r.o + i] = v;
}

/** A row of 4 at the start of a new chunk (rows of 4 are taken until one starts a chunk). */
function freshChunk(): Row {
  let prev = take(4);
  // A chunk holds 127 rows of 4 after its count: within 128 rows one starts a new chunk.
  for (let k = 0; k < 129; k++) {
    const r = take(4);
    if (r.d !== prev.d) {
      expect([r.o, r.d.length]).toEqual([1, 512]);
      return r;
    }
    prev = r;
  }
  throw new Error('129 rows of 4 and no new chunk');
}

const values = (r: Row) => Array.from(r.d.subarray(r.o, r.o + r.n));

describe('slab rows', () => {
  it('a row starts as zeros, lies inside its array, and overlaps no row made before it', () => {
    const rows: Row[] = [];
    // Sizes that end chunks at different offsets, with a long row now and then.
    const sizes = [5, 7, 1, 128, 129, 3, 300, 64, 64, 64, 64, 64, 64, 64, 60, 2, 511, 4, 1000, 9];
    for (let k = 0; k < 60; k++) {
      const r = take(at(sizes, k % sizes.length));
      expect(r.o).toBeGreaterThanOrEqual(0);
      expect(r.o + r.n).toBeLessThanOrEqual(r.d.length);
      expect(values(r)).toEqual(new Array<number>(r.n).fill(0));
      mark(r, k + 1);
      rows.push(r);
    }
    rows.forEach((r, k) => expect(values(r)).toEqual(new Array<number>(r.n).fill(k + 1)));
  });

  it('rows of 4 numbers: 127 share one 4 KiB chunk after its count, the next starts a new one at offset 1', () => {
    const first = freshChunk();
    const rows = [first];
    for (let k = 1; k < 127; k++) rows.push(take(4));
    expect(rows.every((r) => r.d === first.d)).toBe(true);
    expect(rows.map((r) => r.o)).toEqual(Array.from({ length: 127 }, (_, k) => 1 + 4 * k));
    expect(first.d[0]).toBe(127);
    const next = take(4);
    expect(next.d).not.toBe(first.d);
    expect([next.o, next.d.length]).toEqual([1, 512]);
  });

  it('a chunk whose rows all came back is zeroed and carved again; one row kept keeps it out', () => {
    const first = freshChunk();
    const rows = [first];
    for (let k = 1; k < 127; k++) rows.push(take(4));
    rows.forEach((r, k) => mark(r, k + 1));
    const kept = freshChunk();
    const keptRows = [kept];
    for (let k = 1; k < 127; k++) keptRows.push(take(4));
    keptRows.forEach((r) => mark(r, 7));
    // All of the first chunk's rows, all but one of the second's come back.
    for (const r of rows) slabRelease(r.d);
    for (const r of keptRows.slice(1)) slabRelease(r.d);
    expect(first.d[0]).toBe(0);
    expect(kept.d[0]).toBe(1);
    // The next chunk carved is the first one, all zeros again; the kept row is untouched.
    const again = take(4);
    expect(again.d).toBe(first.d);
    expect(again.o).toBe(1);
    expect(Array.from(first.d.subarray(1))).toEqual(new Array<number>(511).fill(0));
    expect(values(kept)).toEqual([7, 7, 7, 7]);
    // Rows of its own are the collector's: giving one back changes no chunk.
    const own = take(129);
    slabRelease(own.d);
    expect(take(4).d).toBe(first.d);
  });

  it('the chunk being carved, once all its rows came back, is carved again from the start', () => {
    const first = freshChunk();
    const rows = [first];
    for (let k = 1; k < 100; k++) rows.push(take(4));
    rows.forEach((r) => mark(r, 3));
    for (const r of rows) slabRelease(r.d);
    // Not full yet: the next rows follow; when it is full, it starts over, zeroed.
    const tail: Row[] = [];
    for (let k = 100; k < 127; k++) tail.push(take(4));
    for (const r of tail) slabRelease(r.d);
    const again = take(4);
    expect([again.d, again.o]).toEqual([first.d, 1]);
    expect(Array.from(first.d.subarray(1))).toEqual(new Array<number>(511).fill(0));
  });

  it('a row of a quarter chunk (128) is carved from the chunk; 129 numbers get an array of their own', () => {
    const start = freshChunk();
    const quarter = take(128);
    expect(quarter.d).toBe(start.d);
    expect(quarter.o).toBe(5);
    const own = take(129);
    expect([own.o, own.d.length]).toEqual([0, 129]);
    const big = take(5000);
    expect([big.o, big.d.length]).toEqual([0, 5000]);
    // A long row leaves the chunk as it was: the next short row follows the quarter.
    const after = take(2);
    expect(after.d).toBe(start.d);
    expect(after.o).toBe(133);
  });

  it('slabRowOf writes the values at the row, the rest of the chunk untouched', () => {
    const before = take(3);
    const r = slabRowOf([1.5, -2, 3e9]);
    const row: Row = { d: r.d, o: r.o, n: 3 };
    expect(values(row)).toEqual([1.5, -2, 3e9]);
    expect(values(before)).toEqual([0, 0, 0]);
    const next = take(2);
    expect(values(next)).toEqual([0, 0]);
  });
});
