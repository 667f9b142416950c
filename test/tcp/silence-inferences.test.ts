/**
 * What src/tcp/delivery.ts reads from silence: an endpoint that stopped
 * resending gave up (the cause names which retries ran out; not for
 * retransmissions under 0.2 s apart; at the next retransmission's due
 * time, once the capture went on an interval past it); a FIN never
 * acknowledged nor resent was acknowledged by a segment the capture missed
 * (its sender's LAST_ACK ends a round trip and a half later); how long a
 * bare ACK waits to settle after its receiver had to resend a FIN or a
 * SYN-ACK; and a one-way capture's repeated final ACK, a SYN-ACK timer
 * later, as the answer to a resent SYN-ACK.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';
import { must } from '../../src/model/checked.js';
import { SERVER, type Connection } from '../../src/tcp/connection.js';

const T0 = 1_700_000_000;

/** The last transition of `side`. */
function lastOf(conn: Connection, side: number) {
  return must(conn.transitions.filter((r) => r.side === side).at(-1), 'a transition of the side');
}

/** A handshake, settled: both ESTABLISHED. */
function established(): Wire {
  const w = new Wire();
  w.c('S');
  w.s('S.');
  w.c('.');
  w.settle();
  return w;
}

function end(w: Wire, t: number): void {
  w.tracker.advance(t);
  w.tracker.finish(t);
  w.tracker.conclude(t);
}

describe('gave up: stopped resending while the capture went on', () => {
  it('a client that stopped resending its SYN: tcp_syn_retries', () => {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.c('S', 0, { dt: 1 });
    w.c('S', 0, { dt: 2 });
    end(w, T0 + 20);
    expect(w.states()[0]).toBe('CLOSED');
    expect(lastOf(w.conn, 0).cause).toBe('stopped resending its SYN: gave up (tcp_syn_retries exhausted)');
  });

  it('a server that stopped resending its SYN-ACK: tcp_synack_retries', () => {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.01, lost: true });
    w.s('S.', 0, { dt: 1, lost: true });
    w.s('S.', 0, { dt: 2, lost: true });
    end(w, T0 + 20);
    expect(w.states()[1]).toBe('CLOSED');
    expect(lastOf(w.conn, SERVER).cause).toBe(
      'stopped resending its SYN-ACK: gave up (tcp_synack_retries exhausted)',
    );
  });

  /** Handshake at 1 s; the client's data at 2 s, lost, resent at `rtx` times. */
  function dataResent(rtx: number[]): Wire {
    const w = new Wire();
    w.t = 1;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.125 });
    w.c('.', 0, { dt: 0.125 });
    w.t = 2;
    w.c('P.', 100, { dt: 0, lost: true });
    for (const t of rtx) w.c('P.', 100, { seq: 1001, dt: t - w.t, lost: true });
    return w;
  }

  it('data resent at 2.5 s and 3 s: due again at 4 s; the capture ending at 4.5 s exactly shows it gave up, at 4 s', () => {
    const w = dataResent([2.5, 3]);
    end(w, 4.5);
    expect(w.states()[0]).toBe('CLOSED');
    const last = lastOf(w.conn, 0);
    expect(last.cause).toBe(
      'stopped resending unacknowledged data: gave up (retries exhausted or TCP_USER_TIMEOUT)',
    );
    expect(last.t).toBe(4);
    expect(last.inferred).toBe(true);
  });

  it('the same capture ending at 4.4 s: still ESTABLISHED', () => {
    const w = dataResent([2.5, 3]);
    end(w, 4.4);
    expect(w.states()[0]).toBe('ESTABLISHED');
  });

  it('retransmissions 50 ms apart are no timer backing off: ESTABLISHED however long the capture goes on', () => {
    const w = dataResent([2.05, 2.1]);
    end(w, 30);
    expect(w.states()[0]).toBe('ESTABLISHED');
  });
});

describe('a FIN never acknowledged in the capture, never resent', () => {
  it('was acknowledged by a segment the capture missed: its sender CLOSED a round trip and a half after it', () => {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.1 }); // 0.1 s to the server and back
    w.c('.', 0, { dt: 0.2 }); // 0.2 s to the client and back
    w.c('F.', 0, { dt: 1 });
    w.s('.');
    w.s('F.');
    const finTs = w.t;
    end(w, finTs + 5);
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    const last = lastOf(w.conn, SERVER);
    expect(last.cause).toBe('received ACK of its FIN (not captured; it never resent the FIN)');
    expect(last.inferred).toBe(true);
    // to the client (0.1 s) and back to the capture point (0.1 s), on to the server (0.05 s)
    expect(last.t).toBeCloseTo(finTs + 0.25, 6);
  });
});

