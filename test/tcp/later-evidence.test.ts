/**
 * What an endpoint did next says about what reached it before (issue 19,
 * found by the simulator oracle, test/sim/): each rule of
 * Deliveries/StateMachine on a minimal ladder.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';
import { must } from '../../src/model/checked.js';

/** The capture missed a segment of `side` taking `n` sequence numbers; its peer got it. */
function missed(w: Wire, side: 0 | 1, n: number): void {
  const me = w.side[side];
  const peer = must(w.side[1 - side], 'w.side[1 - side]');
  me.nxt = (me.nxt + n) >>> 0;
  peer.rcvd = me.nxt;
  peer.hasRcvd = true;
}

/** The server's SYN-ACK was never captured (a one-way capture of the client's side). */
function uncapturedSynAck(w: Wire): void {
  w.side[1].nxt = w.side[1].isn + 1;
  w.side[0].rcvd = w.side[1].isn + 1;
  w.side[0].hasRcvd = true;
}

describe('a passive close read from the ACK one past the data, then a FIN', () => {
  it('two-way capture that missed the server FIN: the client went CLOSE_WAIT -> LAST_ACK, not FIN_WAIT_1', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.s('P.', 100);
    w.c('.');
    missed(w, 1, 1); // the server's FIN
    w.c('.', 0, { dt: 0.01 }); // one past the data
    w.c('F.', 0, { dt: 0.001 });
    expect(w.timeline().slice(-4)).toEqual([
      'server:ESTABLISHED>FIN_WAIT_1',
      'client:ESTABLISHED>CLOSE_WAIT',
      'server:FIN_WAIT_1>FIN_WAIT_2',
      'client:CLOSE_WAIT>LAST_ACK',
    ]);
    const tr = w.conn.transitions;
    expect(tr.at(-2)?.inferred).toBe(true);
    expect(tr.at(-1)?.inferred ?? false).toBe(false);
  });

  it('one byte of data one past (its ACK then no FIN of the acknowledger) is no FIN', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.s('P.', 100);
    missed(w, 1, 1);
    w.c('.', 0, { dt: 0.01 });
    w.c('P.', 10); // data, not a close
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('a FIN whose ACK acknowledges nothing new after an ordinary advance (more than one) is the first close', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.s('P.', 100);
    missed(w, 1, 100); // 100 bytes not captured
    w.c('.', 0, { dt: 0.01 });
    w.c('F.');
    expect(w.states()).toEqual(['FIN_WAIT_1', 'ESTABLISHED']);
  });
});

describe("one-way capture: the seen side's repeated ACK of the SYN-ACK", () => {
  it('the same ACK again a SYN-ACK timer later: the server resent its SYN-ACK, the first ACK was lost', () => {
    const w = new Wire();
    w.c('S');
    uncapturedSynAck(w);
    w.c('.', 0, { dt: 0.02 });
    w.c('.', 0, { dt: 1 }); // answers the resent SYN-ACK
    w.c('.', 0, { dt: 2 });
    w.tracker.finish(w.t);
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
  });

  it('without a repeat, the ACK is taken as delivered (inferred)', () => {
    const w = new Wire();
    w.c('S');
    uncapturedSynAck(w);
    w.c('.', 0, { dt: 0.02 });
    w.c('P.', 10, { dt: 0.01 });
    w.tracker.finish(w.t + 5);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.evidence()[1]).toBe('inferred');
  });

  it('a copy a moment later (under half a second) is no resend', () => {
    const w = new Wire();
    w.c('S');
    uncapturedSynAck(w);
    w.c('.', 0, { dt: 0.02 });
    w.c('.', 0, { dt: 0.1 });
    w.tracker.finish(w.t + 5);
    expect(w.states()[1]).toBe('ESTABLISHED');
  });
});

