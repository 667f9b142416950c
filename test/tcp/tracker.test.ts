/**
 * The tracker, scenario by scenario, built from segment templates (wire.ts).
 *
 * The capture is one vantage point (SPEC.md "Evidence, vantage point and
 * capture quality"): a segment changes its sender's state when it is
 * captured, and its receiver's only when the receiver shows it got it (its
 * ACK, a segment that can only follow it), or, for a bare ACK that nothing
 * acknowledges, when the receiver stays silent past the time it would have
 * resent what the ACK answers (`settle()`). The Wire's segments are 1 ms
 * apart, so the handshake's timing does not say where the capture point is
 * (vantage unknown) unless a test makes it.
 */
import { describe, expect, it } from 'vitest';
import { Vantage } from '../../src/tcp/connection.js';
import { isLegalTransition } from '../../src/tcp/transitions.js';
import { Wire } from './wire.js';
import { at, must } from '../../src/model/checked.js';

function handshake(w: Wire): void {
  w.c('S');
  w.s('S.');
  w.c('.');
}

/** A handshake whose timing puts the capture point next to the client (the SYN-ACK a round trip after the SYN, the ACK at once). */
function handshakeNearClient(w: Wire): void {
  w.c('S');
  w.s('S.', 0, { dt: 0.05 });
  w.c('.', 0, { dt: 0.0001 });
}

/** Every recorded change is one a TCP can make (RFC 9293 section 3.3.2). */
function expectLegal(w: Wire): void {
  for (const c of w.tracker.conns) {
    for (const r of c.transitions) expect(isLegalTransition(r.from, r.to), JSON.stringify(r)).toBe(true);
  }
}

describe('three-way handshake (RFC 9293 figure 6)', () => {
  it('walks both endpoints to ESTABLISHED, each when the evidence shows it', () => {
    const w = new Wire();
    w.c('S');
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    w.s('S.');
    // the SYN-ACK waits for the client's answer
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.c('.');
    // the client's ACK proves it got the SYN-ACK; nothing proves yet that the ACK arrived
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    w.settle();
    // the server did not resend its SYN-ACK: the ACK arrived (at its own time);
    // but a server that answered with a SYN cookie would not have resent it
    // either, and it has said nothing since: inferred
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    // ... half the capture point's round trip to the server after it was captured
    const toServer = (w.conn.synAckTs - w.conn.synTs) / 2;
    expect(w.conn.server.stateSince).toBeCloseTo(w.conn.ackTs + toServer, 6);
    expect(w.evidence()).toEqual(['seen', 'inferred']);
    expect(w.conn.roleInferred).toBe(false);
    expect(w.conn.establishedTs).toBeGreaterThan(w.conn.synTs);
    expectLegal(w);
  });

  it('a segment from the server proves the final ACK arrived, at that segment', () => {
    const w = new Wire();
    handshake(w);
    const data = w.s('P.', 10).ts;
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.server.stateSince).toBe(data);
    expect(w.evidence()).toEqual(['seen', 'seen']);
  });

  it("a FIN's ACK settles by the FIN sender's silence: it would have resent the FIN", () => {
    const w = new Wire();
    handshake(w);
    w.s('P.', 10);
    w.c('F.');
    w.s('.');
    w.settle();
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    expect(w.evidence()).toEqual(['seen', 'seen']);
  });

  it('the capture ends before the final ACK settled: taken as delivered, inferred', () => {
    const w = new Wire();
    handshake(w);
    w.tracker.finish(w.t + 0.1);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.evidence()).toEqual(['seen', 'inferred']);
    expect(must(w.conn.transitions.at(-1), 'w.conn.transitions.at(-1)').inferred).toBe(true);
  });

  it('counts SYN retransmissions without changing state', () => {
    const w = new Wire();
    w.c('S');
    w.c('S', 0, { dt: 1 });
    w.c('S', 0, { dt: 2 });
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    expect(w.conn.client.synRetransmissions).toBe(2);
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('a SYN-ACK resent after the final ACK was captured: the ACK was lost, and the server never went back', () => {
    const w = new Wire();
    handshake(w);
    w.s('S.', 0, { dt: 1 });
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    w.c('.');
    w.s('S.', 0, { dt: 2 });
    w.c('.');
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    // the server finally acts established (sends data)
    w.s('P.', 10);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.timeline().filter((x) => x.startsWith('server'))).toEqual([
      'server:CLOSED>SYN_RECEIVED',
      'server:SYN_RECEIVED>ESTABLISHED',
    ]);
    expectLegal(w);
  });

  it('SYN-ACK not captured: the client ACK proves it; the server went through SYN_RECEIVED (inferred)', () => {
    const v = new Wire();
    v.c('S');
    // the server's SYN-ACK (ISN 5000) happened but was not captured
    v.side[0].rcvd = 5001;
    v.side[0].hasRcvd = true;
    v.c('.');
    expect(v.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    v.settle();
    expect(v.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(v.conn.server.isn).toBe(5000);
    expect(v.conn.captureGaps).toBe(1);
    expect(v.conn.transitions.filter((r) => r.side === 1).map((r) => [r.to, r.inferred])).toEqual([
      [3, true], // SYN_RECEIVED: a step the capture did not show
      [4, true], // ESTABLISHED: the ACK's arrival, shown by the server's silence
    ]);
    expectLegal(v);
  });

  it('SYN not captured: the SYN-ACK sender is the server, roles inferred', () => {
    const w = new Wire();
    w.side[1].rcvd = 1001;
    w.side[1].hasRcvd = true;
    w.s('S.');
    expect(w.conn.roleInferred).toBe(true);
    expect(w.states()).toEqual(['CLOSED', 'SYN_RECEIVED']);
    w.c('.');
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    w.settle();
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.client.port).toBe(40000);
    expect(w.timeline().filter((x) => x.startsWith('client'))).toEqual([
      'client:CLOSED>SYN_SENT',
      'client:SYN_SENT>ESTABLISHED',
    ]);
    expectLegal(w);
  });
});

