/**
 * The time limits of what the capture's silence proves (src/tcp/delivery.ts),
 * at, just below and just above each: a bare ACK taken as delivered
 * settleDelay after it (longer after resent SYN-ACKs), a FIN taken as
 * acknowledged after finSilence unresent, an endpoint that gave up after
 * its retransmissions stopped (at least 0.2 s apart), an orphaned
 * FIN_WAIT_2 after 60 s.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

const T = 1_700_000_000;

function wireAt(t0: number, opts = {}): Wire {
  const w = new Wire(opts);
  w.t = t0;
  return w;
}

describe('a bare ACK toward an endpoint away from the capture point', () => {
  it('is taken as delivered exactly settleDelay (1.5 s) after it', () => {
    const w = wireAt(T);
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    const ack = w.c('.', 0, { dt: 0.25 }).ts;
    w.tracker.advance(ack + 1.25);
    expect(w.states()[1]).toBe('SYN_RECEIVED');
    w.tracker.advance(ack + 1.5);
    expect(w.states()[1]).toBe('ESTABLISHED');
  });

  it('with settleDelay 0.5 s and no SYN-ACK resent, 0.5 s after it', () => {
    const w = wireAt(T, { settleDelay: 0.5 });
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    const ack = w.c('.', 0, { dt: 0.25 }).ts;
    w.tracker.advance(ack + 0.5);
    expect(w.states()[1]).toBe('ESTABLISHED');
  });

  it('after a SYN-ACK resent once, 2.5 s after it (the resend’s backoff, 2 s, and half a second)', () => {
    const w = wireAt(T, { settleDelay: 0.5 });
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.s('S.', 0, { dt: 1 });
    const ack = w.c('.', 0, { dt: 0.25 }).ts;
    w.tracker.advance(ack + 2.25);
    expect(w.states()[1]).toBe('SYN_RECEIVED');
    w.tracker.advance(ack + 2.5);
    expect(w.states()[1]).toBe('ESTABLISHED');
  });
});

describe('a FIN never acknowledged in the capture, never resent (no handshake: finSilence, 3 s)', () => {
  /** Mid-stream: the client's data, then its FIN at T + 1. */
  function clientFin(): Wire {
    const w = wireAt(T);
    w.c('P.', 100, { dt: 0 });
    w.c('F.', 0, { dt: 1 });
    return w;
  }

  it('3 s after it, at the end: acknowledged by a segment not captured (the server got it)', () => {
    const w = clientFin();
    w.tracker.finish(T + 4);
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    expect(w.conn.transitions.at(-1)?.cause).toBe(
      'received ACK of its FIN (not captured; it never resent the FIN)',
    );
    expect(w.conn.captureGaps).toBe(0); // the server was never captured: a one-way capture, no gap
  });

  it('the client’s segments after its FIN (not resending it) do not restart the wait', () => {
    const w = clientFin();
    w.c('.', 0, { dt: 0.5 });
    w.tracker.finish(T + 4);
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
  });

  it('2.75 s after it: nothing inferred', () => {
    const w = clientFin();
    w.tracker.finish(T + 3.75);
    expect(w.states()).toEqual(['FIN_WAIT_1', 'ESTABLISHED']);
  });

  it('the server heard from after the FIN without acknowledging it: the FIN did not arrive in order', () => {
    const w = clientFin();
    w.s('.', 0, { dt: 0.5, ack: 1100 });
    w.tracker.finish(T + 10);
    expect(w.states()).toEqual(['FIN_WAIT_1', 'ESTABLISHED']);
  });

  it('the server’s segment at the FIN’s own instant, not acknowledging it, does not count as after it', () => {
    const w = clientFin();
    w.s('.', 0, { dt: 0, ack: 1100 });
    w.tracker.finish(T + 10);
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    expect(w.conn.captureGaps).toBe(1);
  });
});

