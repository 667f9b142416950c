/**
 * What src/tcp/state-machine.ts records for the steps a capture implies
 * without showing them, and for a few edge cases of RST acceptance: each
 * transition's cause, whether it is marked inferred, the endpoint's evidence
 * afterwards, establishedTs and captureGaps.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';
import { at, must } from '../../src/model/checked.js';

const T0 = 1_700_000_000;
const EPS = 1 / 128;

/** "side:FROM>TO [cause]" for each transition of the newest connection, "inferred" before the cause when so marked. */
function steps(w: Wire): string[] {
  return w.timeline().map((s, i) => {
    const r = at(w.conn.transitions, i);
    return `${s}${r.inferred ? ' inferred' : ''} [${r.cause}]`;
  });
}

describe('a retransmitted FIN in TIME_WAIT', () => {
  it('restarts TIME_WAIT with its own cause; seen in the capture, the client stays "seen"', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.s('F.', 0, { seq: w.side[1].nxt - 1 });
    w.c('.');
    expect(steps(w).slice(-2)).toEqual([
      'client:FIN_WAIT_2>TIME_WAIT [received FIN]',
      'client:TIME_WAIT>TIME_WAIT [received a retransmitted FIN: TIME_WAIT restarted]',
    ]);
    expect(w.evidence()[0]).toBe('seen');
  });
});

describe('a server in SYN_RECEIVED that sends without SYN (the final ACK not captured)', () => {
  it('a bare ACK: ESTABLISHED, inferred, with its cause; the server "seen"; established at that ACK', () => {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: EPS });
    w.s('.', 0, { dt: EPS });
    expect(steps(w)).toEqual([
      'client:CLOSED>SYN_SENT [sent SYN]',
      'server:CLOSED>SYN_RECEIVED [sent SYN-ACK]',
      'server:SYN_RECEIVED>ESTABLISHED inferred [sent a segment without SYN: the final ACK reached it (not captured)]',
    ]);
    expect(w.evidence()[1]).toBe('seen');
    expect(w.conn.establishedTs).toBe(T0 + 2 * EPS);
  });
  it('a FIN from the passive opener: through ESTABLISHED to FIN_WAIT_1', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.s('F.');
    expect(w.timeline().slice(-2)).toEqual([
      'server:SYN_RECEIVED>ESTABLISHED',
      'server:ESTABLISHED>FIN_WAIT_1',
    ]);
  });
});

describe('a client ACK in SYN_SENT proves a SYN-ACK the capture missed', () => {
  it('ESTABLISHED, inferred, with its cause; one capture gap; established at that ACK', () => {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    // The server's SYN-ACK (ISN 5000) happens off the capture.
    w.side[1].nxt = 5001;
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.', 0, { dt: EPS });
    expect(steps(w)).toEqual([
      'client:CLOSED>SYN_SENT [sent SYN]',
      'client:SYN_SENT>ESTABLISHED inferred [received SYN-ACK (not captured; its ACK proves it)]',
      'server:CLOSED>SYN_RECEIVED inferred [sent SYN-ACK (not captured; the ACK of its SYN proves it)]',
    ]);
    expect(w.conn.captureGaps).toBe(1);
    expect(w.conn.establishedTs).toBe(T0 + EPS);
  });
  it('with the SYN-ACK captured: no capture gap', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    expect(w.conn.captureGaps).toBe(0);
  });
});

describe('a SYN-ACK whose SYN was not captured', () => {
  it("the client's SYN is inferred from it, its ISN from the SYN-ACK's ACK, and the client reaches ESTABLISHED", () => {
    const w = new Wire();
    // The client's SYN (ISN 1000) happens off the capture.
    w.side[0].nxt = 1001;
    w.s('S.', 0, { ack: 1001 });
    w.c('.');
    expect(steps(w).slice(0, 3)).toEqual([
      'server:CLOSED>SYN_RECEIVED [sent SYN-ACK]',
      'client:CLOSED>SYN_SENT inferred [sent SYN (not captured; inferred from the SYN-ACK)]',
      'client:SYN_SENT>ESTABLISHED [received SYN-ACK]',
    ]);
    expect(w.conn.client.isn).toBe(1000);
  });
  it('a SYN-ACK that acknowledges something else leaves the client in SYN_SENT', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { ack: 1005 });
    expect(w.states()[0]).toBe('SYN_SENT');
  });
});

