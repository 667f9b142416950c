/** JsonBytes writes numbers exactly as JSON.stringify does, and grows as needed. */
import { describe, expect, it } from 'vitest';
import { JsonBytes, subMicros, wholeMicros } from '../../src/report/json-bytes.js';
import { rng as mulberry32 } from '../helpers/mutate.mjs';

describe('JsonBytes', () => {
  it.each([
    0,
    -0,
    1,
    9,
    10,
    99,
    100,
    65535,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    -1,
    1.5,
    1e21,
    1e-7,
    1795264148.703998,
    0.04451394081115723,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ])('num(%d) is JSON.stringify', (x) => {
    const w = new JsonBytes(4);
    w.num(x);
    expect(w.text()).toBe(JSON.stringify(x));
  });

  it('num() equals JSON.stringify on timestamps of whole microseconds and nanoseconds, their neighbours and other doubles', () => {
    const f64 = new Float64Array(1);
    const u64 = new BigUint64Array(f64.buffer);
    const rng = mulberry32(7);
    const w = new JsonBytes(64);
    const bad: string[] = [];
    let fast = 0;
    for (let i = 0; i < 400_000; i++) {
      const sec = i % 4 === 3 ? Math.floor(rng() * 2 ** 33) : Math.floor(1e9 + rng() * 1e9);
      let x: number;
      switch (i % 6) {
        case 0:
          x = sec + Math.floor(rng() * 1e6) / 1e6;
          break;
        case 1:
          x = sec + (Math.floor(rng() * 1e6) * 1000) / 1e9;
          break;
        case 2:
          x = sec + Math.floor(rng() * 1e9) / 1e9;
          break;
        case 3:
          x = sec + Math.floor(rng() * 1e3) / 1e3;
          break;
        case 4:
          // One spacing either side of a whole microsecond: not its nearest double.
          f64[0] = sec + Math.floor(rng() * 1e6) / 1e6;
          u64[0] = (u64[0] ?? 0n) + (rng() < 0.5 ? 1n : -1n);
          x = f64[0];
          break;
        default:
          x = rng() * 10 ** Math.floor(rng() * 12);
      }
      w.num(x);
      const got = w.take().toString('latin1');
      if (got !== JSON.stringify(x)) bad.push(`${x}: ${got}`);
      if (x >= 1 && x < 2 ** 33 && wholeMicros(x, Math.floor(x)) >= 0) fast++;
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(fast).toBeGreaterThan(100_000);
  });

  it('num() equals JSON.stringify below 1: every whole number of microseconds, differences of timestamps, their neighbours', () => {
    const f64 = new Float64Array(1);
    const u64 = new BigUint64Array(f64.buffer);
    const rng = mulberry32(11);
    const w = new JsonBytes(64);
    const bad: string[] = [];
    let fast = 0;
    const check = (x: number) => {
      w.num(x);
      const got = w.take().toString('latin1');
      if (got !== JSON.stringify(x)) bad.push(`${x}: ${got}`);
      if (subMicros(x) > 0) fast++;
    };
    for (let k = 1; k < 1e6; k++) check(k / 1e6);
    for (let i = 0; i < 200_000; i++) {
      // A duration as the report computes it: the rounded difference of two capture times.
      const a = 1.7e9 + Math.floor(rng() * 1e12) / 1e6;
      const d = Math.round((a + Math.floor(rng() * 1e6) / 1e6 - a) * 1e6) / 1e6;
      check(d);
      f64[0] = Math.floor(rng() * 1e6) / 1e6;
      u64[0] = (u64[0] ?? 0n) + (rng() < 0.5 ? 1n : -1n);
      check(f64[0]);
      check(rng());
    }
    for (const x of [1e-7, 5e-7, 0.9999995, Number.MIN_VALUE]) check(x);
    expect(bad.slice(0, 5)).toEqual([]);
    expect(fast).toBeGreaterThan(1_000_000);
  });

  it('grows past its first size and keeps what was written', () => {
    const w = new JsonBytes(8);
    const want: string[] = [];
    for (let i = 0; i < 1000; i++) {
      w.bytes(Buffer.from(`,"k${i}":`, 'latin1'));
      w.num(i * 7919);
      w.ascii('x');
      w.byte(0x7d);
      want.push(`,"k${i}":${i * 7919}x}`);
    }
    expect(w.text()).toBe(want.join(''));
  });

  it('take() starts over in the same memory; detach() leaves taken bytes alone', () => {
    const w = new JsonBytes(64);
    w.ascii('first');
    const a = w.take();
    w.ascii('SECOND');
    expect(a.toString('latin1')).toBe('SECON'); // reused: overwritten
    const b = w.take();
    w.detach();
    w.ascii('third!');
    expect(b.toString('latin1')).toBe('SECOND');
    expect(w.take().toString('latin1')).toBe('third!');
  });
});