describe('simultaneous open: a SYN-ACK proves the peer SYN arrived, not its SYN-ACK', () => {
  it('a bare SYN lost after the capture point, the SYN-ACK after it arrived: its receiver went SYN_SENT -> ESTABLISHED', () => {
    const w = new Wire();
    w.c('S', 0, { lost: true });
    w.s('S');
    w.c('S.'); // the client got the server's SYN
    w.s('.'); // an ACK, not a SYN-ACK: the server never got the bare SYN
    expect(w.timeline()).toContain('server:SYN_SENT>ESTABLISHED');
    expect(w.timeline()).not.toContain('server:SYN_SENT>SYN_RECEIVED');
  });

  it("a SYN-ACK after the peer's SYN-ACK was captured: the peer's had not arrived (both SYN_RECEIVED)", () => {
    const w = new Wire();
    w.c('S');
    w.s('S');
    w.c('S.');
    w.s('S.');
    expect(w.states()).toEqual(['SYN_RECEIVED', 'SYN_RECEIVED']);
    w.s('.');
    expect(w.states()[1]).toBe('ESTABLISHED');
  });
});

describe('a RST taken as received that had not reached its endpoint', () => {
  it("the server's SYN-ACK again right after the client's RST: it left first; no new SYN_RECEIVED, the RST's arrival after it", () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.02 });
    w.c('R', 0, { dt: 0.0001 });
    const rst = w.t;
    w.s('S.', 0, { seq: 5000, dt: 0.0001 });
    expect(w.timeline()).toEqual([
      'client:CLOSED>SYN_SENT',
      'server:CLOSED>SYN_RECEIVED',
      'client:SYN_SENT>CLOSED',
      'server:SYN_RECEIVED>CLOSED',
    ]);
    expect(w.conn.server.stateSince).toBeGreaterThan(rst);
  });

  it('its SYN again on the retransmission timer (1 s): the RST was lost, the same connection, still SYN_SENT', () => {
    const w = new Wire();
    w.c('S');
    w.s('R.', 0, { ack: 1001, dt: 0.01 });
    w.c('S', 0, { seq: 1000, dt: 1 });
    expect(w.tracker.conns.length).toBe(1);
    expect(w.states()[0]).toBe('SYN_SENT');
  });

  it('its SYN again 0.5 s after the RST (Windows retrying a refused connect): a new attempt', () => {
    const w = new Wire();
    w.c('S');
    w.s('R.', 0, { ack: 1001, dt: 0.05 });
    w.c('S', 0, { seq: 1000, dt: 0.5 });
    expect(w.tracker.conns.length).toBe(2);
  });

  it('its own RST that answers nothing, later: an abort by a socket still in SYN_RECEIVED', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.0004 });
    w.c('R', 0, { dt: 0.0001 }); // lost after the capture point
    w.s('R.', 0, { dt: 0.2 });
    expect(w.timeline().slice(-2)).toEqual(['client:SYN_SENT>CLOSED', 'server:SYN_RECEIVED>CLOSED']);
    expect(w.conn.server.stateSince).toBe(w.t);
  });
});

describe('a simultaneous close seen a little off the endpoint next to the capture point', () => {
  it("the server's FIN does not acknowledge the client's FIN taken as received: its CLOSE_WAIT is undone (FIN_WAIT_1 -> CLOSING)", () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.0002 }); // SYN to SYN-ACK short: next to the server
    w.c('.', 0, { dt: 0.05 });
    w.s('P.', 10);
    w.c('.', 0, { dt: 0.05 });
    expect(w.conn.nearSide).toBe(1);
    w.c('F.', 0, { dt: 1 });
    expect(w.states()[1]).toBe('CLOSE_WAIT');
    w.s('F.', 0, { ack: w.side[0].nxt - 1, dt: 0.0005 }); // sent before the client's FIN arrived
    expect(w.states()[1]).toBe('FIN_WAIT_1');
    w.s('.', 0, { dt: 0.0005 });
    expect(w.timeline().filter((x) => x.startsWith('server:'))).toEqual([
      'server:CLOSED>SYN_RECEIVED',
      'server:SYN_RECEIVED>ESTABLISHED',
      'server:ESTABLISHED>FIN_WAIT_1',
      'server:FIN_WAIT_1>CLOSING',
    ]);
  });

  it('a FIN that acknowledges it is a passive close (LAST_ACK)', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.0002 });
    w.c('.', 0, { dt: 0.05 });
    w.s('P.', 10);
    w.c('.', 0, { dt: 0.05 });
    w.c('F.', 0, { dt: 1 });
    w.s('F.', 0, { dt: 0.0005 });
    expect(w.states()[1]).toBe('LAST_ACK');
  });
});