describe('SYN cookies: the server rebuilt from the cookie in the ACK', () => {
  it('a server that answered each SYN once is rebuilt through SYN_RECEIVED (inferred) when it sends data, once', () => {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: EPS, lost: true });
    w.c('S', 0, { dt: 1 });
    w.s('S.', 0, { dt: EPS, lost: true });
    w.c('S', 0, { dt: 1 });
    w.s('S.', 0, { dt: EPS });
    w.c('.');
    w.s('P.', 10);
    // The SYN_RECEIVED it never held is taken out of its story (main f1a780f): the rebuild is all it shows.
    expect(steps(w).filter((s) => s.startsWith('server'))).toEqual([
      'server:CLOSED>SYN_RECEIVED inferred [rebuilt its connection from the SYN cookie in the ACK]',
      'server:SYN_RECEIVED>ESTABLISHED [sent a segment without SYN: the SYN cookie was accepted]',
    ]);
    expect(w.conn.server.stateless).toBe(false);
    expect(w.tracker.unexpected).toBe(0);
    w.s('P.', 10);
    expect(w.conn.transitions).toHaveLength(4);
    expect(w.tracker.unexpected).toBe(0);
  });
});

describe('RST acceptance toward CLOSED and TIME_WAIT', () => {
  /** The client closes first; the server is CLOSED once its last ACK settled. */
  function clientInTimeWait(): Wire {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.settle(3);
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    return w;
  }
  it('a RST from TIME_WAIT toward a CLOSED peer is taken whatever its sequence number: the client CLOSED', () => {
    const w = clientInTimeWait();
    w.c('R', 0, { seq: (w.side[0].nxt - 100_000) >>> 0 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(w.timeline().at(-1)).toBe('client:TIME_WAIT>CLOSED');
  });
  /** The server closes first and is in TIME_WAIT; the client sends a RST `off` from the server's next expected. */
  function rstToServerTimeWait(off: number): Wire {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.s('F.');
    w.c('F.');
    w.s('.');
    w.settle(3);
    expect(w.states()).toEqual(['CLOSED', 'TIME_WAIT']);
    w.c('R', 0, { seq: (w.side[0].nxt + off) >>> 0 });
    return w;
  }
  it('a RST 100 kB below the window of a server in TIME_WAIT is not acceptable: TIME_WAIT kept', () => {
    expect(rstToServerTimeWait(-100_000).states()[1]).toBe('TIME_WAIT');
  });
  it('a RST at the next expected sequence number closes the TIME_WAIT server', () => {
    expect(rstToServerTimeWait(0).states()[1]).toBe('CLOSED');
  });
});

describe('an active opener in SYN_RECEIVED (simultaneous open) that sends without SYN', () => {
  /** Both sent a SYN; the server answered the client's with a SYN-ACK (SYN_SENT -> SYN_RECEIVED), then sends `flags`. */
  function simultaneous(flags: string, len: number): string[] {
    const w = new Wire();
    w.c('S');
    w.s('S');
    w.s('S.', 0, { seq: 5000 });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.s(flags, len);
    return w.timeline().slice(3);
  }
  it('a bare ACK: only an ESTABLISHED endpoint sends one', () => {
    expect(simultaneous('.', 0)).toEqual(['server:SYN_RECEIVED>ESTABLISHED']);
  });
  it('data: only an ESTABLISHED endpoint sends it', () => {
    expect(simultaneous('P.', 10)).toEqual(['server:SYN_RECEIVED>ESTABLISHED']);
  });
  it('a bare FIN: its application may close before the handshake completed, straight to FIN_WAIT_1', () => {
    expect(simultaneous('F.', 0)).toEqual(['server:SYN_RECEIVED>FIN_WAIT_1']);
  });
  it('data with a FIN: through ESTABLISHED', () => {
    expect(simultaneous('FP.', 10)).toEqual([
      'server:SYN_RECEIVED>ESTABLISHED',
      'server:ESTABLISHED>FIN_WAIT_1',
    ]);
  });
});

describe('events a correct TCP does not send in its state are counted (Tracker.unexpected)', () => {
  it('a whole connection with repeated ACKs: none', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('P.', 10);
    w.s('.');
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.c('.');
    w.s('.');
    expect(w.states()).toEqual(['TIME_WAIT', 'LAST_ACK']);
    expect(w.tracker.unexpected).toBe(0);
  });
  it('a SYN-ACK resent by a server already in FIN_WAIT_1: one, and no state change', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.s('F.');
    expect(w.tracker.unexpected).toBe(0);
    w.s('S.', 0, { seq: 5000 });
    expect(w.tracker.unexpected).toBe(1);
    expect(w.states()).toEqual(['SYN_SENT', 'FIN_WAIT_1']);
  });
});

describe('the final ACK of the handshake', () => {
  it('an ACK of the server ISN itself (not ISN + 1) does not complete it: the server stays in SYN_RECEIVED', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.', 0, { ack: 5000 });
    w.settle(3); // past the settle delay: the ACK is taken as delivered
    expect(w.states()[1]).toBe('SYN_RECEIVED');
  });
});

describe('the receipt of a RST', () => {
  it('toward an endpoint the capture is not known to be next to: inferred', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('P.', 10);
    w.s('.');
    w.c('R.');
    const last = must(w.conn.transitions.at(-1), 'w.conn.transitions.at(-1)');
    expect([w.timeline().at(-1), last.cause, last.inferred]).toEqual([
      'server:ESTABLISHED>CLOSED',
      'received RST',
      true,
    ]);
  });
});
