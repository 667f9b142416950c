/**
 * Sequence-number comparisons modulo 2^32 (RFC 9293 3.4) at their edges: equal
 * numbers, neighbours, across the wrap and half the space apart; and which
 * states hold no live connection.
 */
import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax } from '../../src/tcp/seq.js';
import { isTerminal, State, STATE_NAMES } from '../../src/model/states.js';

const TOP = 0xffffffff;

describe('sequence space', () => {
  it.each([
    // a, b, a - b as seen in sequence space
    [5, 5, 0],
    [6, 5, 1],
    [5, 6, -1],
    [0, TOP, 1], // 0 comes right after 2^32 - 1
    [TOP, 0, -1],
    [10, TOP - 9, 20],
    [2 ** 31 - 1, 0, 2 ** 31 - 1], // the farthest still ahead
    [2 ** 31, 0, -(2 ** 31)], // half the space away reads as behind
  ])('%i vs %i: %i apart', (a, b, d) => {
    expect(seqDiff(a, b)).toBe(d);
    expect([seqLt(a, b), seqLe(a, b), seqGt(a, b), seqGe(a, b)]).toEqual([d < 0, d <= 0, d > 0, d >= 0]);
    expect(seqMax(a, b)).toBe(d >= 0 ? a : b);
  });

  it('adds with the wrap, unsigned', () => {
    expect(seqAdd(TOP, 1)).toBe(0);
    expect(seqAdd(TOP - 1, 5)).toBe(3);
    expect(seqAdd(7, -8)).toBe(TOP);
  });
});

describe('isTerminal', () => {
  it('CLOSED, LISTEN and TIME_WAIT hold no live connection; every other state does', () => {
    const terminal = STATE_NAMES.filter((_, s) => isTerminal(s));
    expect(terminal).toEqual(['CLOSED', 'LISTEN', 'TIME_WAIT']);
    expect(isTerminal(State.TIME_WAIT)).toBe(true);
  });
});