describe("a host's RST answering a FIN that met no connection", () => {
  it("a RST without ACK at the FIN's acknowledgement, next to the client: an abort the capture missed closed it; no CLOSE_WAIT", () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.02 });
    w.c('.', 0, { dt: 0.0002 }); // SYN-ACK to ACK short: next to the client
    expect(w.conn.nearSide).toBe(0);
    w.s('F.', 0, { dt: 0.5 });
    w.c('R', 0, { seq: w.side[0].nxt, dt: 0.0001 });
    expect(w.timeline().filter((x) => x.startsWith('client:'))).toEqual([
      'client:CLOSED>SYN_SENT',
      'client:SYN_SENT>ESTABLISHED',
      'client:ESTABLISHED>CLOSED',
    ]);
  });

  it('a RST with ACK after the FIN is an abort from CLOSE_WAIT', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.02 });
    w.c('.', 0, { dt: 0.0002 });
    w.s('F.', 0, { dt: 0.5 });
    w.c('R.', 0, { dt: 0.0001 });
    expect(w.timeline()).toContain('client:ESTABLISHED>CLOSE_WAIT');
    expect(w.timeline()).toContain('client:CLOSE_WAIT>CLOSED');
  });
});

describe('an acknowledgement taken as received next to its receiver, lost after the capture point', () => {
  it('the server resends its SYN-ACK: the final ACK was lost, it is back in SYN_RECEIVED until the next ACK', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.0002 }); // next to the server
    w.c('.', 0, { dt: 0.05 });
    expect(w.states()[1]).toBe('ESTABLISHED');
    w.s('S.', 0, { seq: 5000, dt: 1 });
    expect(w.states()[1]).toBe('SYN_RECEIVED');
    w.c('.', 0, { dt: 0.05 });
    expect(w.states()[1]).toBe('ESTABLISHED');
    expect(w.timeline().filter((x) => x.startsWith('server:'))).toEqual([
      'server:CLOSED>SYN_RECEIVED',
      'server:SYN_RECEIVED>ESTABLISHED',
    ]);
  });

  it('the server resends its FIN from FIN_WAIT_2: the ACK of it was lost, it is back in FIN_WAIT_1', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.0002 });
    w.c('.', 0, { dt: 0.05 });
    w.s('F.', 0, { dt: 1 });
    w.c('.', 0, { dt: 0.05 });
    expect(w.states()[1]).toBe('FIN_WAIT_2');
    w.s('F.', 0, { seq: w.side[1].nxt - 1, dt: 0.3 });
    expect(w.states()[1]).toBe('FIN_WAIT_1');
  });
});

describe('a SYN-ACK again right after the final ACK was captured', () => {
  /** Handshake with a round trip of 10 ms to the server; the server's SYN-ACK again `dt` after the client's ACK. */
  function again(dt: number): Wire {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.01 });
    w.c('.', 0, { dt: 0.0001 });
    w.s('S.', 0, { dt, seq: w.side[1].isn });
    w.settle();
    return w;
  }

  it('sooner than a round trip to the server: it crossed the ACK (an answer to a repeated SYN), which is not lost', () => {
    const w = again(0.001);
    expect(w.states()[1]).toBe('ESTABLISHED');
    const last = w.conn.transitions.filter((r) => r.side === 1).at(-1);
    expect(last?.cause).toBe('received ACK of its SYN');
  });

  it('a round trip or more later: the ACK was lost on the way', () => {
    const w = again(1);
    const causes = w.conn.transitions.filter((r) => r.side === 1).map((r) => r.cause);
    expect(causes).not.toContain('received ACK of its SYN');
  });
});
