import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

function handshake(w: Wire): void {
  w.c('S');
  w.s('S.');
  w.c('.');
}

describe('three-way handshake (RFC 9293 figure 6)', () => {
  it('walks both endpoints to ESTABLISHED', () => {
    const w = new Wire();
    w.c('S');
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    w.s('S.');
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    w.c('.');
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.roleInferred).toBe(false);
    expect(w.conn.establishedTs).toBeGreaterThan(w.conn.synTs);
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

  it('a retransmitted SYN-ACK after the final ACK means the ACK never arrived', () => {
    const w = new Wire();
    handshake(w);
    w.s('S.', 0, { dt: 1 });
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    // the client re-acknowledges, but the server retransmits again: still doubted
    w.c('.');
    w.s('S.', 0, { dt: 2 });
    w.c('.');
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    // the server finally acts established (sends data): the doubt is lifted
    w.s('P.', 10);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('SYN-ACK not captured: the client ACK proves it', () => {
    const v = new Wire();
    v.c('S');
    // the server's SYN-ACK (ISN 5000) happened but was not captured
    v.side[0].rcvd = 5001;
    v.side[0].hasRcvd = true;
    v.c('.');
    expect(v.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(v.conn.server.isn).toBe(5000);
  });

  it('SYN not captured: the SYN-ACK sender is the server, roles inferred', () => {
    const w = new Wire();
    w.side[1].rcvd = 1001;
    w.side[1].hasRcvd = true;
    w.s('S.');
    expect(w.conn.roleInferred).toBe(true);
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    w.c('.');
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.client.port).toBe(40000);
  });
});

describe('simultaneous open (RFC 9293 figure 7)', () => {
  it('both sides pass SYN_SENT -> SYN_RECEIVED -> ESTABLISHED', () => {
    const w = new Wire({}, 5000, 6000);
    w.c('S');
    w.s('S'); // crossed: no ACK
    expect(w.states()).toEqual(['SYN_RECEIVED', 'SYN_RECEIVED']);
    w.c('S.');
    w.s('S.');
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.client.synRetransmissions + w.conn.server.synRetransmissions).toBe(0);
    expect(w.timeline()).toEqual([
      'client:CLOSED>SYN_SENT',
      'server:CLOSED>SYN_SENT',
      'server:SYN_SENT>SYN_RECEIVED',
      'client:SYN_SENT>SYN_RECEIVED',
      'server:SYN_RECEIVED>ESTABLISHED',
      'client:SYN_RECEIVED>ESTABLISHED',
    ]);
  });
});

describe('close', () => {
  it('four-way close initiated by the client (RFC 9293 figure 12)', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    expect(w.states()).toEqual(['FIN_WAIT_1', 'CLOSE_WAIT']);
    w.s('.');
    expect(w.states()).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    w.s('F.');
    expect(w.states()).toEqual(['TIME_WAIT', 'LAST_ACK']);
    w.c('.');
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(w.rec.ended).toHaveLength(1);
  });

  it('four-way close initiated by the server', () => {
    const w = new Wire();
    handshake(w);
    w.s('F.');
    w.c('.');
    w.c('F.');
    w.s('.');
    expect(w.states()).toEqual(['CLOSED', 'TIME_WAIT']);
  });

  it('FIN that also acknowledges the peer FIN: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT', () => {
    const w = new Wire();
    handshake(w);
    w.c('F.');
    w.s('F.'); // acks the client's FIN and closes (three-way close)
    expect(w.states()).toEqual(['TIME_WAIT', 'LAST_ACK']);
    w.c('.');
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
  });

  it('simultaneous close: both go FIN_WAIT_1 -> CLOSING -> TIME_WAIT (figure 13)', () => {
    const w = new Wire();
    handshake(w);
    const clientAck = w.side[0].rcvd;
    w.c('F.');
    // the server's FIN crossed the client's: its ACK does not cover the client's FIN
    w.s('F.', 0, { ack: w.side[1].rcvd - 1 });
    expect(w.states()).toEqual(['CLOSING', 'CLOSING']);
    w.c('.', 0, { ack: clientAck + 1 });
    w.s('.');
    expect(w.states()).toEqual(['TIME_WAIT', 'TIME_WAIT']);
    expect(w.timeline().filter((x) => x.startsWith('server'))).toEqual([
      'server:CLOSED>SYN_RECEIVED',
      'server:SYN_RECEIVED>ESTABLISHED',
      'server:ESTABLISHED>FIN_WAIT_1',
      'server:FIN_WAIT_1>CLOSING',
      'server:CLOSING>TIME_WAIT',
    ]);
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
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(w.conn.server.bytes).toBe(5000);
  });

  it('TIME_WAIT ends after 2 x MSL', () => {
    const w = new Wire({ msl: 1 });
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
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
    w.tracker.advance(w.t + 1.0);
    expect(w.states()[0]).toBe('TIME_WAIT');
    w.tracker.advance(w.t + 2.1);
    expect(w.states()[0]).toBe('CLOSED');
  });
});

describe('resets', () => {
  it('connection refused: RST,ACK answers the SYN', () => {
    const w = new Wire();
    w.c('S');
    w.s('R.', 0, { seq: 0 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(w.rec.segments.at(-1)!.info.rstAcceptable).toBe(true);
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
  });

  it('RST in SYN_RECEIVED', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('R', 0, { seq: 1001 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
  });

  it('an out-of-window RST changes nothing', () => {
    const w = new Wire();
    handshake(w);
    w.s('R', 0, { seq: 5001 + 10_000_000 });
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.rec.segments.at(-1)!.info.rstAcceptable).toBe(false);
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
  it('picks a connection up as ESTABLISHED and records it', () => {
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
    w.c('F.');
    expect(w.states()).toEqual(['FIN_WAIT_1', 'CLOSE_WAIT']);
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
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
  });
});

describe('port reuse', () => {
  it('a SYN on a closed 4-tuple starts a new connection, ending the TIME_WAIT', () => {
    const w = new Wire();
    handshake(w);
    w.s('F.');
    w.c('F.');
    w.s('.');
    expect(w.states()).toEqual(['CLOSED', 'TIME_WAIT']);
    const first = w.conn;
    w.newIsn(0, 900_000);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.id).toBe(2);
    expect(w.states(first)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.rec.reuses).toHaveLength(1);
    expect(w.rec.reuses[0]!.took).toBe(true);
    w.s('S.');
    w.c('.');
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('a SYN with a new ISN after an unanswered handshake is a new attempt', () => {
    const w = new Wire();
    w.c('S');
    w.newIsn(0, 77_777);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
  });
});

describe('evidence that a captured segment was not delivered, or was resent', () => {
  it('a SYN retransmitted after the captured SYN-ACK: the SYN-ACK never reached the client', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { lost: true });
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    w.c('S', 0, { dt: 1 });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.s('S.', 0, { lost: true }); // doubted too
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.'); // finally acts established
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
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
});

describe('a segment long after both endpoints closed', () => {
  it('starts another connection, picked up mid-stream (Zeek splits there too)', () => {
    const w = new Wire();
    handshake(w);
    w.c('R');
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    w.s('P.', 10, { dt: 1 }); // a straggler: same connection
    expect(w.tracker.conns).toHaveLength(1);
    w.s('P.', 10, { dt: 15 }); // 15 s later: another connection on the 4-tuple
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.midstream).toBe(true);
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
