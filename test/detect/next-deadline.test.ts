/**
 * Detectors.nextDeadline, which the pipeline (src/analyze.ts) checks before
 * calling tick() on each segment: the earliest moment a detector has
 * something to do.
 */
import { describe, expect, it } from 'vitest';
import { at, established, setup, T0 } from './helpers.js';

describe('Detectors.nextDeadline', () => {
  it('nothing scheduled: never', () => {
    const { det } = setup();
    expect(det.nextDeadline).toBe(Number.POSITIVE_INFINITY);
  });
  it('a SYN at T0: the SYN timeout, T0 + 3 s', () => {
    const { w, det } = setup();
    w.c('S', 0, at(w, T0));
    expect(det.nextDeadline).toBe(T0 + 3);
  });
  it('a server in CLOSE_WAIT from T0 + 1.25 with a 5 s timeout: T0 + 6.25 once the handshake deadlines are past', () => {
    const { w, det } = setup({ closeWaitTimeout: 5 });
    established(w);
    w.c('F.', 0, at(w, T0 + 1));
    w.s('.', 0, at(w, T0 + 1.25));
    det.tick(T0 + 4);
    expect(det.nextDeadline).toBe(T0 + 6.25);
  });
});