describe('how long a bare ACK waits to settle', () => {
  it('toward an endpoint that had to resend its FIN: four settle delays (6 s)', () => {
    const w = established();
    w.c('F.');
    w.s('.', 0, { lost: true });
    w.c('F.', 0, { seq: 1001, dt: 1 }); // its timer: the ACK was lost
    w.s('.', 0, { dt: 0.01 });
    w.settle(3);
    expect(w.states()[0]).toBe('FIN_WAIT_1');
    w.settle(3.5);
    expect(w.states()[0]).toBe('FIN_WAIT_2');
  });

  it('toward a server that resent its SYN-ACK once: 2.5 s (2^1 + 0.5)', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.', 0, { lost: true });
    w.s('S.', 0, { dt: 1 }); // its timer: the final ACK was lost
    w.c('.', 0, { dt: 0.01 });
    w.settle(2);
    expect(w.states()[1]).toBe('SYN_RECEIVED');
    w.settle(1);
    expect(w.states()[1]).toBe('ESTABLISHED');
  });
});

describe('a resent SYN-ACK or FIN says the answer waiting was lost', () => {
  it('the final ACK waiting to reach the server is lost when the server resends its SYN-ACK', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.s('S.', 0, { dt: 1 }); // before the ACK settled (1.5 s): its timer fired, the ACK did not arrive
    expect(w.conn.server.handshakeRetried).toBe(true);
    w.settle(1); // 2 s after the ACK: it would have settled
    expect(w.states()[1]).toBe('SYN_RECEIVED');
    w.c('.');
    w.settle(3);
    expect(w.states()[1]).toBe('ESTABLISHED');
  });

  it('the ACK of a FIN waiting to reach its sender is lost when the FIN is resent', () => {
    const w = established();
    w.c('F.');
    w.s('.');
    w.c('F.', 0, { seq: 1001, dt: 1 });
    expect(w.conn.client.finResent).toBe(true);
    w.settle(10);
    expect(w.states()[0]).toBe('FIN_WAIT_1');
  });
});

describe('a one-way capture (the client only): its final ACK again', () => {
  /** SYN at 1 s, final ACK at 1.125 s (the SYN-ACK not captured), the ACK again `after` s later. */
  function again(after: number): Wire {
    const w = new Wire();
    w.t = 1;
    w.c('S', 0, { dt: 0 });
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.', 0, { dt: 0.125 });
    w.c('.', 0, { dt: after });
    return w;
  }

  it('1 s later: the answer to a resent SYN-ACK', () => {
    const w = again(1);
    expect(w.conn.server.packets).toBe(0);
    expect(w.conn.server.ev?.synAckResends).toBe(1);
    expect(w.conn.server.handshakeRetried).toBe(true);
  });

  it('exactly 0.5 s later (1.125 s to 1.625 s): a SYN-ACK timer, the answer to a resent SYN-ACK', () => {
    const w = again(0.5);
    expect(w.conn.server.ev?.synAckResends).toBe(1);
  });

  it('0.25 s later: too soon for a SYN-ACK timer', () => {
    const w = again(0.25);
    expect(w.conn.server.ev?.synAckResends ?? 0).toBe(0);
    expect(w.conn.server.handshakeRetried).toBe(false);
  });

  it('data 1 s later is no answer to a resent SYN-ACK', () => {
    const w = new Wire();
    w.t = 1;
    w.c('S', 0, { dt: 0 });
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.', 0, { dt: 0.125 });
    w.c('P.', 10, { dt: 1 });
    expect(w.conn.server.ev?.synAckResends ?? 0).toBe(0);
  });

  it('an ACK of something else 1 s later is none either', () => {
    const w = again(0);
    w.c('.', 0, { ack: 5002, dt: 1 });
    expect(w.conn.server.ev?.synAckResends ?? 0).toBe(0);
  });
});

describe('a one-way capture at its end', () => {
  it('only the client captured: the server’s state is inferred', () => {
    const w = new Wire();
    w.c('S');
    w.side[0].rcvd = 5001;
    w.side[0].hasRcvd = true;
    w.c('.', 0, { dt: 0.1 });
    w.c('P.', 10);
    end(w, w.t + 1);
    expect(w.conn.oneWay).toBe(true);
    expect(w.evidence()[1]).toBe('inferred');
  });

  it('only the server captured: the client’s state is inferred, the server’s not', () => {
    const w = new Wire();
    w.s('S.', 0, { ack: 1001 });
    w.s('P.', 10, { ack: 1001, dt: 0.1 });
    end(w, w.t + 1);
    expect(w.conn.oneWay).toBe(true);
    expect(w.evidence()).toEqual(['inferred', 'seen']);
  });
});

describe('what waits to reach an endpoint', () => {
  it('a FIN resent is waiting once', () => {
    const w = established();
    w.c('F.');
    w.c('F.', 0, { seq: 1001, dt: 0.5 });
    expect(w.conn.server.ev?.pending.map((p) => p.seq)).toEqual([1001]);
  });
});