describe('a SYN-ACK resent before any answer was captured', () => {
  it('does not keep the final ACK after it from being assumed delivered at the end', () => {
    const w = wireAt(T);
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.s('S.', 0, { dt: 1 });
    const ack = w.c('.', 0, { dt: 0.25 }).ts;
    w.tracker.finish(ack + 0.5);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });
});

describe('an endpoint that stopped resending (times from 0.01 s: differences exact)', () => {
  /** Established; the client sends 100 bytes at 0.1 s and resends them at each of `rtx`. */
  function resending(rtx: number[]): Wire {
    const w = wireAt(0.01);
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.01 });
    w.c('.', 0, { dt: 0.01 });
    w.c('P.', 100, { dt: 0.1 - w.t });
    for (const t of rtx) {
      w.t = t;
      w.c('P.', 100, { dt: 0, seq: 1001 });
    }
    return w;
  }

  it('resends 0.2 s apart (at 0.2 and 0.4), then silence to 5 s: gave up, CLOSED (inferred)', () => {
    const w = resending([0.2, 0.4]);
    w.tracker.finish(5);
    expect(w.states()[0]).toBe('CLOSED');
    expect(w.conn.transitions.at(-1)?.cause).toBe(
      'stopped resending unacknowledged data: gave up (retries exhausted or TCP_USER_TIMEOUT)',
    );
    expect(w.conn.transitions.at(-1)?.t).toBe(0.8);
  });

  it('resends 0.1 s apart: too close to be a backoff, nothing inferred', () => {
    const w = resending([0.2, 0.3]);
    w.tracker.finish(5);
    expect(w.states()[0]).toBe('ESTABLISHED');
  });

  it('a single resend: no interval to measure, nothing inferred', () => {
    const w = resending([0.2]);
    w.tracker.finish(5);
    expect(w.states()[0]).toBe('ESTABLISHED');
  });
});

describe('FIN_WAIT_2 at the end of the capture', () => {
  /** The client in FIN_WAIT_2 (the server's ACK of its FIN settled); returns since when. */
  function finWait2(w: Wire): number {
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.c('F.', 0, { dt: 1 });
    w.s('.', 0, { dt: 0.25 });
    w.tracker.advance(w.t + 2);
    expect(w.states()[0]).toBe('FIN_WAIT_2');
    return w.conn.client.stateSince;
  }

  it('exactly 60 s after it began: still taken as there', () => {
    const w = wireAt(T);
    const since = finWait2(w);
    w.tracker.finish(since + 60);
    w.tracker.conclude(since + 60);
    expect(w.states()[0]).toBe('FIN_WAIT_2');
    expect(w.conn.client.stateInferred).toBe(false);
  });

  it('past 60 s, silent since: inferred (an orphan would be gone)', () => {
    const w = wireAt(T);
    const since = finWait2(w);
    w.tracker.finish(since + 61);
    w.tracker.conclude(since + 61);
    expect(w.conn.client.stateInferred).toBe(true);
  });

  it('past 60 s, its last segment exactly at 60 s: inferred', () => {
    const w = wireAt(T);
    const since = finWait2(w);
    w.t = since + 60;
    w.c('.', 0, { dt: 0 });
    w.tracker.finish(since + 100);
    w.tracker.conclude(since + 100);
    expect(w.conn.client.stateInferred).toBe(true);
  });

  it('past 60 s, heard from after 60 s: not inferred', () => {
    const w = wireAt(T);
    const since = finWait2(w);
    w.t = since + 61;
    w.c('.', 0, { dt: 0 });
    w.tracker.finish(since + 100);
    w.tracker.conclude(since + 100);
    expect(w.conn.client.stateInferred).toBe(false);
  });
});

describe('an established endpoint silent for longer than 60 s', () => {
  it('is not inferred: the 60 s limit is FIN_WAIT_2’s only', () => {
    const w = wireAt(T);
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.s('P.', 10, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.tracker.finish(T + 100);
    w.tracker.conclude(T + 100);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.client.stateInferred).toBe(false);
  });
});
