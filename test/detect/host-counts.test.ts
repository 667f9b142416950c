/**
 * Host counts (src/detect/hosts.ts) going down as well as up: TIME_WAIT
 * endpoints that expire leave their host's count, a half-open handshake whose
 * server resends its SYN-ACK counts again, and syn-flood's final figures.
 */
import { describe, expect, it } from 'vitest';
import { at, EPS, manyWires, T0 } from './helpers.js';
import type { Wire } from '../tcp/wire.js';
import { must } from '../../src/model/checked.js';

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
    expect(found.map((a) => [a.kind, must(a.details, 'a.details').peak])).toEqual([['time-wait-storm', 2]]);
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
    expect(must(f[0], 'f[0]').message).toBe(
      '10.0.0.2:80 held 3 half-open handshakes at once at its peak; ports 20000-20002',
    );
    expect(must(f[0], 'f[0]').details).toMatchObject({
      peak: 3,
      threshold: 2,
      minPort: 20000,
      maxPort: 20002,
    });
  });
});

describe('syn-flood: what stops a handshake counting', () => {
  it('servers that send data from SYN_RECEIVED (the final ACK not captured) are no longer half-open: no flood', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
      w.s('P.', 10, at(w, T0 + 2 * EPS));
      expect(w.states()[1]).toBe('ESTABLISHED');
    }
    det.finish(T0 + 2, []);
    expect(found.filter((a) => a.kind === 'syn-flood')).toEqual([]);
  });
  it('completed handshakes that go on exchanging data, with a server retransmission, do not count: no flood', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
      w.c('.', 0, at(w, T0 + 2 * EPS));
      w.c('P.', 100, at(w, T0 + 1));
      w.s('P.', 100, { ...at(w, T0 + 1 + EPS), lost: true });
      w.s('P.', 100, { ...at(w, T0 + 2), seq: 5001 });
      w.c('.', 0, at(w, T0 + 2 + EPS));
    }
    det.finish(T0 + 3, []);
    expect(found.filter((a) => a.kind === 'syn-flood')).toEqual([]);
  });
  it('listeners on two ports of one host are counted apart: 2 + 2 half-open with threshold 2 is no flood', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (const port of [80, 8080]) {
      for (let i = 0; i < 2; i++) {
        const w = wire(20000 + i, port, 1000 + i);
        w.c('S', 0, at(w, T0));
        w.s('S.', 0, at(w, T0 + EPS));
      }
    }
    det.finish(T0 + 2, []);
    expect(found.filter((a) => a.kind === 'syn-flood')).toEqual([]);
  });
});

describe('time-wait-storm: as raised, and a restarted TIME_WAIT', () => {
  it('threshold 2, a third client in TIME_WAIT: raised then as "held 3 TIME_WAIT endpoints at once (threshold 2)"', () => {
    const { found, wire } = manyWires({ timeWaitThreshold: 2 });
    for (let i = 0; i < 3; i++) clientTimeWait(wire(41000 + i));
    expect(found.map((a) => a.message)).toEqual([
      '10.0.0.1 held 3 TIME_WAIT endpoints at once (threshold 2)',
    ]);
  });
  it('threshold 2: three in TIME_WAIT, one restarted by a retransmitted FIN, is a peak of 3 (counted once)', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 2 });
    const first = wire(41000);
    clientTimeWait(first);
    first.s('F.', 0, { ...at(first, T0 + 3), seq: first.side[1].nxt - 1 });
    first.c('.', 0, at(first, T0 + 3));
    expect(first.timeline().filter((x) => x === 'client:TIME_WAIT>TIME_WAIT')).toHaveLength(1);
    clientTimeWait(wire(41001), T0 + 4);
    clientTimeWait(wire(41002), T0 + 5);
    det.finish(T0 + 10, []);
    expect(found.map((a) => [a.kind, must(a.details, 'a.details').peak])).toEqual([['time-wait-storm', 3]]);
  });
  it('ports given in descending order: the range is still lowest-highest', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 2 });
    for (const p of [41021, 41014, 41000]) clientTimeWait(wire(p));
    det.finish(T0 + 10, []);
    expect(must(found[0], 'found[0]').message).toBe(
      '10.0.0.1 held 3 TIME_WAIT endpoints at once at its peak; ports 41000-41021',
    );
  });
});