describe('vantage point', () => {
  it('next to the client: the SYN-ACK comes a round trip after the SYN, the ACK at once', () => {
    const w = new Wire();
    handshakeNearClient(w);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
    // what reaches the client is delivered when captured
    w.s('F.', 0, { dt: 0.05 });
    expect(w.states()[0]).toBe('CLOSE_WAIT');
  });

  it('next to the server: the SYN-ACK at once, the ACK a round trip later', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.0001 });
    w.c('.', 0, { dt: 0.05 });
    expect(w.conn.vantage).toBe(Vantage.SERVER);
    // the final ACK reached the server when captured
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.evidence()).toEqual(['seen', 'seen']);
  });

  it('on the path: both legs of the handshake take time', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.02 });
    w.c('.', 0, { dt: 0.03 });
    expect(w.conn.vantage).toBe(Vantage.PATH);
  });

  it('on the path, with the SYN lost past the capture point: timed from the SYN that was answered', () => {
    const w = new Wire();
    w.c('S');
    w.c('S', 0, { dt: 1 }); // the first one was lost beyond the capture point
    w.s('S.', 0, { dt: 0.02 });
    w.c('.', 0, { dt: 0.03 });
    expect(w.conn.vantage).toBe(Vantage.PATH);
    expect(w.conn.rttToServer).toBeCloseTo(0.02, 6);
  });

  it('on the path, with the SYN-ACK lost past the capture point: timed from the SYN-ACK that was answered', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.02, lost: true });
    w.s('S.', 0, { dt: 1 }); // the server's timer
    w.c('.', 0, { dt: 0.03 });
    expect(w.conn.vantage).toBe(Vantage.PATH);
    expect(w.conn.rttToClient).toBeCloseTo(0.03, 6);
  });
});

describe('simultaneous open (RFC 9293 figure 7)', () => {
  it('both sides pass SYN_SENT -> SYN_RECEIVED -> ESTABLISHED', () => {
    const w = new Wire({}, 5000, 6000);
    w.c('S');
    w.s('S'); // crossed: no ACK
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_SENT']);
    w.c('S.'); // the client got the server's SYN
    // The server got the client's SYN; its SYN-ACK shows it had not got the
    // client's SYN-ACK yet (that would have made it ESTABLISHED, and it would
    // have sent an ACK): the client's SYN-ACK still waits for proof.
    w.s('S.');
    expect(w.states()).toEqual(['SYN_RECEIVED', 'SYN_RECEIVED']);
    w.c('P.', 10); // the client acts established
    w.s('.');
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.client.synRetransmissions + w.conn.server.synRetransmissions).toBe(0);
    expect(w.timeline()).toEqual([
      'client:CLOSED>SYN_SENT',
      'server:CLOSED>SYN_SENT',
      'client:SYN_SENT>SYN_RECEIVED',
      'server:SYN_SENT>SYN_RECEIVED',
      'client:SYN_RECEIVED>ESTABLISHED',
      'server:SYN_RECEIVED>ESTABLISHED',
    ]);
    expectLegal(w);
  });

  it('gives no vantage point from its timing, and crossing FINs then run both sides through CLOSING', () => {
    // The simulator oracle's case (formerly the gap simultaneous-open-then-close):
    // captured next to the client, the server 1 ms away. The client's first FIN
    // "acknowledges" the server's SYN as a final ACK would; read as one, the
    // timing put the capture point next to the server, and the client's FIN was
    // taken as received at once.
    const w = new Wire({}, 5000, 6000);
    w.c('S', 0, { dt: 0 });
    w.s('S', 0, { dt: 0.0002 });
    w.c('S.', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.001 });
    w.c('F.', 0, { dt: 0.2 });
    w.s('F.', 0, { dt: 0.0012, ack: 1001 }); // sent before the client's FIN arrived
    w.s('.', 0, { dt: 0 });
    w.c('.', 0, { dt: 0 });
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
    w.settle();
    expect(w.timeline().filter((x) => x.startsWith('server'))).toEqual([
      'server:CLOSED>SYN_SENT',
      'server:SYN_SENT>SYN_RECEIVED',
      'server:SYN_RECEIVED>ESTABLISHED',
      'server:ESTABLISHED>FIN_WAIT_1',
      'server:FIN_WAIT_1>CLOSING',
      'server:CLOSING>TIME_WAIT',
    ]);
    expectLegal(w);
  });
});

