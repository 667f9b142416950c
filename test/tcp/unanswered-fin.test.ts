/**
 * A FIN captured next to its receiver is taken as received at once
 * (Deliveries.toReceiver), but the state it gives is seen only once the
 * receiver acknowledges it (SPEC.md "Evidence"): a capture that ends first,
 * lost that ACK, or watched a host that was already gone (a crash leaves no
 * trace in a capture) shows the FIN, not its arrival (Deliveries.finUnanswered).
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

/** An established connection captured next to the server (SYN to SYN-ACK short). */
function nearServer(): Wire {
  const w = new Wire();
  w.c('S');
  w.s('S.', 0, { dt: 0.0002 });
  w.c('.', 0, { dt: 0.05 });
  w.c('P.', 10, { dt: 0.1 });
  w.s('.', 0, { dt: 0.0005 });
  expect(w.conn.nearSide).toBe(1);
  return w;
}

function last(w: Wire): { cause: string; inferred: boolean } {
  const r = w.conn.transitions.filter((x) => x.side === 1).at(-1);
  return { cause: r?.cause ?? '', inferred: r?.inferred ?? false };
}

describe('a FIN taken as received next to its receiver', () => {
  it('never acknowledged by the end of the capture: CLOSE_WAIT, its step and state inferred', () => {
    const w = nearServer();
    w.c('F.', 0, { dt: 1 });
    expect(w.states()[1]).toBe('CLOSE_WAIT');
    w.tracker.finish(w.t + 0.0001);
    expect(w.states()[1]).toBe('CLOSE_WAIT');
    expect(w.evidence()[1]).toBe('inferred');
    expect(last(w)).toEqual({ cause: 'received FIN', inferred: true });
  });

  it('never acknowledged though the sender resent it for seconds: still inferred, not seen', () => {
    const w = nearServer();
    w.c('F.', 0, { dt: 1 });
    w.c('F.', 0, { dt: 0.4, seq: w.side[0].nxt - 1 });
    w.c('F.', 0, { dt: 0.8, seq: w.side[0].nxt - 1 });
    w.tracker.finish(w.t + 2);
    expect(w.states()[1]).toBe('CLOSE_WAIT');
    expect(w.evidence()[1]).toBe('inferred');
  });

  it('acknowledged: seen, and the step is not inferred', () => {
    const w = nearServer();
    w.c('F.', 0, { dt: 1 });
    w.s('.', 0, { dt: 0.0005 });
    w.tracker.finish(w.t + 1);
    expect(w.states()[1]).toBe('CLOSE_WAIT');
    expect(w.evidence()[1]).toBe('seen');
    expect(last(w)).toEqual({ cause: 'received FIN', inferred: false });
  });

  it("acknowledged only by the receiver's own FIN (FIN+ACK): LAST_ACK, seen", () => {
    const w = nearServer();
    w.c('F.', 0, { dt: 1 });
    w.s('F.', 0, { dt: 0.0005 });
    w.tracker.finish(w.t + 0.0001);
    expect(w.states()[1]).toBe('LAST_ACK');
    expect(w.evidence()[1]).toBe('seen');
  });

  it('a later change of the receiver is not marked: only a last step made by the unanswered FIN', () => {
    const w = nearServer();
    w.c('F.', 0, { dt: 1 });
    // The server's FIN acknowledges nothing new (sent before the client's FIN arrived).
    w.s('F.', 0, { dt: 0.0005, ack: w.side[1].rcvd - 1 });
    w.tracker.finish(w.t + 0.0001);
    expect(last(w).cause).not.toBe('received FIN');
    expect(
      w.conn.transitions.filter((x) => x.side === 1 && x.cause === 'received FIN' && x.inferred),
    ).toEqual([]);
  });
});
