/** A connection's transition list: packed into slab rows, grown by copying, exact on every field. */
import { describe, expect, it } from 'vitest';
import { Connection, type Side } from '../../src/tcp/connection.js';

const zeek = { segment() {}, history: '', connState: () => 'OTH' };

function expected(i: number) {
  return {
    t: 1_700_000_000 + i / 1e6,
    frame: 2 ** 37 - 1 - i * 1009,
    side: (i % 2) as Side,
    from: i % 11,
    to: (i * 7) % 11,
    cause: `cause ${i % 5}`,
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

  it('removeTransition closes the gap', () => {
    const c = new Connection(3, 4, zeek);
    for (let i = 0; i < 5; i++) {
      const x = expected(i);
      c.addTransition(x.t, x.frame, x.side, x.from, x.to, x.cause);
    }
    c.removeTransition(1);
    c.removeTransition(3);
    expect(c.transitions).toEqual([expected(0), expected(2), expected(3)]);
    const x = expected(9);
    c.addTransition(x.t, x.frame, x.side, x.from, x.to, x.cause);
    expect(c.transitionCount).toBe(4);
    expect(c.transitions[3]).toEqual(expected(9));
  });
});