describe('close', () => {
  it('four-way close initiated by the client (RFC 9293 figure 12)', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    w.c('F.');
    // the FIN waits for the server's ACK
    expect(w.states()).toEqual(['FIN_WAIT_1', 'ESTABLISHED']);
    w.s('.');
    expect(w.states()).toEqual(['FIN_WAIT_1', 'CLOSE_WAIT']);
    w.s('F.');
    expect(w.states()).toEqual(['FIN_WAIT_1', 'LAST_ACK']);
    w.c('.');
    // the client's ACK of the FIN proves both of the server's segments arrived, in order
    expect(w.states()).toEqual(['TIME_WAIT', 'LAST_ACK']);
    w.settle();
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(w.rec.ended).toHaveLength(1);
    expect(w.timeline().filter((x) => x.startsWith('client'))).toEqual([
      'client:CLOSED>SYN_SENT',
      'client:SYN_SENT>ESTABLISHED',
      'client:ESTABLISHED>FIN_WAIT_1',
      'client:FIN_WAIT_1>FIN_WAIT_2',
      'client:FIN_WAIT_2>TIME_WAIT',
    ]);
    expectLegal(w);
  });

  it('four-way close initiated by the server', () => {
    const w = new Wire();
    handshake(w);
    w.s('F.');
    w.c('.');
    w.c('F.');
    w.s('.');
    w.settle();
    expect(w.states()).toEqual(['CLOSED', 'TIME_WAIT']);
    expectLegal(w);
  });

  it('FIN that also acknowledges the peer FIN: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('F.'); // acks the client's FIN and closes (three-way close)
    expect(w.states()).toEqual(['FIN_WAIT_1', 'LAST_ACK']);
    w.c('.');
    expect(w.states()).toEqual(['TIME_WAIT', 'LAST_ACK']);
    w.settle();
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
  });

  it('simultaneous close: both go FIN_WAIT_1 -> CLOSING -> TIME_WAIT (figure 13), no story rewritten', () => {
    const w = new Wire();
    handshake(w);
    const clientAck = w.side[0].rcvd;
    w.c('F.');
    // the server's FIN crossed the client's: its ACK does not cover the client's FIN
    w.s('F.', 0, { ack: w.side[1].rcvd - 1 });
    expect(w.states()).toEqual(['FIN_WAIT_1', 'FIN_WAIT_1']);
    w.c('.', 0, { ack: clientAck + 1 });
    w.s('.');
    expect(w.states()).toEqual(['CLOSING', 'CLOSING']);
    w.settle();
    expect(w.states()).toEqual(['TIME_WAIT', 'TIME_WAIT']);
    for (const side of ['client', 'server']) {
      expect(w.timeline().filter((x) => x.startsWith(side))).toEqual([
        `${side}:CLOSED>${side === 'client' ? 'SYN_SENT' : 'SYN_RECEIVED'}`,
        `${side}:${side === 'client' ? 'SYN_SENT' : 'SYN_RECEIVED'}>ESTABLISHED`,
        `${side}:ESTABLISHED>FIN_WAIT_1`,
        `${side}:FIN_WAIT_1>CLOSING`,
        `${side}:CLOSING>TIME_WAIT`,
      ]);
    }
    expectLegal(w);
  });

  it('half-close: the server keeps sending after the client FIN', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('.');
    for (let i = 0; i < 5; i++) {
      w.s('P.', 1000);
      w.c('.');
    }
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    w.s('F.');
    w.c('.');
    w.settle();
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(w.conn.server.bytes).toBe(5000);
  });

  it('TIME_WAIT ends after 2 x MSL', () => {
    const w = new Wire({ msl: 1 });
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    expect(w.states()).toEqual(['TIME_WAIT', 'LAST_ACK']);
    w.tracker.advance(w.t + 1.9);
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    w.tracker.advance(w.t + 2.1);
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
  });

  it('a retransmitted FIN restarts TIME_WAIT', () => {
    const w = new Wire({ msl: 1 });
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.s('F.', 0, { seq: w.side[1].nxt - 1, dt: 1.5 });
    w.c('.');
    w.tracker.advance(w.t + 1.0);
    expect(w.states()[0]).toBe('TIME_WAIT');
    w.tracker.advance(w.t + 2.1);
    expect(w.states()[0]).toBe('CLOSED');
  });

  it('a FIN never acknowledged (lost after the capture point) leaves its receiver where it was', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    w.c('F.', 0, { lost: true });
    w.c('F.', 0, { seq: w.side[0].nxt - 1, dt: 0.3, lost: true });
    w.c('F.', 0, { seq: w.side[0].nxt - 1, dt: 0.6, lost: true });
    w.tracker.finish(w.t + 5);
    expect(w.states()).toEqual(['FIN_WAIT_1', 'ESTABLISHED']);
    expect(w.evidence()).toEqual(['seen', 'inferred']);
  });

  it('a FIN whose ACK the capture missed, never resent: acknowledged by a segment the capture lacks', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    w.c('F.');
    w.tracker.finish(w.t + 10);
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    expect(w.evidence()).toEqual(['inferred', 'inferred']);
    expect(w.conn.captureGaps).toBe(1);
  });

  it("the peer's FIN not captured, but acknowledged: it closed too (inferred)", () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    w.c('F.');
    w.s('.');
    // the server's FIN (seq = its next sequence number) was not captured
    w.side[0].rcvd += 1;
    w.side[1].nxt += 1;
    w.c('.');
    w.settle();
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(w.conn.captureGaps).toBe(1);
    expectLegal(w);
  });
});

