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

describe('as raised, before the end of the capture brings the figures up to date', () => {
  it('zero-window from the client: "the client advertised a zero window", episode 1', () => {
    const s = setup();
    established(s.w);
    s.w.s('P.', 1000, at(s.w, T0 + 1));
    s.w.c('.', 0, { ...at(s.w, T0 + 2), win: 0 });
    expect(summary(s)).toEqual([
      ['zero-window', 'client', 'the client advertised a zero window', { episodes: 1 }],
    ]);
  });
  it('keep-alive: "keep-alive probes from the client", 1 probe', () => {
    const s = setup();
    established(s.w);
    s.w.c('.', 0, { ...at(s.w, T0 + 75), seq: s.w.side[0].nxt - 1 });
    expect(summary(s)).toEqual([
      ['keep-alive', 'client', 'keep-alive probes from the client', { probes: 1 }],
    ]);
  });
});

describe('retransmission-burst looks at the last 5 retransmissions only', () => {
  it('one retransmission at T0 + 3, then 5 within 0.5 s at T0 + 20: a burst', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 100, { ...at(s.w, T0 + 2), lost: true });
    s.w.c('P.', 100, { ...at(s.w, T0 + 3), seq: 1001 });
    s.w.s('.', 0, at(s.w, T0 + 3 + EPS));
    for (let i = 0; i < 5; i++) s.w.c('P.', 100, { ...at(s.w, T0 + 10 + i * EPS), lost: true });
    for (let i = 0; i < 5; i++) s.w.c('P.', 100, { ...at(s.w, T0 + 20 + i / 8), seq: 1101 + i * 100 });
    expect(s.w.conn.client.retransmissions).toBe(6);
    expect(s.found.filter((a) => a.kind === 'retransmission-burst').map((a) => a.details)).toEqual([
      { count: 5, within: 0.5 },
    ]);
  });
  it('a SYN resent 5 times within 1 s is no retransmission-burst', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    for (let i = 1; i <= 5; i++) s.w.c('S', 0, at(s.w, T0 + i / 8));
    expect(s.w.conn.client.synRetransmissions).toBe(5);
    expect(s.kinds()).not.toContain('retransmission-burst');
  });
});
