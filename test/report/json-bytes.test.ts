/** JsonBytes writes numbers exactly as JSON.stringify does, and grows as needed. */
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../../src/report/json-bytes.js';

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