describe('resets', () => {
  it('connection refused: RST,ACK answers the SYN', () => {
    const w = new Wire();
    w.c('S');
    w.s('R.', 0, { seq: 0 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(must(w.rec.segments.at(-1), 'w.rec.segments.at(-1)').info.rstAcceptable).toBe(true);
    expect(w.rec.ended).toHaveLength(1);
  });

  it('a RST whose ACK does not acknowledge the SYN is not acceptable in SYN_SENT', () => {
    const w = new Wire();
    w.c('S');
    w.s('R.', 0, { seq: 0, ack: 999 });
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
  });

  it.each([
    ['ESTABLISHED', []],
    ['FIN_WAIT_1', ['c:F.']],
    ['FIN_WAIT_2', ['c:F.', 's:.']],
    ['CLOSE_WAIT', ['s:F.']],
    ['LAST_ACK', ['s:F.', 'c:F.']],
  ])('RST in %s closes both sides', (_name, steps) => {
    const w = new Wire();
    handshake(w);
    for (const st of steps as string[]) {
      const [who, fl] = st.split(':') as ['c' | 's', string];
      w[who](fl);
    }
    w.s('R');
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    expectLegal(w);
  });

  it('RST in SYN_RECEIVED', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('R', 0, { seq: 1001 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
  });

  it('an out-of-window RST changes nothing, however far below the window', () => {
    for (const off of [10_000_000, -100_000]) {
      const w = new Wire();
      handshake(w);
      w.settle();
      w.s('R', 0, { seq: 5001 + off });
      expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
      expect(must(w.rec.segments.at(-1), 'w.rec.segments.at(-1)').info.rstAcceptable).toBe(false);
    }
  });

  it('RST kills TIME_WAIT (Linux, RFC 1337 not applied)', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.s('R', 0);
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
  });
});

describe('mid-stream pickup and role inference', () => {
  it('picks a connection up as ESTABLISHED through inferred handshake steps', () => {
    const w = new Wire();
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.side[1].rcvd = 1001;
    w.side[1].hasRcvd = true;
    w.side[0].nxt = 1001;
    w.side[1].nxt = 5001;
    w.s('P.', 100);
    expect(w.conn.midstream).toBe(true);
    expect(w.conn.roleInferred).toBe(true);
    // the well-known port 80 is the server even though it sent first
    expect(w.conn.server.port).toBe(80);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.evidence()).toEqual(['inferred', 'inferred']);
    expect(w.conn.transitions.every((r) => r.inferred)).toBe(true);
    w.c('F.');
    w.s('.');
    expect(w.states()).toEqual(['FIN_WAIT_1', 'CLOSE_WAIT']);
    expectLegal(w);
  });

  it('a capture that starts during the teardown says which reading it took', () => {
    const w = new Wire();
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.side[0].nxt = 1001;
    w.side[1].nxt = 5001;
    w.c('F.');
    expect(at(w.conn.transitions, 0).cause).toMatch(/during a teardown/);
    expect(w.states()).toEqual(['FIN_WAIT_1', 'ESTABLISHED']);
  });

  it('lower port is the server when neither is well known', () => {
    const w = new Wire({}, 50000, 8080);
    w.side[0].nxt = 1001;
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.');
    expect(w.conn.server.port).toBe(8080);
  });
});

describe('data accounting', () => {
  it('retransmission, keep-alive, duplicate ACK, zero window', () => {
    const w = new Wire();
    handshake(w);
    w.c('P.', 100);
    w.c('P.', 100, { seq: 1001, dt: 0.5 }); // resent
    expect(w.conn.client.retransmissions).toBe(1);
    w.s('.');
    // keep-alive: seq one below, after idling
    w.c('.', 0, { seq: w.side[0].nxt - 1, dt: 10 });
    expect(w.conn.client.keepAlives).toBe(1);
    expect(w.conn.client.retransmissions).toBe(1);
    w.s('.');
    // data in flight from the client, and the server repeats its ACK
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.s('.', 0, { ack: w.side[1].rcvd - 100 });
    w.s('.', 0, { ack: w.side[1].rcvd - 100 });
    expect(w.conn.server.dupAcks).toBe(1);
    w.s('.', 0, { win: 0 });
    expect(w.conn.server.zeroWindows).toBe(1);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('sequence numbers crossing 2^32', () => {
    const w = new Wire({}, 40000, 80, 0xffffff00, 0xfffffff0);
    handshake(w);
    for (let i = 0; i < 10; i++) {
      w.c('P.', 100);
      w.s('.');
    }
    expect(w.conn.client.retransmissions).toBe(0);
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.settle();
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
  });

  it('a hole acknowledged but never filled in the capture is a capture gap; one filled later is not', () => {
    const w = new Wire();
    handshake(w);
    w.c('P.', 100);
    w.side[0].nxt += 100; // 100 bytes sent, not captured
    w.c('P.', 100);
    w.s('.');
    expect(w.conn.captureGaps).toBe(1);
    const v = new Wire();
    handshake(v);
    v.c('P.', 100, { lost: true });
    v.c('P.', 100);
    v.c('P.', 100, { seq: 1001, dt: 0.3 }); // the hole filled by a retransmission
    v.s('.');
    expect(v.conn.captureGaps).toBe(0);
  });

  it('a FIN right after an ACK one lower is no duplicate (fields differing in the same bit do not cancel out)', () => {
    const w = new Wire();
    handshake(w);
    w.s('P.', 41); // the client's ACK becomes 5042
    w.c('.', 0, { tsVal: 7 });
    w.s('F.');
    w.c('F.', 0, { tsVal: 7 }); // ACK 5043 and FIN: one bit apart twice, 1 ms later
    expect(w.conn.duplicates).toBe(0);
    expect(w.states()[0]).toBe('LAST_ACK');
  });

  it('a frame captured twice is a duplicate, not a retransmission or a state event', () => {
    const w = new Wire();
    handshake(w);
    const seg = w.c('P.', 100, { tsVal: 777 });
    seg.ts += 0.0005;
    seg.frame++;
    w.tracker.segment(seg); // the same packet again, 0.5 ms later
    expect(w.conn.duplicates).toBe(1);
    expect(w.tracker.duplicates).toBe(1);
    expect(w.conn.client.retransmissions).toBe(0);
    expect(w.conn.client.packets).toBe(4); // SYN, ACK, the data and its copy
  });
});

describe('port reuse and incarnations', () => {
  it('a SYN on a closed 4-tuple starts a new connection, ending the TIME_WAIT', () => {
    const w = new Wire();
    handshake(w);
    w.s('F.');
    w.c('F.');
    w.s('.');
    w.settle();
    expect(w.states()).toEqual(['CLOSED', 'TIME_WAIT']);
    const first = w.conn;
    w.newIsn(0, 900_000);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.id).toBe(2);
    expect(w.states(first)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.rec.reuses).toHaveLength(1);
    expect(at(w.rec.reuses, 0).took).toBe(true);
    w.s('S.');
    w.c('.');
    w.settle();
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('a SYN with a new ISN after an unanswered handshake is a new attempt', () => {
    const w = new Wire();
    w.c('S');
    w.newIsn(0, 77_777);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
  });

  it('a SYN with a new ISN on an established 4-tuple: the old end was not captured; its sender let go, its peer when it accepts the SYN', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    const first = w.conn;
    w.newIsn(0, 123_456);
    w.c('S', 0, { dt: 30 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(first.endNotCaptured).toBe(true);
    expect(w.states(first)).toEqual(['CLOSED', 'ESTABLISHED']);
    w.s('S.');
    expect(w.states(first)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.evidence(first)).toEqual(['inferred', 'inferred']);
    expectLegal(w);
  });

  it('a SYN-ACK with a new ISN on an established 4-tuple (its SYN not captured): a new connection, the old end not captured', () => {
    const w = new Wire();
    handshake(w);
    w.s('F.');
    w.c('.');
    w.settle();
    const first = w.conn;
    expect(w.states(first)).toEqual(['CLOSE_WAIT', 'FIN_WAIT_2']);
    // The client's RST and its new SYN (ISN 50) are not in the capture.
    w.newIsn(1, 9_000_000);
    w.s('S.', 0, { dt: 20, ack: 51 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(first.endNotCaptured).toBe(true);
    expect(w.states(first)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.evidence(first)).toEqual(['inferred', 'inferred']);
    // (The SYN-ACK reaches the client when its ACK shows it: not yet.)
    expect(w.timeline()).toEqual(['server:CLOSED>SYN_RECEIVED']);
    expect(w.conn.server.isn).toBe(9_000_000);
    expectLegal(w);
  });

  it('a RST answering an ACK that missed the SYN leaves the client in SYN_SENT (RFC 9293 3.10.7.3)', () => {
    // A new SYN (lower ISN) meets the server's TIME_WAIT, which answers with an
    // ACK of the old connection; the client answers that with <SEQ=SEG.ACK><CTL=RST>
    // and resends its SYN a second later (the simulator oracle's case).
    const w = new Wire();
    w.c('S');
    w.s('.', 0, { ack: 777_777 });
    w.c('R', 0, { seq: 777_777 });
    expect(w.states()[0]).toBe('SYN_SENT');
    expect(w.timeline()).toEqual(['client:CLOSED>SYN_SENT']);
    w.c('S', 0, { dt: 1 });
    expect(w.states()[0]).toBe('SYN_SENT');
  });

  it('a RST from SYN_SENT that answers nothing (its own abort) closes it', () => {
    const w = new Wire();
    w.c('S');
    w.c('R', 0, { seq: 1001 });
    expect(w.states()[0]).toBe('CLOSED');
  });

  it('a SYN-ACK resent with its own ISN, or answering the SYN, stays in its connection', () => {
    const w = new Wire();
    handshake(w);
    w.s('S.', 0, { dt: 1, ack: 1001 }); // the server's SYN-ACK again (its ACK was lost)
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('data far outside the sequence space of a closed connection is another incarnation, not data after FIN', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.c('P.', 100, { seq: 1002 + 50_000_000, dt: 0.5 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.rec.segments.some((x) => x.info.dataAfterFin)).toBe(false);
    expect(w.conn.midstream).toBe(true);
  });

  it("data 64 KiB past the client's FIN (Linux's next ISN from a TIME_WAIT) is another incarnation, which took the TIME_WAIT over", () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    const first = w.conn;
    expect(w.states(first)).toEqual(['TIME_WAIT', 'LAST_ACK']);
    // Client ISN 1000: its FIN took 1001; the next incarnation starts at 1002 + 65535 + 2.
    w.c('P.', 100, { seq: 1002 + 65537 + 1, ack: 9_000_000, dt: 0.5 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.rec.segments.some((x) => x.info.dataAfterFin)).toBe(false);
    expect(w.states(first)[0]).toBe('CLOSED');
    expect(w.evidence(first)[0]).toBe('inferred');
    expectLegal(w);
  });

  it('an ACK beyond the peer FIN is another incarnation too', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.s('.', 0, { seq: 9_000_000, ack: 1002 + 65537 + 101, dt: 0.5 });
    expect(w.tracker.conns).toHaveLength(2);
  });

  it('data one past its FIN stays in the connection (data after FIN), and a FIN sent before the handshake splits nothing', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.c('P.', 10, { seq: 1002 });
    expect(w.tracker.conns).toHaveLength(1);
    expect(w.rec.segments.some((x) => x.info.dataAfterFin)).toBe(true);

    // A crafted FIN before the SYN-ACK (Suricata's bug-3286 evasion trace).
    const v = new Wire();
    v.c('S');
    v.s('F.', 0, { seq: 0, ack: 1001 });
    v.s('S.');
    v.c('.');
    v.c('P.', 100);
    expect(v.tracker.conns).toHaveLength(1);
  });
});

describe('evidence that a captured segment was not delivered, or was resent', () => {
  it('a SYN resent after the captured SYN-ACK: the SYN-ACK never reached the client, which never went ESTABLISHED', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { lost: true });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.c('S', 0, { dt: 1 });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.s('S.', 0, { lost: true });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.'); // one got through
    // The server had resent its SYN-ACK once: its next resend would come 2 s
    // later, so silence proves the ACK's arrival only after that (2.5 s).
    w.settle(3);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.timeline().filter((x) => x.startsWith('client'))).toEqual([
      'client:CLOSED>SYN_SENT',
      'client:SYN_SENT>ESTABLISHED',
    ]);
  });

  it('a RST answering the SYN-ACK: the client had given up in SYN_SENT', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 3, lost: true });
    w.c('R', 0, { seq: 1001 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(w.timeline().filter((x) => x.startsWith('client'))).toEqual([
      'client:CLOSED>SYN_SENT',
      'client:SYN_SENT>CLOSED',
    ]);
  });

  it("a hole filled after the receiver's duplicate ACKs is a retransmission however soon it comes", () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.01 });
    w.c('.', 0, { dt: 0.01 });
    w.s('P.', 1000, { lost: true });
    w.s('P.', 1000, { dt: 0.0001 });
    w.c('.', 0, { ack: 5001, dt: 0.0001 });
    w.s('P.', 1000, { dt: 0.0001 });
    w.c('.', 0, { ack: 5001, dt: 0.0001 });
    w.s('P.', 1000, { seq: 5001, dt: 0.0001 });
    expect(w.conn.server.retransmissions).toBe(1);
    expect(w.conn.server.outOfOrder).toBe(0);
  });

  it('a segment below the highest sequence, soon after it and unasked for, was reordered', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.01 });
    w.c('.', 0, { dt: 0.01 });
    w.s('P.', 1000, { lost: true });
    w.s('P.', 1000, { dt: 0.0001 });
    w.s('P.', 1000, { seq: 5001, dt: 0.0001 });
    expect(w.conn.server.outOfOrder).toBe(1);
    expect(w.conn.server.retransmissions).toBe(0);
  });

  it('a peer silent after the handshake keeps its last proven state; one that stops resending gave up', () => {
    const w = new Wire();
    handshake(w);
    w.c('P.', 100, { lost: true });
    for (const dt of [0.2, 0.4, 0.8, 1.6]) w.c('P.', 100, { seq: 1001, dt, lost: true });
    // the capture goes on (other traffic) well past the next retransmission (3.2 s later)
    w.tracker.finish(w.t + 10);
    expect(w.states()).toEqual(['CLOSED', 'ESTABLISHED']);
    expect(w.evidence()).toEqual(['inferred', 'inferred']);
    expect(must(w.conn.transitions.at(-1), 'w.conn.transitions.at(-1)').cause).toMatch(/gave up/);
    // ... while a capture that stops during the retransmissions keeps it ESTABLISHED
    const v = new Wire();
    handshake(v);
    v.c('P.', 100, { lost: true });
    for (const dt of [0.2, 0.4, 0.8]) v.c('P.', 100, { seq: 1001, dt, lost: true });
    v.tracker.finish(v.t + 1);
    expect(v.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });
});

