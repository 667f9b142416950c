/**
 * A connection summarised under the connection cap (Tracker.forget and
 * Detectors.forget, as src/engine/connection-cap.ts and connection-retention.ts do)
 * leaves the tracker's timers: its TIME_WAIT endpoint then leaves its host's
 * time-wait-storm count when its TIME_WAIT would have ended (2 x MSL after it
 * began), counted down by the detectors (src/detect/hosts.ts tick()).
 */
import { describe, expect, it } from 'vitest';
import { at, clientTimeWait, EPS, manyWires, summarise, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

const storms = (found: { kind: string; details?: Record<string, unknown> | undefined }[]) =>
  found.filter((a) => a.kind === 'time-wait-storm').map((a) => must(a.details, 'a.details').peak);

describe('time-wait-storm counts of summarised connections (MSL 30 s: TIME_WAIT lasts 60 s)', () => {
  it('the client of clientTimeWait() enters TIME_WAIT at t0 + 1 + 2 EPS', () => {
    const { wire } = manyWires({});
    const w = wire(41000);
    const c = clientTimeWait(w, T0);
    expect(w.states()[0]).toBe('TIME_WAIT');
    expect(c.client.timeWaitStart).toBe(T0 + 1 + 2 * EPS);
  });

  // The second connection's client enters TIME_WAIT at `t2 + 1 + 2 EPS`; the first's TIME_WAIT ends at T0 + 61 + 2 EPS.
  function twoInTurn(t2: number, threshold = 1) {
    const { det, found, wire } = manyWires({ timeWaitThreshold: threshold });
    const w1 = wire(41000);
    const c1 = clientTimeWait(w1, T0);
    summarise(det, [w1, c1]);
    const w2 = wire(41001);
    clientTimeWait(w2, t2);
    const raisedBeforeEnd = storms(found);
    det.finish(t2 + 10, []);
    return { raisedBeforeEnd, peaks: storms(found) };
  }

  it('threshold 1: a second client enters TIME_WAIT 1 s before the summarised one would have left it: a storm of 2', () => {
    expect(twoInTurn(T0 + 59).peaks).toEqual([2]);
  });
  it('threshold 1: a second client enters TIME_WAIT after the summarised one left it: no storm', () => {
    expect(twoInTurn(T0 + 80).peaks).toEqual([]);
  });

  /**
   * The summarised TIME_WAIT ends at `end` (T0 + 61 + 2 EPS). Another
   * segment comes at `end + probe`, then the second client, whose segments
   * before are all earlier, enters TIME_WAIT at `end` (its ACK of the
   * server's FIN).
   */
  function probeThenSecond(probe: number) {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    const w1 = wire(41000);
    const c1 = clientTimeWait(w1, T0);
    summarise(det, [w1, c1]);
    const end = c1.client.timeWaitStart + 60;
    const w2 = wire(41001);
    w2.c('S', 0, at(w2, T0 + 50));
    w2.s('S.', 0, at(w2, T0 + 50 + EPS));
    w2.c('.', 0, at(w2, T0 + 50 + 2 * EPS));
    w2.c('F.', 0, at(w2, T0 + 51));
    w2.s('F.', 0, at(w2, end - 2 * EPS));
    const wx = wire(42000, 443);
    wx.c('S', 0, at(wx, end + probe));
    w2.c('.', 0, at(w2, end));
    expect(w2.states()[0]).toBe('TIME_WAIT');
    det.finish(end + 10, []);
    return storms(found);
  }
  it('threshold 1: a segment exactly at the end of the summarised TIME_WAIT counts it down: the second client then makes no storm', () => {
    expect(probeThenSecond(0)).toEqual([]);
  });
  it('threshold 1: a segment just before the end of the summarised TIME_WAIT does not: the second client entering at the end makes a storm of 2', () => {
    expect(probeThenSecond(-EPS)).toEqual([2]);
  });

  it('connections summarised together in creation order but TIME_WAIT in another order each leave at their own time', () => {
    // threshold 2. A enters TIME_WAIT at T0 + 1 + 2 EPS (leaves at T0 + 61 + 2 EPS),
    // B at T0 + 11 + 2 EPS (leaves at T0 + 71 + 2 EPS). Summarised together, B
    // first. At T0 + 65 only A has left: B + C + D = 3 at once (4 if A's
    // count were kept because B's later expiry stood first in the queue).
    const { det, found, wire } = manyWires({ timeWaitThreshold: 2 });
    const wb = wire(41001);
    const wa = wire(41000);
    const b = clientTimeWait(wb, T0 + 10);
    const a = clientTimeWait(wa, T0);
    summarise(det, [wb, b], [wa, a]);
    clientTimeWait(wire(41002), T0 + 64);
    clientTimeWait(wire(41003), T0 + 64.5);
    det.finish(T0 + 66, []);
    expect(storms(found)).toEqual([3]);
  });

  it('a connection summarised after an earlier one already left its count still leaves at its own time', () => {
    // A (TIME_WAIT until T0 + 61 + 2 EPS) summarised and counted down at T0 + 62;
    // then B (TIME_WAIT from T0 + 3 + 2 EPS until T0 + 63 + 2 EPS) summarised.
    // threshold 1: C and D entering TIME_WAIT after that make 2 at once, not 3.
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    const wa = wire(41000);
    const a = clientTimeWait(wa, T0);
    const wb = wire(41001);
    const b = clientTimeWait(wb, T0 + 2);
    summarise(det, [wa, a]);
    const wx = wire(42000, 443);
    wx.c('S', 0, at(wx, T0 + 62));
    expect(storms(found)).toEqual([2]);
    summarise(det, [wb, b]);
    clientTimeWait(wire(41002), T0 + 63.5);
    clientTimeWait(wire(41003), T0 + 64);
    det.finish(T0 + 70, []);
    // The storm of 2 (A and B at once) was raised before; C and D make no higher peak.
    expect(storms(found)).toEqual([2]);
    const storm = must(
      found.find((a) => a.kind === 'time-wait-storm'),
      "found.find((a) => a.kind === 'time-wait-storm')",
    );
    expect(storm.message).toBe('10.0.0.1 held 2 TIME_WAIT endpoints at once at its peak; ports 41000-41003');
  });
});
