/**
 * Edge cases of src/tcp/state-machine.ts that its other tests leave open:
 * a RST from SYN_SENT that answers a stray ACK (RFC 9293 3.10.7.3) against
 * one that aborts; whether an implied step counts as proven; which ACKs
 * from SYN_SENT prove a SYN-ACK; RST acceptance with no acknowledgement
 * from the receiver; the cause of leaving TIME_WAIT; a RST received next
 * to the capture point; establishedTs when the server is seen established
 * first.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';
import { must } from '../../src/model/checked.js';

const T0 = 1_700_000_000;

const lastInfo = (w: Wire) => must(w.rec.segments.at(-1), 'w.rec.segments.at(-1)').info;

describe('a RST from a client in SYN_SENT', () => {
  /** SYN (ISN 1000); a stray bare ACK from the server (of 777777, not ISN + 1); then the client's RST at `seq`. */
  function strayAckThenRst(seq: number, flags = 'R'): Wire {
    const w = new Wire();
    w.c('S');
    w.s('.', 0, { seq: 5001, ack: 777777 });
    w.c(flags, 0, { seq });
    return w;
  }
  it("at exactly the server's ACK (777777) answers that ACK: acceptable, and the client stays in SYN_SENT", () => {
    const w = strayAckThenRst(777777);
    expect(lastInfo(w).rstAcceptable).toBe(true);
    expect(w.states()[0]).toBe('SYN_SENT');
    expect(w.timeline().filter((s) => s.startsWith('client'))).toEqual(['client:CLOSED>SYN_SENT']);
  });
  it('at its own next sequence number (1001) aborts the attempt: the client CLOSED', () => {
    const w = strayAckThenRst(1001);
    expect(w.states()[0]).toBe('CLOSED');
  });
  it('with the ACK flag, at the same 777777: an abort, the client CLOSED', () => {
    const w = strayAckThenRst(777777, 'R.');
    expect(w.states()[0]).toBe('CLOSED');
  });
  it('with sequence number 0 and nothing from the server: the client CLOSED', () => {
    const w = new Wire();
    w.c('S');
    w.c('R', 0, { seq: 0 });
    expect(w.states()[0]).toBe('CLOSED');
  });
});

describe('an implied step that the capture nonetheless proves ("seen")', () => {
  it('a client ACK of the server ISN + 1 from SYN_SENT (SYN-ACK not captured): ESTABLISHED, seen', () => {
    const w = new Wire();
    w.c('S');
    w.c('.', 0, { ack: 5001 });
    expect(w.states()[0]).toBe('ESTABLISHED');
    expect(w.evidence()[0]).toBe('seen');
  });
});

describe('what from SYN_SENT proves a SYN-ACK reached the client', () => {
  it('data without the ACK flag does not: the client stays in SYN_SENT', () => {
    const w = new Wire();
    w.c('S');
    w.c('P', 10);
    expect(w.states()[0]).toBe('SYN_SENT');
  });
  it("an ACK of the server's ISN itself (5000, not 5001) after a captured SYN-ACK does not", () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { ack: 999 });
    w.c('.', 0, { ack: 5000 });
    expect(w.states()[0]).toBe('SYN_SENT');
  });
  it('an ACK of 5001 after a captured SYN-ACK the client could not take (it acknowledged 999): ESTABLISHED, no capture gap', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { ack: 999 });
    w.c('.', 0, { ack: 5001 });
    expect(w.states()[0]).toBe('ESTABLISHED');
    expect(w.conn.captureGaps).toBe(0);
  });
});

describe('RST acceptance toward a receiver that never acknowledged anything', () => {
  it('picked up mid-stream, a server that never sent: a client RST 100 kB below its next sequence number is not acceptable', () => {
    const w = new Wire();
    w.c('P.', 100);
    w.c('P.', 100);
    w.c('R', 0, { seq: (w.side[0].nxt - 100_000) >>> 0 });
    expect(lastInfo(w).rstAcceptable).toBe(false);
    expect(w.states()[1]).toBe('ESTABLISHED');
  });
});

describe('leaving TIME_WAIT', () => {
  it('at the end of 2 MSL: the cause is the timer, not a restart', () => {
    const w = new Wire({ msl: 1 });
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.settle(3);
    const rec = must(
      w.conn.transitions.filter((r) => r.side === 0).at(-1),
      'w.conn.transitions.filter((r) => r.side === 0)....',
    );
    expect(
      w
        .timeline()
        .filter((s) => s.startsWith('client'))
        .at(-1),
    ).toBe('client:TIME_WAIT>CLOSED');
    expect(rec.cause).not.toMatch(/restarted/);
  });
});

describe('a RST received by the endpoint the capture is next to', () => {
  it('the client (SYN-ACK 50 ms after the SYN, the ACK at once): its CLOSED is not inferred', () => {
    const w = new Wire();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.05 });
    w.c('.', 0, { dt: 0.0001 });
    expect(w.conn.nearSide).toBe(0);
    w.s('R.', 0, { dt: 0.1 });
    const last = must(w.conn.transitions.at(-1), 'w.conn.transitions.at(-1)');
    expect([w.timeline().at(-1), last.inferred]).toEqual(['client:ESTABLISHED>CLOSED', false]);
  });
});

describe('establishedTs: the first moment either endpoint is ESTABLISHED', () => {
  /** SYN at T0, SYN-ACK at T0 + 0.1, then `rest`; settled. */
  function handshake(rest: (w: Wire) => void): number {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.1 });
    rest(w);
    w.settle(3);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    return w.conn.establishedTs - T0;
  }
  it('the final ACK at T0 + 0.2, server data at T0 + 0.3: T0 + 0.2 (the server taking the ACK later moves nothing)', () => {
    const t = handshake((w) => {
      w.c('.', 0, { dt: 0.1 });
      w.s('P.', 10, { dt: 0.1 });
    });
    expect(t).toBeCloseTo(0.2, 5);
  });
  it('final ACK not captured, server data at T0 + 0.2, the client ACKs it at T0 + 0.3: T0 + 0.2 (the server first)', () => {
    const t = handshake((w) => {
      w.s('P.', 10, { dt: 0.1 });
      w.c('.', 0, { dt: 0.1 });
    });
    expect(t).toBeCloseTo(0.2, 5);
  });
  it('the SYN-ACK resent after the final ACK and acknowledged again: still T0 + 0.2', () => {
    const t = handshake((w) => {
      w.c('.', 0, { dt: 0.1 });
      w.s('S.', 0, { dt: 0.1, seq: 5000 });
      w.c('.', 0, { dt: 0.05 });
    });
    expect(t).toBeCloseTo(0.2, 5);
  });
});