describe('a segment long after both endpoints closed', () => {
  it('starts another connection, picked up mid-stream (Zeek splits there too)', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    // The server's own RST: data from the client after a RST toward it would
    // show that RST never arrived (StateMachine.rstNotArrived).
    w.s('R');
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    w.s('P.', 10, { dt: 1 }); // a straggler: same connection
    expect(w.tracker.conns).toHaveLength(1);
    w.s('P.', 10, { dt: 15 }); // 15 s later: another connection on the 4-tuple
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.midstream).toBe(true);
  });
});

describe('a RST toward an established endpoint, taken as received, then data from that endpoint', () => {
  it('a second later: the RST never arrived (lost), the close is undone; a later RST closes it', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    w.c('R.');
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    w.s('P.', 10, { dt: 1 });
    expect(w.states()).toEqual(['CLOSED', 'ESTABLISHED']);
    expect(w.tracker.conns).toHaveLength(1);
    w.c('R', 0, { seq: w.side[1].rcvd, dt: 0.001 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    const server = w.conn.transitions.filter((r) => r.side === 1);
    expect(server.at(-1)?.t).toBe(w.t);
  });

  it('data beyond what the capture saw it send (its own earlier data lost before the capture point) is still its own space', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    w.side[1].nxt += 500; // 500 bytes the capture never saw
    w.c('R.', 0, { dt: 0.1 });
    w.s('.', 0, { dt: 1 });
    expect(w.states()[1]).toBe('ESTABLISHED');
  });

  it('next to the endpoint (its RST arrival proven): data after it is data-after-rst, the close stands', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.0002 }); // SYN to SYN-ACK short: next to the server
    w.c('.', 0, { dt: 0.05 });
    w.settle();
    expect(w.conn.nearSide).toBe(1);
    w.c('R.', 0, { dt: 1 });
    w.s('P.', 10, { dt: 1 });
    expect(w.states()[1]).toBe('CLOSED');
  });
});

