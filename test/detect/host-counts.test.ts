/**
 * Host counts (src/detect/hosts.ts) going down as well as up: TIME_WAIT
 * endpoints that expire leave their host's count, a half-open handshake whose
 * server resends its SYN-ACK counts again, and syn-flood's final figures.
 */
import { describe, expect, it } from 'vitest';
import { at, EPS, manyWires, T0 } from './helpers.js';
import type { Wire } from '../tcp/wire.js';

/** The client closes first at T0 + 1: the client in TIME_WAIT from T0 + 1 + 2 EPS. */
function clientTimeWait(w: Wire, t0 = T0) {
  w.c('S', 0, at(w, t0));
  w.s('S.', 0, at(w, t0 + EPS));
  w.c('.', 0, at(w, t0 + 2 * EPS));
  w.c('F.', 0, at(w, t0 + 1));
  w.s('F.', 0, at(w, t0 + 1 + EPS));
  w.c('.', 0, at(w, t0 + 1 + 2 * EPS));
}

describe('time-wait-storm counts TIME_WAIT endpoints at once, not in total', () => {
  it('threshold 1: two clients in TIME_WAIT at the same time make a storm of 2', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    clientTimeWait(wire(41000));
    clientTimeWait(wire(41001), T0 + 10);
    det.finish(T0 + 20, []);
    expect(found.map((a) => [a.kind, a.details!.peak])).toEqual([['time-wait-storm', 2]]);
  });
  it('threshold 1: the first TIME_WAIT expired (2 MSL = 60 s) before the second began: no storm', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    const first = wire(41000);
    clientTimeWait(first);
    first.settle(70);
    expect(first.states()).toEqual(['CLOSED', 'CLOSED']);
    clientTimeWait(wire(41001), T0 + 80);
    det.finish(T0 + 90, []);
    expect(found).toEqual([]);
  });
});

describe('syn-flood: a half-open handshake counts again when its server resends the SYN-ACK', () => {
  /** `n` handshakes whose final ACK is captured but lost; `resend`: each server then resends its SYN-ACK. */
  function lostAcks(n: number, resend: boolean) {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < n; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
      w.c('.', 0, { ...at(w, T0 + 2 * EPS), lost: true });
      if (resend) w.s('S.', 0, at(w, T0 + 1));
    }
    det.finish(T0 + 2, []);
    return found.filter((a) => a.kind === 'syn-flood');
  }
  it('3 handshakes answered by the client: no flood', () => expect(lostAcks(3, false)).toEqual([]));
  it('3 servers resending their SYN-ACK after the lost ACK: a flood of 3 on the listener, client ports 20000-20002', () => {
    const f = lostAcks(3, true);
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toBe(
      '10.0.0.2:80 held 3 half-open handshakes at once at its peak; ports 20000-20002',
    );
    expect(f[0]!.details).toMatchObject({ peak: 3, threshold: 2, minPort: 20000, maxPort: 20002 });
  });
});
