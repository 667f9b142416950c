/**
 * The transfer detectors' messages and figures (src/detect/transfer.ts):
 * zero-window episodes and the longest stall, keep-alive probe counts, data
 * after a FIN or a RST.
 */
import { describe, expect, it } from 'vitest';
import { at, EPS, established, setup, T0 } from './helpers.js';

const summary = (s: ReturnType<typeof setup>) =>
  s.found.map((a) => [a.kind, a.endpoint, a.message, a.details]);

describe('zero-window: segments, episodes, the longest stall', () => {
  it('3 zero windows in 2 episodes, the second still closed at the end: the stall runs to the end (5 s)', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 1000, at(s.w, T0 + 1));
    s.w.s('.', 0, { ...at(s.w, T0 + 2), win: 0 });
    s.w.s('.', 0, { ...at(s.w, T0 + 3), win: 1000 });
    s.w.c('P.', 1000, at(s.w, T0 + 4));
    s.w.s('.', 0, { ...at(s.w, T0 + 5), win: 0 });
    s.w.s('.', 0, { ...at(s.w, T0 + 5.5), win: 0 });
    s.finish(T0 + 10);
    expect(summary(s)[0]).toEqual([
      'zero-window',
      'server',
      'the server advertised a zero window 3 times in 2 episodes; the peer stalled up to 5 s (still closed at the end)',
      { episodes: 2, zeroWindowSegments: 3, longestStall: 5, stillClosed: true },
    ]);
  });
  it('2 episodes of 4 s and 1 s, both reopened: the longest is the first, not still closed', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 1000, at(s.w, T0 + 1));
    s.w.s('.', 0, { ...at(s.w, T0 + 2), win: 0 });
    s.w.s('.', 0, { ...at(s.w, T0 + 6), win: 1000 });
    s.w.c('P.', 1000, at(s.w, T0 + 6.5));
    s.w.s('.', 0, { ...at(s.w, T0 + 7), win: 0 });
    s.w.s('.', 0, { ...at(s.w, T0 + 8), win: 1000 });
    s.finish(T0 + 10);
    expect(summary(s)[0]).toEqual([
      'zero-window',
      'server',
      'the server advertised a zero window 2 times in 2 episodes; the peer stalled up to 4 s',
      { episodes: 2, zeroWindowSegments: 2, longestStall: 4, stillClosed: false },
    ]);
  });
});

describe('keep-alive, data-after-fin, data-after-rst', () => {
  it('two keep-alive probes 75 s apart: "2 keep-alive probes"', () => {
    const s = setup();
    established(s.w);
    for (const t of [75, 150]) {
      s.w.c('.', 0, { ...at(s.w, T0 + t), seq: s.w.side[0].nxt - 1 });
      s.w.s('.', 0, at(s.w, T0 + t + EPS));
    }
    s.finish(T0 + 160);
    expect(summary(s)[0]).toEqual([
      'keep-alive',
      'client',
      '2 keep-alive probes from the client',
      { probes: 2 },
    ]);
  });
  it("10 bytes after the client's own FIN", () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 1));
    s.w.c('P.', 10, at(s.w, T0 + 2));
    expect(summary(s)).toEqual([
      ['data-after-fin', 'client', 'the client sent 10 bytes of new data after its own FIN', { bytes: 10 }],
    ]);
  });
  it("10 bytes after the client's RST", () => {
    const s = setup();
    established(s.w);
    s.w.c('R', 0, at(s.w, T0 + 1));
    s.w.c('P.', 10, at(s.w, T0 + 2));
    expect(summary(s)[1]).toEqual([
      'data-after-rst',
      'client',
      'the client sent 10 bytes after a RST on this connection',
      { bytes: 10 },
    ]);
  });
});