describe('SYN cookies', () => {
  it('a server that answers each SYN once and never retransmits on its own holds no socket', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { lost: true });
    w.c('S', 0, { dt: 1 });
    w.s('S.', 0, { lost: true });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.c('S', 0, { dt: 1 });
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    w.s('S.', 0, { lost: true }); // the cookie answer keeps no state either
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    // the client finally gets one and ACKs it; the server accepts the cookie
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.', 0, { dt: 0.01 });
    w.s('P.', 10);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expectLegal(w);
  });

  it('a request socket retransmits its SYN-ACK by its timer: it stays SYN_RECEIVED', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { lost: true });
    w.c('S', 0, { dt: 1 });
    w.s('S.', 0, { lost: true }); // the answer
    w.s('S.', 0, { lost: true }); // and its own timer
    w.c('S', 0, { dt: 1 });
    w.s('S.', 0, { lost: true });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
  });
});

describe("one-way captures: what the seen side's ACKs prove of the unseen one", () => {
  // Only the server's segments are captured (a `src host` filter next to the
  // server): the client's ISN comes from the SYN-ACK, its data and FIN from
  // the server's acknowledgements.
  function serverOnly(w: Wire): void {
    w.s('S.', 0, { ack: 1001 }); // answers the client's SYN (ISN 1000), not captured
    w.s('.', 0, { ack: 1101, dt: 0.0005 }); // the client's 100-byte request, acknowledged
    w.s('P.', 1000, { ack: 1101 });
  }

  it('a passive close: the FIN that acknowledges one past the request answers the client FIN', () => {
    const w = new Wire();
    serverOnly(w);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    w.s('F.', 0, { ack: 1102 });
    expect(w.states()).toEqual(['FIN_WAIT_1', 'LAST_ACK']);
    // Never resent past two retransmission timeouts (the round trip is at most 0.5 ms:
    // the SYN-ACK to the first acknowledged data): the client's ACK of it arrived.
    w.tracker.finish(w.t + 0.5);
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(w.evidence()).toEqual(['inferred', 'inferred']);
    expect(w.conn.oneWay).toBe(true);
    expect(w.conn.captureGaps).toBe(0);
    expectLegal(w);
  });

  it('the same FIN, resent within the wait, stays unacknowledged', () => {
    const w = new Wire();
    serverOnly(w);
    w.s('F.', 0, { ack: 1102 });
    w.tracker.finish(w.t + 0.2);
    expect(w.states()).toEqual(['FIN_WAIT_1', 'LAST_ACK']);
  });

  it("a client that closed and a server that never did: the server's last ACK, one past the request, is the client FIN", () => {
    const w = new Wire();
    serverOnly(w);
    w.s('.', 0, { ack: 1102, dt: 0.04 });
    w.tracker.finish(w.t + 3);
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    expect(w.evidence()).toEqual(['inferred', 'inferred']);
    expectLegal(w);
  });

  it('an ACK one past that is followed by more data is no FIN', () => {
    const w = new Wire();
    serverOnly(w);
    w.s('.', 0, { ack: 1102, dt: 0.04 }); // one byte (a keystroke)
    w.s('.', 0, { ack: 1150, dt: 0.04 }); // then more
    w.tracker.finish(w.t + 3);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });
});

