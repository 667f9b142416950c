/**
 * How a segment toward an endpoint away from the capture point is taken as
 * arrived (src/tcp/delivery.ts), shown by the receiver's step: proven by
 * its next segment (at that segment's time, seen); by silence past the
 * time it would have resent (at the segment's own time plus the way there,
 * its state proven only when its SYN-ACK timer was seen at work);
 * cancelled by a RST of its own; a data segment waits for its ACK. And in
 * one-way captures: the same ACK of the SYN-ACK again a timer later, and
 * the round trip bound that decides when an unanswered FIN counts as
 * acknowledged.
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/tcp/connection.js';
import { Wire } from './wire.js';

const T = 1_700_000_000;

function wireAtT(): Wire {
  const w = new Wire();
  w.t = T;
  return w;
}

/** The server's steps as "FROM>TO @t inferred|seen", t relative to T. */
function serverSteps(w: Wire, c: Connection = w.conn): string[] {
  const out: string[] = [];
  c.transitions.forEach((r, i) => {
    if (r.side === 1)
      out.push(`${w.timeline(c)[i]?.slice(7)} @${r.t - T} ${r.inferred ? 'inferred' : 'seen'}`);
  });
  return out;
}

describe('the handshake’s final ACK toward the server', () => {
  it('proven by the server’s next segment: received then, seen', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.s('P.', 10, { dt: 0.25 });
    expect(serverSteps(w)).toEqual(['CLOSED>SYN_RECEIVED @0.25 seen', 'SYN_RECEIVED>ESTABLISHED @0.75 seen']);
  });

  it('settled by silence, the SYN-ACK timer never seen: at its time plus the way there, inferred, the state not proven', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.tracker.advance(T + 10);
    expect(serverSteps(w)).toEqual([
      'CLOSED>SYN_RECEIVED @0.25 seen',
      'SYN_RECEIVED>ESTABLISHED @0.625 inferred',
    ]);
    expect(w.evidence()[1]).toBe('inferred');
  });

  it('settled by silence after the server resent its SYN-ACK (its timer at work): the state proven by the silence', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.s('S.', 0, { dt: 1 });
    w.c('.', 0, { dt: 0.25 });
    w.tracker.advance(T + 10);
    expect(serverSteps(w).at(-1)).toBe('SYN_RECEIVED>ESTABLISHED @1.625 inferred');
    expect(w.evidence()[1]).toBe('seen');
  });

  it('a first data segment in place of the final ACK waits for its own ACK: no arrival by silence', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('P.', 100, { dt: 0.25 });
    w.tracker.advance(T + 3);
    expect(w.states()).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
  });
});

describe('a RST from an endpoint with segments waiting to reach it', () => {
  it('ends their wait: the server’s RST acknowledging the client’s FIN closes it from ESTABLISHED, not through CLOSE_WAIT', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.s('P.', 10, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.c('F.', 0, { dt: 1 });
    w.s('R.', 0, { dt: 0.25 });
    expect(serverSteps(w).slice(2)).toEqual(['ESTABLISHED>CLOSED @2.25 seen']);
  });
});

describe('at the end of a two-way capture', () => {
  it('an ACK one past the server’s data, the server captured: no FIN inferred (a byte of data reads the same)', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25 });
    w.s('P.', 100, { dt: 0.25 });
    w.c('.', 0, { dt: 0.25, ack: 5102 });
    w.tracker.finish(T + 20);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });
});

describe('one-way (the client only): its ACK of the uncaptured SYN-ACK again', () => {
  it('a second later (the SYN-ACK resent: the first ACK lost): the server established at the second', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.c('.', 0, { dt: 0.25, ack: 5001 });
    w.c('.', 0, { dt: 1, ack: 5001 });
    w.tracker.advance(T + 10);
    expect(serverSteps(w).at(-1)).toBe('SYN_RECEIVED>ESTABLISHED @1.25 inferred');
  });

  it('a quarter second later (sooner than a SYN-ACK timer): the server established at the first', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.c('.', 0, { dt: 0.25, ack: 5001 });
    w.c('.', 0, { dt: 0.25, ack: 5001 });
    w.tracker.advance(T + 10);
    expect(serverSteps(w).at(-1)).toBe('SYN_RECEIVED>ESTABLISHED @0.25 inferred');
  });
});

describe('one-way (the server only): an unanswered FIN', () => {
  /** The server's SYN-ACK at T, its ACKs of the client's data 0.25 s (the round trip bound) and 0.75 s later, its FIN at T + 1. */
  function serverOnly(): Wire {
    const w = wireAtT();
    w.s('S.', 0, { dt: 0, ack: 1001 });
    w.s('.', 0, { dt: 0.25, ack: 1101 });
    w.s('.', 0, { dt: 0.5, ack: 1201 });
    w.s('F.', 0, { dt: 0.25, ack: 1201 });
    return w;
  }

  it('counts as acknowledged 1 s after it (past two timeouts of the first bound, 2 x (0.25 + 0.2) s)', () => {
    const w = serverOnly();
    w.tracker.finish(T + 2);
    expect(w.states()).toEqual(['CLOSE_WAIT', 'FIN_WAIT_2']);
  });

  it('not 0.85 s after it', () => {
    const w = serverOnly();
    w.tracker.finish(T + 1.85);
    expect(w.states()).toEqual(['ESTABLISHED', 'FIN_WAIT_1']);
  });
});
