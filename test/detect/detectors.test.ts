/**
 * Detectors, one kind at a time: a scenario that must raise it and one that must
 * not. Built from segment templates (test/tcp/wire.ts); the same kinds are checked
 * on real captures in corpus-kinds.test.ts and the fixture suite.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { Detectors } from '../../src/detect/detectors.js';
import type { AnomalyReport } from '../../src/model/report.js';
import { Wire } from '../tcp/wire.js';
import { at, must } from '../../src/model/checked.js';

function setup(settings = {}) {
  const found: AnomalyReport[] = [];
  const det = new Detectors({ ...DEFAULT_SETTINGS, ...settings }, (a) => found.push(a));
  const w = new Wire({}, 40000, 80, 1000, 5000, det);
  det.senders = (h) => w.tracker.hostSeen(h);
  // As the pipeline does at the end of a capture: the tracker first (what the
  // capture's silence proves), then the detectors.
  const finish = () => {
    w.tracker.finish(w.t);
    det.finish(w.t, w.tracker.conns);
    return found;
  };
  return { w, det, found, finish, kinds: () => found.map((a) => a.kind) };
}

function established(w: Wire): void {
  w.c('S');
  w.s('S.');
  w.c('.');
}

describe('per-connection kinds', () => {
  it('syn-no-synack: fires when --syn-timeout passes unanswered (not at the first retransmission), once', () => {
    const { w, kinds, found, finish } = setup();
    w.c('S');
    w.c('S', 0, { dt: 1 });
    expect(kinds()).toEqual([]);
    w.c('S', 0, { dt: 1.9 });
    expect(kinds()).toEqual([]);
    w.c('S', 0, { dt: 0.2 }); // 3.1 s after the first SYN
    expect(kinds()).toEqual(['syn-no-synack']);
    w.t += 3;
    finish();
    expect(kinds()).toEqual(['syn-no-synack']);
    expect(at(found, 0).message).toMatch(/3 retransmissions over 6\.1 s/);
  });

  it('a SYN resent and then answered: handshake-retransmitted (a warning with the delay), no syn-no-synack', () => {
    const { w, kinds, found, finish } = setup();
    w.c('S');
    w.c('S', 0, { dt: 1 });
    w.s('S.', 0, { dt: 0.1 });
    w.c('.');
    w.t += 10;
    finish();
    expect(kinds()).toEqual(['handshake-retransmitted', 'capture-ended-open']);
    const a = at(found, 0);
    expect(a.severity).toBe('warning');
    expect(must(a.details, 'a.details').delay).toBeCloseTo(1.101, 3);
  });

  it('synack-no-ack whose final ACK got through later says so at the end, not that the ACKs never reached it', () => {
    const { w, found, finish } = setup();
    w.c('S');
    w.s('S.', 0, { dt: 0.01 });
    w.c('.', 0, { dt: 0.01, lost: true }); // lost past the capture point
    w.s('S.', 0, { dt: 1 });
    w.c('.', 0, { dt: 0.01, lost: true });
    w.s('S.', 0, { dt: 2 }); // past --synack-timeout (3 s): raised, the ACKs did not reach it
    const raised = found.find((a) => a.kind === 'synack-no-ack');
    expect(raised?.message).toMatch(/ACKs from the client were captured but did not reach it$/);
    w.c('.', 0, { dt: 0.01 });
    w.s('P.', 10, { dt: 0.01 }); // only an ESTABLISHED server sends data: the ACK arrived
    w.t += 1;
    finish();
    expect(w.states()[1]).toBe('ESTABLISHED');
    expect(found.find((a) => a.kind === 'synack-no-ack')?.message).toMatch(
      /: the final ACK reached it only later$/,
    );
  });

  it('syn-no-synack is withheld for a SYN never resent (looked at twice: at --syn-timeout and a timeout later)', () => {
    const { w, kinds, found, finish } = setup();
    w.c('S');
    w.t += 7;
    finish();
    // The client would have resent an unanswered SYN (Linux after 1 s, Windows
    // after 3 s): without a resend, an answer may just not have been captured,
    // or the SYN came from no real TCP (a scan, a spoofed source).
    expect(kinds()).toEqual(['capture-gap']);
    expect(must(at(found, 0).details, 'at(found, 0).details').withheld).toBe('syn-no-synack');
    expect(at(found, 0).t).toBeCloseTo(w.conn.synTs + 6, 6);
  });

  it('syn-no-synack for a client whose first resend comes after --syn-timeout (Windows: 3 s), dated at the timeout', () => {
    const { w, kinds, found, finish } = setup();
    w.c('S');
    w.c('S', 0, { dt: 3.5 }); // the deadline (3 s) is looked at with this segment: the resend is there
    w.t += 3;
    finish();
    expect(kinds()).toEqual(['syn-no-synack']);
    expect(at(found, 0).t).toBeCloseTo(w.conn.synTs + 3, 6);
  });

  it('nothing yet for a SYN never resent whose second look the capture does not reach', () => {
    const { w, kinds, finish } = setup();
    w.c('S');
    w.t += 5;
    finish();
    expect(kinds()).toEqual([]);
  });

  it('syn-no-synack: a SYN resent and older than --syn-timeout at the end of the capture', () => {
    const { w, kinds, finish } = setup();
    w.c('S');
    w.c('S', 0, { dt: 1 });
    w.t += 5;
    finish();
    expect(kinds()).toContain('syn-no-synack');
  });

  it('no syn-no-synack when the SYN is answered, or still young at the end', () => {
    const a = setup();
    a.w.c('S');
    a.w.s('R.', 0, { seq: 0 });
    a.w.t += 10;
    a.finish();
    expect(a.kinds()).toEqual(['connection-refused']);
    const b = setup();
    b.w.c('S');
    b.w.t += 1;
    b.finish();
    expect(b.kinds()).toEqual([]);
  });

  it('synack-no-ack once --synack-timeout passes with the SYN-ACK resent; not on a completed handshake', () => {
    const a = setup();
    a.w.c('S');
    a.w.s('S.');
    a.w.s('S.', 0, { dt: 1 });
    expect(a.kinds()).toEqual([]); // not before its threshold
    a.w.s('S.', 0, { dt: 2.1 });
    expect(a.kinds()).toEqual(['synack-no-ack']);
    const b = setup();
    established(b.w);
    b.w.t += 10;
    b.finish();
    expect(b.kinds()).not.toContain('synack-no-ack');
  });

  it('mid-stream-rst names who sent it, its state, and data in flight', () => {
    const { w, found } = setup();
    established(w);
    w.c('P.', 500, { lost: true });
    w.s('R', 0, { dt: 2 });
    const a = must(
      found.find((x) => x.kind === 'mid-stream-rst'),
      "found.find((x) => x.kind === 'mid-stream-rst')",
    );
    expect(a.endpoint).toBe('server');
    expect(a.message).toMatch(/server, ESTABLISHED/);
    expect(must(a.details, 'a.details').inFlight).toBe(500);
  });

  it('client-abort: the client resets after its request was answered and everything acknowledged', () => {
    const { w, kinds, found } = setup();
    established(w);
    w.c('P.', 100);
    w.s('.');
    w.s('P.', 600);
    w.c('.');
    w.c('R.');
    expect(kinds()).toEqual(['client-abort']);
    expect(at(found, 0).severity).toBe('info');
    expect(at(found, 0).message).toMatch(/100 bytes sent, 600 received, all acknowledged/);
  });

  it('a client RST before the answer, or with data unacknowledged, is mid-stream-rst; a server RST too', () => {
    const before = setup(); // request sent, no answer yet
    established(before.w);
    before.w.c('P.', 100);
    before.w.s('.');
    before.w.c('R.');
    expect(before.kinds()).toEqual(['mid-stream-rst']);
    const midTransfer = setup(); // the answer still in flight, not acknowledged by the client
    established(midTransfer.w);
    midTransfer.w.c('P.', 100);
    midTransfer.w.s('P.', 600);
    midTransfer.w.c('R.');
    expect(midTransfer.kinds()).toEqual(['mid-stream-rst']);
    const server = setup(); // the server resets after a completed exchange: still worth a look
    established(server.w);
    server.w.c('P.', 100);
    server.w.s('P.', 600);
    server.w.c('.');
    server.w.s('R.');
    expect(server.kinds()).toEqual(['mid-stream-rst']);
  });

  it('close-wait-stuck as soon as the threshold passes, figures updated at the end; not when closed in time', () => {
    const a = setup();
    established(a.w);
    a.w.c('F.');
    a.w.s('.');
    a.w.s('P.', 10, { dt: 6 }); // capture time passes the 5 s threshold
    expect(a.kinds()).toEqual(['close-wait-stuck']);
    a.w.t += 4;
    const f = a.finish();
    expect(must(at(f, 0).details, 'at(f, 0).details').duration).toBeCloseTo(10, 1);
    const b = setup();
    established(b.w);
    b.w.c('F.');
    b.w.s('.');
    b.w.s('F.', 0, { dt: 2 });
    b.w.c('.');
    b.w.t += 10;
    b.finish();
    expect(b.kinds()).not.toContain('close-wait-stuck');
  });

  it('zero-window once per endpoint, with the stall', () => {
    const { w, kinds, found, finish } = setup();
    established(w);
    w.c('P.', 1000);
    w.s('.', 0, { win: 0 });
    w.s('.', 0, { win: 0, dt: 0.5 });
    w.s('.', 0, { win: 1000, dt: 0.5 });
    w.s('.', 0, { win: 0, dt: 0.1 });
    w.s('.', 0, { win: 1000, dt: 0.2 });
    finish();
    expect(kinds()).toEqual(['zero-window', 'capture-ended-open']);
    expect(must(at(found, 0).details, 'at(found, 0).details').episodes).toBe(2);
    expect(must(at(found, 0).details, 'at(found, 0).details').longestStall).toBeCloseTo(1, 2);
  });

  it('retransmission-burst: 5 retransmissions within 1 s; spread-out ones are not a burst', () => {
    const a = setup();
    established(a.w);
    for (let i = 0; i < 5; i++) a.w.c('P.', 100);
    for (let i = 0; i < 5; i++) a.w.c('P.', 100, { seq: 1001 + i * 100, dt: 0.05 });
    expect(a.kinds()).toContain('retransmission-burst');
    const b = setup();
    established(b.w);
    b.w.c('P.', 100);
    for (let i = 0; i < 5; i++) b.w.c('P.', 100, { seq: 1001, dt: 0.3 * 2 ** i });
    expect(b.kinds()).not.toContain('retransmission-burst');
    expect(b.kinds()).toContain('half-open'); // the peer never answered
  });

  it('high-retransmission-rate over enough data segments only', () => {
    const a = setup();
    established(a.w);
    for (let i = 0; i < 30; i++) {
      a.w.c('P.', 100);
      if (i % 3 === 0) a.w.c('P.', 100, { seq: a.w.side[0].nxt - 100, dt: 0.3 });
      a.w.s('.', 0, { dt: 0.3 });
    }
    a.finish();
    expect(a.kinds()).toContain('high-retransmission-rate');
    const b = setup();
    established(b.w);
    b.w.c('P.', 100);
    b.w.c('P.', 100, { seq: 1001, dt: 0.3 });
    b.finish();
    expect(b.kinds()).not.toContain('high-retransmission-rate');
  });

  it('data-after-fin', () => {
    const { w, kinds } = setup();
    established(w);
    w.c('F.');
    w.c('P.', 10);
    expect(kinds()).toContain('data-after-fin');
  });

  it('fin-wait-2-stuck past its threshold', () => {
    const { w, kinds, finish } = setup({ finWait2Timeout: 2 });
    established(w);
    w.c('F.');
    w.s('.');
    w.t += 3;
    finish();
    expect(kinds()).toContain('fin-wait-2-stuck');
  });

  it('keep-alive is info and does not count as retransmission; no half-open on an answered idle connection', () => {
    const { w, kinds, finish } = setup();
    established(w);
    for (let i = 0; i < 5; i++) {
      w.c('.', 0, { seq: w.side[0].nxt - 1, dt: 75 });
      w.s('.');
    }
    finish();
    expect(kinds()).toEqual(['keep-alive', 'capture-ended-open']);
    expect(w.conn.client.retransmissions).toBe(0);
  });

  it('syn-with-data without TFO; port-reuse-time-wait; midstream-start', () => {
    const a = setup();
    a.w.c('S', 20);
    expect(a.kinds()).toEqual(['syn-with-data']);

    const b = setup();
    established(b.w);
    b.w.s('F.');
    b.w.c('F.');
    b.w.s('.');
    b.w.newIsn(0, 900_000);
    b.w.c('S', 0, { dt: 1 });
    expect(b.kinds()).toEqual(['port-reuse-time-wait']);

    const c = setup();
    c.w.side[0].nxt = 1001;
    c.w.side[0].rcvd = 5001;
    c.w.side[0].hasRcvd = true;
    c.w.c('P.', 10);
    expect(c.kinds()).toEqual(['midstream-start']);
  });
});

describe('host-level kinds', () => {
  it('time-wait-storm fires once per host with the peak', () => {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS, timeWaitThreshold: 10 }, (a) => found.push(a));
    for (let i = 0; i < 15; i++) {
      const w = new Wire({}, 40000 + i, 80, 1000, 5000, det);
      // each Wire has its own tracker: the detectors see 15 connections from one host
      established(w);
      w.c('F.');
      w.s('F.');
      w.c('.');
    }
    det.finish(2e9, []);
    const storms = found.filter((a) => a.kind === 'time-wait-storm');
    expect(storms).toHaveLength(1);
    expect(at(storms, 0).host).toBe('10.0.0.1');
    expect(must(at(storms, 0).details, 'at(storms, 0).details').peak).toBe(15);
  });

  it('syn-flood: many half-open handshakes to one listener', () => {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS, synFloodThreshold: 20 }, (a) => found.push(a));
    for (let i = 0; i < 30; i++) {
      const w = new Wire({}, 20000 + i, 80, 1000 + i, 5000, det);
      w.c('S');
      w.s('S.');
    }
    expect(found.filter((a) => a.kind === 'syn-flood')).toHaveLength(1);
    expect(
      must(
        found.find((a) => a.kind === 'syn-flood'),
        "found.find((a) => a.kind === 'syn-flood')",
      ).host,
    ).toBe('10.0.0.2:80');
  });

  it('no syn-flood from many handshakes whose clients answer, though their ACKs are still on the way', () => {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS, synFloodThreshold: 20 }, (a) => found.push(a));
    for (let i = 0; i < 30; i++) {
      const w = new Wire({}, 20000 + i, 80, 1000 + i, 5000, det);
      w.c('S');
      w.s('S.');
      w.c('.');
    }
    expect(found.filter((a) => a.kind === 'syn-flood')).toHaveLength(0);
  });
});