/** The end of the capture as the analysis runs it: finish(), then (after the detectors) conclude(). */
function endCapture(w: Wire, end: number): void {
  w.tracker.finish(end);
  w.tracker.conclude(end);
}

describe('retries that ran out, and an orphan FIN_WAIT_2: what the silence at the end of the capture says', () => {
  it('a client that stopped resending its SYN gave up: CLOSED, inferred, when its next SYN was due', () => {
    const w = new Wire();
    w.c('S');
    w.c('S', 0, { dt: 1 });
    w.c('S', 0, { dt: 2 }); // the last retry (tcp_syn_retries = 2); the next would come 4 s later
    const last = w.t;
    endCapture(w, last + 7);
    expect(w.states()[0]).toBe('CLOSED');
    expect(w.evidence()[0]).toBe('inferred');
    expect(w.conn.client.stateSince).toBeCloseTo(last + 4, 6);
    expectLegal(w);
  });

  it('... but not before the capture has gone on past its next retry and one more interval', () => {
    const w = new Wire();
    w.c('S');
    w.c('S', 0, { dt: 1 });
    w.c('S', 0, { dt: 2 });
    endCapture(w, w.t + 5);
    expect(w.states()[0]).toBe('SYN_SENT');
  });

  it('a server that stopped resending its SYN-ACK to a silent client gave up: CLOSED, inferred', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { lost: true });
    w.s('S.', 0, { dt: 1, lost: true }); // tcp_synack_retries = 1: it gives up 2 s later
    endCapture(w, w.t + 4);
    expect(w.states()[1]).toBe('CLOSED');
    expect(w.evidence()[1]).toBe('inferred');
    expectLegal(w);
  });

  it('FIN_WAIT_2 for longer than tcp_fin_timeout, silent since: inferred (an orphan is gone, a half-closed socket is not)', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('.');
    w.settle();
    expect(w.states()[0]).toBe('FIN_WAIT_2');
    expect(w.evidence()[0]).toBe('seen');
    endCapture(w, w.t + 61);
    expect(w.states()[0]).toBe('FIN_WAIT_2');
    expect(w.evidence()[0]).toBe('inferred');
  });

  it('... and seen while it keeps answering its peer', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('.');
    w.s('P.', 10, { dt: 70 });
    w.c('.');
    endCapture(w, w.t + 1);
    expect(w.states()[0]).toBe('FIN_WAIT_2');
    expect(w.evidence()[0]).toBe('seen');
  });
});
