/**
 * A FIN the capture missed, inferred from its peer's acknowledgement one
 * past the data the capture holds (Deliveries.inferFin, oneWayPeerFin): the
 * steps each endpoint is given, their causes, times and evidence.
 */
import { describe, expect, it } from 'vitest';
import { STATE_NAMES } from '../../src/model/states.js';
import type { Connection } from '../../src/tcp/connection.js';
import { Wire } from './wire.js';

const T = 1_700_000_000;

/** "side FROM>TO @t inferred|seen: cause" for each step from the `from`th on, t relative to T. */
function steps(c: Connection, from: number): string[] {
  return c.transitions
    .slice(from)
    .map(
      (r) =>
        `${r.side === 0 ? 'client' : 'server'} ${STATE_NAMES[r.from]}>${STATE_NAMES[r.to]} @${r.t - T} ${r.inferred ? 'inferred' : 'seen'}: ${r.cause}`,
    );
}

describe('an active closer acknowledges one past the data: the server’s FIN was not captured', () => {
  it('the server sent its FIN, the client got it and the ACK of its own FIN (each inferred, at that ACK)', () => {
    const w = new Wire();
    w.t = T;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.s('P.', 100, { dt: 1 });
    w.c('F.', 0, { dt: 1 });
    w.s('.', 0, { dt: 0.25 }); // acknowledges the client's FIN
    const before = w.conn.transitions.length;
    w.c('.', 0, { dt: 1, ack: 5102 }); // one past the server's 100 bytes
    expect(steps(w.conn, before)).toEqual([
      'server CLOSE_WAIT>LAST_ACK @3.75 inferred: sent FIN (not captured; the peer acknowledged it)',
      'client FIN_WAIT_1>FIN_WAIT_2 @3.75 inferred: received ACK of its FIN (not captured)',
      'client FIN_WAIT_2>TIME_WAIT @3.75 inferred: received FIN (not captured; its ACK one past the data says so)',
    ]);
    expect(w.states()).toEqual(['TIME_WAIT', 'LAST_ACK']);
    expect(w.evidence()).toEqual(['inferred', 'inferred']);
    expect(w.conn.server.finSent).toBe(true);
    expect(w.conn.server.finSeq).toBe(5101);
    expect(w.conn.captureGaps).toBe(1);
  });
});

describe('a one-way capture (the client only) whose last ACK is one past the server’s data', () => {
  it('at the end: the server sent a FIN that the client got, and got the ACK of it (each inferred)', () => {
    const w = new Wire();
    w.t = T;
    w.c('S', 0, { dt: 0 });
    w.c('.', 0, { dt: 0.25, ack: 5001 });
    w.c('P.', 100, { dt: 0.25, ack: 5001 });
    w.c('.', 0, { dt: 1, ack: 5101 });
    w.c('.', 0, { dt: 1, ack: 5102 });
    const before = w.conn.transitions.length;
    w.tracker.finish(w.t + 10);
    expect(steps(w.conn, before)).toEqual([
      'server ESTABLISHED>FIN_WAIT_1 @2.5 inferred: sent FIN (not captured; the peer acknowledged it)',
      'client ESTABLISHED>CLOSE_WAIT @2.5 inferred: received FIN (not captured; its ACK one past the data says so)',
      'server FIN_WAIT_1>FIN_WAIT_2 @2.5 inferred: received ACK of its FIN (not captured)',
    ]);
    expect(w.conn.oneWay).toBe(true);
    expect(w.evidence()).toEqual(['inferred', 'inferred']);
    // One gap: the uncaptured SYN-ACK the client answered; what it acknowledged of a side never captured is no gap.
    expect(w.conn.captureGaps).toBe(1);
  });

  it('no FIN is inferred when the last ACK is not one past the data', () => {
    const w = new Wire();
    w.t = T;
    w.c('S', 0, { dt: 0 });
    w.c('.', 0, { dt: 0.25, ack: 5001 });
    w.c('.', 0, { dt: 1, ack: 5101 });
    w.tracker.finish(w.t + 10);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.conn.server.finSent).toBe(false);
  });
});

describe('the end of a one-way capture: the side never captured rests on the other’s ACKs', () => {
  it('the server only: the client’s state is inferred, the server’s seen', () => {
    const w = new Wire();
    w.t = T;
    w.s('S.', 0, { dt: 0, ack: 1001 });
    w.s('.', 0, { dt: 0.25, ack: 1101 });
    w.tracker.finish(w.t + 0.5);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.evidence()).toEqual(['inferred', 'seen']);
  });

  it('the client only, its FIN just sent: the server’s state is inferred, the client’s (FIN_WAIT_1) seen', () => {
    const w = new Wire();
    w.t = T;
    w.c('S', 0, { dt: 0 });
    w.c('.', 0, { dt: 0.25, ack: 5001 });
    w.c('F.', 0, { dt: 0.25, ack: 5001 });
    w.tracker.finish(w.t + 0.5);
    expect(w.states()[0]).toBe('FIN_WAIT_1');
    expect(w.evidence()).toEqual(['seen', 'inferred']);
  });
});
