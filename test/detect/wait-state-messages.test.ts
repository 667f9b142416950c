/**
 * The wait-state detectors' messages and figures (src/detect/wait-states.ts):
 * a stuck CLOSE_WAIT or FIN_WAIT_2 still there at the end, one that closed
 * late, a diagnosis withheld over capture gaps, and capture-ended-open.
 */
import { describe, expect, it } from 'vitest';
import { at, established, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

const summary = (s: ReturnType<typeof setup>) =>
  s.found.map((a) => [a.kind, a.endpoint, a.message, a.details]);

/** Established, the client's FIN at T0 + 1, acknowledged by the server at T0 + 1.5: server CLOSE_WAIT, client FIN_WAIT_2. */
function halfClosed() {
  const s = setup();
  established(s.w);
  s.w.c('F.', 0, at(s.w, T0 + 1));
  s.w.s('.', 0, at(s.w, T0 + 1.5));
  return s;
}

describe('close-wait-stuck: the duration and whether it ended', () => {
  it('still in CLOSE_WAIT at the end of the capture (T0 + 20): 18.5 s, closed false', () => {
    const s = halfClosed();
    s.w.c('.', 0, { ...at(s.w, T0 + 7), ack: 5001 });
    s.finish(T0 + 20);
    expect(s.w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    expect(summary(s)).toEqual([
      [
        'close-wait-stuck',
        'server',
        '10.0.0.2:80 (server) in CLOSE_WAIT for 18.5 s, still there at the end of the capture',
        { since: T0 + 1.5, duration: 18.5, closed: false },
      ],
    ]);
  });
  it('closed at T0 + 9.5, after the 5 s timeout had passed: stayed 8 s, closed true', () => {
    const s = halfClosed();
    s.w.c('.', 0, { ...at(s.w, T0 + 7), ack: 5001 });
    s.w.s('F.', 0, at(s.w, T0 + 9.5));
    s.w.c('.', 0, at(s.w, T0 + 10));
    s.finish(T0 + 20);
    expect(s.w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(summary(s)).toEqual([
      [
        'close-wait-stuck',
        'server',
        '10.0.0.2:80 (server) stayed in CLOSE_WAIT for 8 s before it closed',
        { since: T0 + 1.5, duration: 8, closed: true },
      ],
    ]);
  });
  it('the capture missed 1 segment of the server: withheld ("1 segment"), reported open instead', () => {
    const s = setup();
    established(s.w);
    s.w.s('P.', 100, at(s.w, T0 + 0.5));
    s.w.s('P.', 100, { ...at(s.w, T0 + 0.6), seq: 5001 + 300 });
    s.w.c('F.', 0, at(s.w, T0 + 1));
    s.w.s('.', 0, at(s.w, T0 + 1.5));
    s.finish(T0 + 20);
    expect(summary(s)).toEqual([
      [
        'capture-gap',
        'server',
        'close-wait-stuck not raised for the server: the capture missed 1 segment of this connection',
        { withheld: 'close-wait-stuck' },
      ],
      [
        'capture-ended-open',
        null,
        'still open at the end of the capture (client FIN_WAIT_2, server CLOSE_WAIT)',
        {},
      ],
    ]);
  });
});

describe('fin-wait-2-stuck and close-wait-stuck together, still there at the end', () => {
  it('after 200 s both are reported, with their durations, and capture-ended-open is not', () => {
    const s = halfClosed();
    s.finish(T0 + 200);
    expect(s.w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    const m = summary(s);
    expect(m.map((x) => [x[0], x[1]])).toEqual([
      ['close-wait-stuck', 'server'],
      ['fin-wait-2-stuck', 'client'],
    ]);
    expect(must(m[0], 'm[0]')[2]).toBe(
      '10.0.0.2:80 (server) in CLOSE_WAIT for 3 m 19 s, still there at the end of the capture',
    );
    expect(must(m[1], 'm[1]')[2]).toBe(
      '10.0.0.1:40000 (client) in FIN_WAIT_2 for 3 m 18 s, still there at the end of the capture',
    );
    expect(must(m[1], 'm[1]')[3]).toMatchObject({ closed: false });
  });
});

describe('capture-ended-open', () => {
  it('an established connection at the end: both states named', () => {
    const s = setup();
    established(s.w);
    s.finish(T0 + 20);
    expect(summary(s)).toEqual([
      [
        'capture-ended-open',
        null,
        'still open at the end of the capture (client ESTABLISHED, server ESTABLISHED)',
        {},
      ],
    ]);
  });
  it('a connection picked up mid-stream counts as open too', () => {
    const s = setup();
    s.w.c('P.', 10, { ...at(s.w, T0), ack: 5001 });
    s.w.s('P.', 10, { ...at(s.w, T0 + 1), ack: 1011 });
    s.finish(T0 + 20);
    expect(s.kinds()).toEqual(['midstream-start', 'capture-ended-open']);
  });
  it('a connection closed both ways is not open', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 1));
    s.w.s('F.', 0, at(s.w, T0 + 1.5));
    s.w.c('.', 0, at(s.w, T0 + 2));
    s.finish(T0 + 3);
    expect(s.kinds()).toEqual([]);
  });
});

describe('the moment a wait state passes its timeout', () => {
  it('close-wait-stuck as raised (before the end of the capture): 5.5 s in CLOSE_WAIT, "still there"', () => {
    const s = halfClosed();
    s.w.c('.', 0, { ...at(s.w, T0 + 7), ack: 5001 });
    expect(summary(s)).toEqual([
      [
        'close-wait-stuck',
        'server',
        '10.0.0.2:80 (server) in CLOSE_WAIT for 5 s, still there',
        { since: T0 + 1.5, duration: 5, closed: false },
      ],
    ]);
  });
  it('fin-wait-2-stuck as raised: the client 60 s in FIN_WAIT_2, "still there"', () => {
    const s = halfClosed();
    s.w.s('.', 0, at(s.w, T0 + 70));
    const a = must(
      s.found.find((x) => x.kind === 'fin-wait-2-stuck'),
      "s.found.find((x) => x.kind === 'fin-wait-2-stuck')",
    );
    expect(a.message).toBe('10.0.0.1:40000 (client) in FIN_WAIT_2 for 1 m 0 s, still there');
    expect(a.details).toEqual({ since: s.w.conn.client.stateSince, duration: 60, closed: false });
  });
  it('a client that left FIN_WAIT_2 after 8.5 s (the server closed): no fin-wait-2-stuck at the 60 s deadline', () => {
    const s = halfClosed();
    s.w.s('F.', 0, at(s.w, T0 + 10));
    s.w.c('.', 0, at(s.w, T0 + 10.5));
    s.finish(T0 + 200);
    expect(s.kinds()).not.toContain('fin-wait-2-stuck');
  });
});

describe('the end of a stuck state is written to its own anomaly', () => {
  it('both stuck, the server closing at T0 + 100: each keeps the time it left, not the later end of TIME_WAIT', () => {
    const s = halfClosed();
    s.w.s('.', 0, at(s.w, T0 + 70));
    s.w.s('F.', 0, at(s.w, T0 + 100));
    s.w.c('.', 0, at(s.w, T0 + 100.5));
    s.finish(T0 + 300); // the client's TIME_WAIT ended at T0 + 160
    expect(s.w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(summary(s).map((x) => [x[0], x[2], (x[3] as { duration: number }).duration])).toEqual([
      ['close-wait-stuck', '10.0.0.2:80 (server) stayed in CLOSE_WAIT for 1 m 39 s before it closed', 98.5],
      [
        'fin-wait-2-stuck',
        '10.0.0.1:40000 (client) stayed in FIN_WAIT_2 for 1 m 39 s before it closed',
        // From the client's FIN_WAIT_2 (its FIN's ACK, T0 + 1.5 + EPS / 2) to its ACK of the server's FIN.
        T0 +
          100.5 -
          (must(must(s.found[1], 's.found[1]').details, "must(s.found[1], 's.found[1]').details")
            .since as number),
      ],
    ]);
  });
  it('another anomaly raised earlier on the connection (zero-window) is left alone; the close-wait-stuck one is closed', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 100, at(s.w, T0 + 0.25));
    s.w.s('.', 0, { ...at(s.w, T0 + 0.5), win: 0 });
    s.w.s('.', 0, { ...at(s.w, T0 + 0.75), win: 1000 });
    s.w.c('F.', 0, at(s.w, T0 + 1));
    s.w.s('.', 0, at(s.w, T0 + 1.5));
    s.w.c('.', 0, { ...at(s.w, T0 + 7), ack: s.w.side[0].rcvd });
    s.w.s('F.', 0, at(s.w, T0 + 9.5));
    s.w.c('.', 0, at(s.w, T0 + 10));
    s.finish(T0 + 20);
    expect(summary(s).map((x) => [x[0], x[3]])).toEqual([
      ['zero-window', { episodes: 1, zeroWindowSegments: 1, longestStall: 0.25, stillClosed: false }],
      ['close-wait-stuck', { since: T0 + 1.5, duration: 8, closed: true }],
    ]);
  });
});
