/**
 * What recordLayout() (src/tcp/record-layout.ts) computes from a small
 * declaration, field by field: each bit field's mask in declaration order,
 * the bits set in a new record, each f64 and rare field's slot and initial
 * value, and whether a new row is all zeros.
 */
import { describe, expect, it } from 'vitest';
import { bit, f64, rare, recordLayout } from '../../src/tcp/record-layout.js';

describe('recordLayout of a small declaration', () => {
  // Made inside each test, not at collection: Stryker switches a mutant on when the tests start.
  const make = () =>
    recordLayout('T', { a: bit(), b: f64(2), c: bit(true), d: rare(5), e: f64(), g: rare() });

  it('masks bit fields in order; a new record has the bit(true) ones set', () => {
    const l = make();
    expect(l.mask).toEqual({ a: 1, c: 2 });
    expect(l.initBits).toBe(2);
  });

  it('slots the f64 and rare fields in order, with their initial values', () => {
    const l = make();
    expect(l.fields.d).toEqual({ kind: 'rare', init: 5 });
    expect(l.at).toEqual({ b: 0, e: 1 });
    expect(l.rowInit).toEqual([2, 0]);
    expect(l.rareAt).toEqual({ d: 0, g: 1 });
    expect(l.rareInit).toEqual([5, 0]);
  });

  it('a row with an initial value other than 0 is not all zeros; one without is', () => {
    const l = make();
    expect(l.rowZero).toBe(false);
    expect(recordLayout('Z', { x: f64(), y: bit(), z: rare(3) }).rowZero).toBe(true);
  });

  it('bit() is clear in a new record, bit(true) set', () => {
    expect(bit().init).toBe(0);
    expect(bit(true).init).toBe(1);
    expect(recordLayout('B', { x: bit(), y: bit() }).initBits).toBe(0);
  });
});
