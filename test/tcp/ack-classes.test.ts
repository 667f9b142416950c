/**
 * What src/tcp/classify.ts's classifyAck() counts of a segment's
 * acknowledgement and window: a duplicate ACK is a bare ACK repeating the
 * last one with the same window while data is outstanding (data, a FIN, a
 * window update or a keep-alive with the same ACK is none); a zero window
 * is counted from the first of a run until the window opens, and a
 * SYN-ACK's window is no zero window.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';
import { must } from '../../src/model/checked.js';

const lastInfo = (w: Wire) => must(w.rec.segments.at(-1), 'w.rec.segments.at(-1)').info;

/** Handshake; the client's 1001-1100 lost after the capture point, 1101-1200 arrive; the server's first ACK of 1001. */
function outstanding(): Wire {
  const w = new Wire();
  w.c('S');
  w.s('S.');
  w.c('.');
  w.c('P.', 100, { lost: true });
  w.c('P.', 100);
  w.s('.', 0, { ack: 1001 });
  expect(w.conn.server.dupAcks).toBe(1); // its SYN-ACK acknowledged 1001 already
  return w;
}

describe('duplicate ACKs', () => {
  it('a bare ACK repeating the last one with the same window is a duplicate', () => {
    const w = outstanding();
    w.s('.', 0, { ack: 1001 });
    expect(lastInfo(w).dupAck).toBe(true);
    expect(w.conn.server.dupAcks).toBe(2);
  });

  it.each([
    ['data carrying the same ACK', 'P.', 50, 64240],
    ['a FIN carrying the same ACK', 'F.', 0, 64240],
    ['the same ACK with another window (a window update)', '.', 0, 1000],
  ])('%s is none', (_what, flags, len, win) => {
    const w = outstanding();
    w.s(flags, len, { ack: 1001, win });
    expect(lastInfo(w).dupAck).toBe(false);
    expect(w.conn.server.dupAcks).toBe(1);
  });

  it('a keep-alive carrying the same ACK is none', () => {
    const w = outstanding();
    w.s('P.', 50, { ack: 1001 });
    w.c('.', 0, { seq: 1201 }); // the client acknowledges the server's data
    w.s('.', 0, { seq: 5050, ack: 1001, dt: 1 });
    expect(lastInfo(w).keepAlive).toBe(true);
    expect(lastInfo(w).dupAck).toBe(false);
    expect(w.conn.server.dupAcks).toBe(1);
  });

  it('a SYN-ACK resent with the same ACK while the client’s data is outstanding is none', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('P.', 100, { lost: true }); // the final ACK with data, lost after the capture point
    w.s('S.', 0, { dt: 1 }); // the server's timer
    expect(w.conn.server.synRetransmissions).toBe(1);
    expect(w.conn.server.dupAcks).toBe(0);
  });

  it('a data segment is none of the kinds', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('P.', 100);
    const i = lastInfo(w);
    expect([i.retransmission, i.outOfOrder, i.gap, i.keepAlive, i.zeroWindowProbe, i.dupAck]).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([i.zeroWindow, i.rstAcceptable, i.dataAfterFin, i.dataAfterRst, i.duplicate]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('with nothing outstanding a repeated ACK is none', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('P.', 100);
    w.s('.');
    w.s('.');
    expect(lastInfo(w).dupAck).toBe(false);
    expect(w.conn.server.dupAcks).toBe(0);
  });
});

describe('zero windows', () => {
  it('counted from the first of a run, until the window opens', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('P.', 100);
    w.s('.', 0, { win: 0 });
    const t1 = w.t;
    expect(w.conn.server.zeroWindowSince).toBe(t1);
    w.s('.', 0, { win: 0, dt: 0.5 });
    expect(lastInfo(w).zeroWindow).toBe(true);
    expect(w.conn.server.zeroWindows).toBe(2);
    expect(w.conn.server.zeroWindowSince).toBe(t1);
    w.s('.', 0, { win: 100, dt: 0.5 });
    expect(w.conn.server.zeroWindowSince).toBe(-1);
  });

  it('a zero window at capture time 0 is not stamped again later', () => {
    const w = new Wire();
    w.t = 0;
    w.s('.', 0, { win: 0, dt: 0 });
    w.s('.', 0, { win: 0, dt: 0.5 });
    expect(w.conn.server.zeroWindowSince).toBe(0);
  });

  it('a SYN-ACK resent with window 0 leaves a zero-window run going', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('P.', 100);
    w.s('.', 0, { win: 0 });
    const t1 = w.t;
    w.s('S.', 0, { win: 0, dt: 1 });
    expect(w.conn.server.zeroWindowSince).toBe(t1);
  });

  it('a SYN-ACK with window 0 is no zero window', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { win: 0 });
    expect(lastInfo(w).zeroWindow).toBe(false);
    expect(w.conn.server.zeroWindows).toBe(0);
  });
});
