/**
 * What is kept of a connection's Zeek emulation once it left the flow table
 * (freezeZeek): its history and conn_state as they were, its slab rows
 * given back once; the no-emulation stand-in and a frozen one are kept as
 * they are.
 */
import { describe, expect, it } from 'vitest';
import { freezeZeek, NO_ZEEK, type ZeekLike } from '../../src/tcp/connection.js';
import { newSegment } from '../../src/decode/segment.js';

function live(): ZeekLike & { released: number; history: string } {
  const z = {
    released: 0,
    history: 'ShAD',
    segment() {
      z.history += 'x';
    },
    connState: () => 'S1',
    release() {
      z.released++;
    },
  };
  return z;
}

describe('freezeZeek', () => {
  it('keeps the history and conn_state, gives the rows back once, and takes no more segments', () => {
    const z = live();
    const f = freezeZeek(z);
    expect(f).not.toBe(z);
    expect([f.history, f.connState()]).toEqual(['ShAD', 'S1']);
    expect(z.released).toBe(1);
    f.segment(true, newSegment(), false, false);
    expect(f.history).toBe('ShAD');
  });

  it('a frozen one is returned as it is (no second release)', () => {
    const z = live();
    const f = freezeZeek(z);
    expect(freezeZeek(f)).toBe(f);
    expect(z.released).toBe(1);
  });

  it('the no-emulation stand-in is returned as it is; its conn_state is OTH', () => {
    expect(freezeZeek(NO_ZEEK)).toBe(NO_ZEEK);
    expect(NO_ZEEK.connState()).toBe('OTH');
  });

  it('an emulation without release() is frozen all the same', () => {
    const f = freezeZeek({ segment() {}, history: 'S', connState: () => 'S0' });
    expect([f.history, f.connState()]).toEqual(['S', 'S0']);
  });
});
