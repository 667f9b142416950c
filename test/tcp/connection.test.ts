/** A connection's transition list: packed into slab rows, grown by copying, exact on every field. */
import { describe, expect, it } from 'vitest';
import { Connection, type Side } from '../../src/tcp/connection.js';

const zeek = { segment() {}, history: '', connState: () => 'OTH' };

function expected(i: number) {
  return {
    t: 1_700_000_000 + i / 1e6,
    frame: 2 ** 34 - 1 - i * 1009,
    side: (i % 2) as Side,
    from: i % 11,
    to: (i * 7) % 11,
    cause: `cause ${i % 5}`,
    inferred: false,
  };
}

describe('Connection transitions', () => {
  it('keep every field through growth, for two connections whose rows interleave', () => {
    const a = new Connection(1, 4, zeek);
    const b = new Connection(2, 6, zeek);
    for (let i = 0; i < 300; i++) {
      for (const c of [a, b]) {
        const x = expected(c === a ? i : i + 1);
        c.addTransition(x.t, x.frame, x.side, x.from, x.to, x.cause);
      }
    }
    expect(a.transitionCount).toBe(300);
    expect(a.transitions).toEqual(Array.from({ length: 300 }, (_, i) => expected(i)));
    expect(b.transitions).toEqual(Array.from({ length: 300 }, (_, i) => expected(i + 1)));
  });

  it('keeps transitions in time order: one stamped earlier (a delivery settled later) goes in its place', () => {
    const c = new Connection(3, 4, zeek);
    for (const i of [0, 1, 3, 4]) {
      const x = expected(i);
      c.addTransition(x.t, x.frame, x.side, x.from, x.to, x.cause);
    }
    const x = expected(2);
    c.addTransition(x.t, x.frame, x.side, x.from, x.to, x.cause, true);
    expect(c.transitions).toEqual([
      expected(0),
      expected(1),
      { ...expected(2), inferred: true },
      expected(3),
      expected(4),
    ]);
    expect(c.transitionInferred(2)).toBe(true);
    expect(c.transitionInferred(3)).toBe(false);
  });

  it('has no limit on causes or frame numbers: 3000 distinct causes, frames past 2^34 (an endless capture)', () => {
    const c = new Connection(4, 4, zeek);
    const want = Array.from({ length: 3000 }, (_, i) => ({
      t: 1 + i,
      frame: 2 ** 40 + i,
      side: (i % 2) as Side,
      from: i % 11,
      to: (i * 3) % 11,
      cause: `distinct cause ${i}`,
      inferred: i % 3 === 0,
    }));
    for (const x of want) c.addTransition(x.t, x.frame, x.side, x.from, x.to, x.cause, x.inferred);
    expect(c.transitions).toEqual(want);
  });
});
