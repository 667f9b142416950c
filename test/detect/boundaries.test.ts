/**
 * Every detector threshold at, just below and just above its value, and the
 * conditions beside each threshold that a wrong change would drop: the RST
 * window's lower bound, connection-refused needing a *received* RST, the
 * half-open silence. Through the public pieces (Tracker + Detectors, driven by
 * test/tcp/wire.ts), as the engine wires them.
 * Times are exact (test/detect/helpers.ts).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/config/settings.js';
import { Detectors } from '../../src/detect/detectors.js';
import type { AnomalyReport } from '../../src/model/report.js';
import { State } from '../../src/model/states.js';
import { Wire } from '../tcp/wire.js';
import { at, EPS, established, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

/** When the newest connection's `side` entered `state`. */
function entered(w: Wire, side: 0 | 1, state: number): number {
  const r = w.rec.transitions.find((x) => x.rec.side === side && x.rec.to === state);
  expect(r, `side ${side} never entered state ${state}`).toBeDefined();
  return must(r, 'r').rec.t;
}

describe('--syn-timeout: a SYN resent once and unanswered at the end of the capture', () => {
  // A lone SYN never resent is withheld (capture-gap: an answer may not have been captured).
  function lone(timeout: number | undefined, age: number): string[] {
    const s = setup(timeout === undefined ? {} : { synTimeout: timeout });
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('S', 0, at(s.w, T0 + 1));
    s.finish(T0 + age);
    return s.kinds();
  }
  it('default 3 s: not at 3 s - EPS', () => expect(lone(undefined, 3 - EPS)).toEqual([]));
  it('default 3 s: syn-no-synack at exactly 3 s', () =>
    expect(lone(undefined, 3)).toEqual(['syn-no-synack']));
  it('default 3 s: syn-no-synack at 3 s + EPS', () =>
    expect(lone(undefined, 3 + EPS)).toEqual(['syn-no-synack']));
  it('the setting is the threshold: 10 s, not at 10 - EPS, at 10', () => {
    expect(lone(10, 10 - EPS)).toEqual([]);
    expect(lone(10, 10)).toEqual(['syn-no-synack']);
  });
  it('raised at the moment the timeout passed; the wait is brought up to the end of the capture', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('S', 0, at(s.w, T0 + 1));
    const [a] = s.finish(T0 + 7);
    expect(must(a, 'a').t).toBe(T0 + 3);
    expect(must(must(a, 'a').details, "must(a, 'a').details").waited).toBe(7);
    expect(must(a, 'a').message).toMatch(/1 retransmission over 7 s/);
  });
  it('not when the SYN was answered by a SYN-ACK in time', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + 3 - EPS));
    s.finish(T0 + 3 + EPS);
    expect(s.kinds()).not.toContain('syn-no-synack');
  });
});

describe('--synack-timeout: a SYN-ACK without the final ACK', () => {
  function halfDone(age: number, settings: Partial<Settings> = {}): string[] {
    const s = setup(settings);
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.s('S.', 0, at(s.w, T0 + 2)); // resent: the server never got the final ACK
    s.finish(T0 + 1 + age);
    return s.kinds().filter((k) => k !== 'capture-ended-open');
  }
  it('not at 3 s - EPS after the SYN-ACK', () => expect(halfDone(3 - EPS)).toEqual([]));
  it('synack-no-ack at exactly 3 s', () => expect(halfDone(3)).toEqual(['synack-no-ack']));
  it('synack-no-ack at 3 s + EPS', () => expect(halfDone(3 + EPS)).toEqual(['synack-no-ack']));
  it('the setting is the threshold (7 s)', () => {
    expect(halfDone(7 - EPS, { synackTimeout: 7 })).toEqual([]);
    expect(halfDone(7, { synackTimeout: 7 })).toEqual(['synack-no-ack']);
  });
  it('not when the final ACK came', () => {
    const s = setup();
    established(s.w);
    s.finish(T0 + 60);
    expect(s.kinds()).not.toContain('synack-no-ack');
  });
  it('withheld (a capture-gap note) when the capture missed the SYN the SYN-ACK answers', () => {
    const s = setup();
    s.w.side[0].nxt = s.w.side[0].isn + 1; // the client's SYN, not captured
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.c('.', 0, at(s.w, T0 + 1 + EPS)); // lost after the capture point: the SYN-ACK resent
    s.w.s('S.', 0, at(s.w, T0 + 2));
    s.finish(T0 + 10);
    expect(s.kinds()).not.toContain('synack-no-ack');
    expect(s.found.find((a) => a.kind === 'capture-gap')?.message).toBe(
      'synack-no-ack not raised for the server: the capture missed the SYN it answers, so it may have missed the final ACK too',
    );
  });
});

describe('--close-wait-timeout: the server got the FIN and never closed', () => {
  function closeWait(age: number, settings: Partial<Settings> = {}) {
    const s = setup(settings);
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 10));
    s.w.s('.', 0, at(s.w, T0 + 10.5));
    // The server's ACK of the FIN proves it got it: CLOSE_WAIT from then.
    const since = entered(s.w, 1, State.CLOSE_WAIT);
    expect(since).toBe(T0 + 10.5);
    s.finish(since + age);
    return s;
  }
  it('not at 5 s - EPS (the connection is reported open instead)', () =>
    expect(closeWait(5 - EPS).kinds()).toEqual(['capture-ended-open']));
  it('close-wait-stuck at exactly 5 s, with the duration', () => {
    const s = closeWait(5);
    expect(s.kinds()).toEqual(['close-wait-stuck']);
    expect(must(s.found[0], 's.found[0]').endpoint).toBe('server');
    expect(
      must(must(s.found[0], 's.found[0]').details, "must(s.found[0], 's.found[0]').details").duration,
    ).toBe(5);
  });
  it('close-wait-stuck at 5 s + EPS', () => expect(closeWait(5 + EPS).kinds()).toEqual(['close-wait-stuck']));
  it('its FIN not captured, only acknowledged after the threshold: withdrawn (how long it stayed is not known)', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 10));
    s.w.s('.', 0, at(s.w, T0 + 10.5));
    s.w.c('.', 0, at(s.w, T0 + 16)); // the tick past 5 s: close-wait-stuck
    expect(s.kinds()).toContain('close-wait-stuck');
    s.w.side[1].nxt += 1; // the server's FIN, not captured
    s.w.side[0].rcvd = s.w.side[1].nxt;
    s.w.c('.', 0, at(s.w, T0 + 17)); // the client acknowledges it
    expect(s.kinds()).not.toContain('close-wait-stuck');
    expect(s.found.find((a) => a.kind === 'capture-gap')?.message).toBe(
      'close-wait-stuck withdrawn for the server: its FIN was not captured (acknowledged 6.5 s after it entered CLOSE_WAIT), so how long it stayed there is not known',
    );
  });
  it('the setting is the threshold (30 s)', () => {
    expect(closeWait(30 - EPS, { closeWaitTimeout: 30 }).kinds()).not.toContain('close-wait-stuck');
    expect(closeWait(30, { closeWaitTimeout: 30 }).kinds()).toContain('close-wait-stuck');
  });
  it('not when the server closed within the timeout, even if the capture goes on long after', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 10));
    s.w.s('.', 0, at(s.w, T0 + 10.5));
    s.w.s('F.', 0, at(s.w, T0 + 15 - EPS));
    s.w.c('.', 0, at(s.w, T0 + 15));
    s.finish(T0 + 100);
    expect(s.kinds()).toEqual([]);
  });
});

describe('--fin-wait-2-timeout: the client closed, the server acknowledged and never closed', () => {
  function finWait2(age: number, settings: Partial<Settings> = {}) {
    const s = setup(settings);
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 10));
    s.w.s('.', 0, at(s.w, T0 + 11));
    s.w.settle(); // the bare ACK is taken as delivered once the settle delay passed
    const since = entered(s.w, 0, State.FIN_WAIT_2);
    // The server's CLOSE_WAIT (5 s) fires too: only the client's kind is looked at.
    s.finish(since + age);
    return s.found.filter((a) => a.kind === 'fin-wait-2-stuck');
  }
  it('default 60 s: not at 60 s - EPS', () => expect(finWait2(60 - EPS)).toEqual([]));
  it('default 60 s: fin-wait-2-stuck at exactly 60 s, on the client', () => {
    const f = finWait2(60);
    expect(f).toHaveLength(1);
    expect(must(f[0], 'f[0]').endpoint).toBe('client');
  });
  it('default 60 s: fin-wait-2-stuck at 60 s + EPS', () => expect(finWait2(60 + EPS)).toHaveLength(1));
  it('the setting is the threshold (2 s)', () => {
    expect(finWait2(2 - EPS, { finWait2Timeout: 2 })).toEqual([]);
    expect(finWait2(2, { finWait2Timeout: 2 })).toHaveLength(1);
  });
});

describe('host thresholds: more than the threshold, not as many', () => {
  /** `n` connections from one client host, each closed by the client first: n client TIME_WAITs. */
  function timeWaits(n: number, threshold: number): AnomalyReport[] {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS, timeWaitThreshold: threshold }, (a) => found.push(a));
    for (let i = 0; i < n; i++) {
      const w = new Wire({}, 40000 + i, 80, 1000, 5000, det);
      established(w);
      w.c('F.');
      w.s('F.');
      w.c('.');
      w.settle();
      expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    }
    det.finish(T0 + 10, []);
    return found.filter((a) => a.kind === 'time-wait-storm');
  }
  it('time-wait-storm: threshold 10, 10 TIME_WAITs: none', () => expect(timeWaits(10, 10)).toEqual([]));
  it('time-wait-storm: threshold 10, 11 TIME_WAITs: one, peak 11', () => {
    const s = timeWaits(11, 10);
    expect(s).toHaveLength(1);
    expect(must(must(s[0], 's[0]').details, "must(s[0], 's[0]').details").peak).toBe(11);
    expect(must(must(s[0], 's[0]').details, "must(s[0], 's[0]').details").threshold).toBe(10);
  });
  it('time-wait-storm: threshold 10, 9 TIME_WAITs: none', () => expect(timeWaits(9, 10)).toEqual([]));

  /** `n` half-open handshakes (SYN, SYN-ACK, no ACK) to one listener. */
  function halfOpen(n: number, threshold: number): AnomalyReport[] {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS, synFloodThreshold: threshold }, (a) => found.push(a));
    for (let i = 0; i < n; i++) {
      const w = new Wire({}, 20000 + i, 80, 1000 + i, 5000, det);
      w.c('S');
      w.s('S.');
      expect(w.conn.server.state).toBe(State.SYN_RECEIVED);
    }
    return found.filter((a) => a.kind === 'syn-flood');
  }
  it('syn-flood: threshold 20, 20 half-open: none', () => expect(halfOpen(20, 20)).toEqual([]));
  it('syn-flood: threshold 20, 21 half-open: one, on the listener', () => {
    const f = halfOpen(21, 20);
    expect(f).toHaveLength(1);
    expect(must(f[0], 'f[0]').host).toBe('10.0.0.2:80');
    expect(must(must(f[0], 'f[0]').details, "must(f[0], 'f[0]').details").peak).toBe(21);
  });
  it('syn-flood: threshold 20, 19 half-open: none', () => expect(halfOpen(19, 20)).toEqual([]));
  it('syn-flood: completed handshakes do not count', () => {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS, synFloodThreshold: 5 }, (a) => found.push(a));
    for (let i = 0; i < 10; i++) established(new Wire({}, 20000 + i, 80, 1000 + i, 5000, det));
    expect(found.map((a) => a.kind)).not.toContain('syn-flood');
  });
});

describe('half-open: retransmissions the peer never answers, and the peer silent for over 1 s', () => {
  /**
   * The server's last segment at T0 + 3; then the client's 100 bytes are lost and
   * retransmitted `rtx` times, the last one `silence` s after the server's segment.
   */
  function silent(rtx: number, silence: number): string[] {
    const s = setup();
    established(s.w);
    s.w.s('P.', 10, at(s.w, T0 + 3));
    s.w.c('P.', 100, { ...at(s.w, T0 + 3 + EPS), lost: true });
    const seq = s.w.side[0].nxt - 100;
    for (let i = 1; i <= rtx; i++) {
      const t = i === rtx ? T0 + 3 + silence : T0 + 3 + (i + 1) * 2 * EPS;
      s.w.c('P.', 100, { ...at(s.w, t), seq });
    }
    expect(s.w.conn.client.retransmissions).toBe(rtx);
    return s.kinds();
  }
  it('3 unanswered retransmissions, the peer silent exactly 1 s: not yet', () =>
    expect(silent(3, 1)).not.toContain('half-open'));
  it('3 unanswered retransmissions, the peer silent 1 s + EPS: half-open', () =>
    expect(silent(3, 1 + EPS)).toContain('half-open'));
  it('3 unanswered retransmissions, the peer silent 1 s - EPS: not yet', () =>
    expect(silent(3, 1 - EPS)).not.toContain('half-open'));
  it('2 unanswered retransmissions, however long the silence: not half-open', () =>
    expect(silent(2, 30)).not.toContain('half-open'));
  /**
   * The server's last segment at T0 + 3; 4 unanswered retransmissions, the
   * third at T0 + 4 (silence exactly 1 s: not yet), the fourth `gap` s later.
   */
  function lastTwo(gap: number): string[] {
    const s = setup();
    established(s.w);
    s.w.s('P.', 10, at(s.w, T0 + 3));
    s.w.c('P.', 100, { ...at(s.w, T0 + 3 + EPS), lost: true });
    const seq = s.w.side[0].nxt - 100;
    s.w.c('P.', 100, { ...at(s.w, T0 + 3.1), seq });
    s.w.c('P.', 100, { ...at(s.w, T0 + 3.2), seq });
    s.w.c('P.', 100, { ...at(s.w, T0 + 4), seq });
    s.w.c('P.', 100, { ...at(s.w, T0 + 4 + gap), seq });
    expect(s.w.conn.client.unansweredRtx).toBe(4);
    return s.kinds();
  }
  // The handshake timed the round trip to the server: EPS (SYN to SYN-ACK).
  it('the retransmission before the judging one sent two round trips (2 EPS) earlier: half-open', () =>
    expect(lastTwo(2 * EPS)).toContain('half-open'));
  it('sent less than two round trips earlier (its answer may still come): not yet', () =>
    expect(lastTwo(2 * EPS - 1 / 1024)).not.toContain('half-open'));
  it("no round trip timed (the handshake's SYN-ACK not captured): Linux's minimum RTO, 0.2 s", () => {
    const judge = (gap: number): string[] => {
      const s = setup();
      s.w.c('S', 0, at(s.w, T0));
      s.w.side[1].nxt = s.w.side[1].isn + 1; // its SYN-ACK not captured
      s.w.c('.', 0, at(s.w, T0 + 2 * EPS));
      s.w.s('P.', 10, at(s.w, T0 + 3));
      s.w.c('P.', 100, { ...at(s.w, T0 + 3 + EPS), lost: true });
      const seq = s.w.side[0].nxt - 100;
      for (const t of [3.1, 3.2, 4]) s.w.c('P.', 100, { ...at(s.w, T0 + t), seq });
      s.w.c('P.', 100, { ...at(s.w, T0 + 4 + gap), seq });
      expect(s.w.conn.rttToServer).toBe(0);
      return s.kinds();
    };
    expect(judge(0.25)).toContain('half-open');
    expect(judge(0.125)).not.toContain('half-open');
  });
  it('withdrawn (a capture-gap note) when the client then acknowledges data the capture never saw the server send', () => {
    const s = setup();
    established(s.w);
    s.w.s('P.', 10, at(s.w, T0 + 3));
    s.w.c('P.', 100, { ...at(s.w, T0 + 3 + EPS), lost: true });
    const seq = s.w.side[0].nxt - 100;
    for (const t of [3.25, 3.5, 4.25]) s.w.c('P.', 100, { ...at(s.w, T0 + t), seq });
    expect(s.kinds()).toContain('half-open');
    s.w.side[1].nxt += 20; // the server's 20 bytes, not captured
    s.w.side[0].rcvd = s.w.side[1].nxt;
    s.w.c('.', 0, at(s.w, T0 + 4.25 + EPS));
    expect(s.kinds()).not.toContain('half-open');
    const gap = s.found.find((a) => a.kind === 'capture-gap');
    expect(gap?.message).toBe(
      'half-open withdrawn for the client: the client acknowledged what the capture never saw the peer send',
    );
  });
  it('data the peer was captured acknowledging, resent (its ACK lost after the capture point), is not unanswered', () => {
    const s = setup();
    established(s.w);
    s.w.s('P.', 10, at(s.w, T0 + 3));
    s.w.c('P.', 100, at(s.w, T0 + 3 + EPS));
    s.w.s('.', 0, at(s.w, T0 + 3 + 2 * EPS)); // the server acknowledges the 100 bytes
    const seq = s.w.side[0].nxt - 100;
    for (const t of [3.25, 3.5, 4.25, 5.25]) s.w.c('P.', 100, { ...at(s.w, T0 + t), seq });
    expect(s.w.conn.client.retransmissions).toBe(4);
    expect(s.w.conn.client.unansweredRtx).toBe(0);
    expect(s.kinds()).not.toContain('half-open');
  });
  it('the peer answering resets the count', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 100, { ...at(s.w, T0 + 3), lost: true });
    const seq = s.w.side[0].nxt - 100;
    s.w.c('P.', 100, { ...at(s.w, T0 + 4), seq });
    s.w.c('P.', 100, { ...at(s.w, T0 + 5), seq, lost: true });
    s.w.s('.', 0, { ...at(s.w, T0 + 6), ack: 1001 }); // a duplicate ACK: the peer is alive
    s.w.c('P.', 100, { ...at(s.w, T0 + 9), seq });
    expect(s.kinds()).not.toContain('half-open');
  });
});

describe('retransmission-burst: --retransmission-burst 5 in 1 s', () => {
  /** 5 segments lost, then retransmitted: the first at T0 + 10, the fifth at T0 + 10 + span. */
  function burst(n: number, span: number): string[] {
    const s = setup();
    established(s.w);
    for (let i = 0; i < 5; i++) s.w.c('P.', 100, { ...at(s.w, T0 + 3 + i * EPS), lost: true });
    for (let i = 0; i < n; i++) {
      const t = i === n - 1 ? T0 + 10 + span : T0 + 10 + (i * span) / 8;
      s.w.c('P.', 100, { ...at(s.w, t), seq: 1001 + i * 100 });
    }
    expect(s.w.conn.client.retransmissions).toBe(n);
    return s.kinds().filter((k) => k === 'retransmission-burst');
  }
  it('5 within exactly 1 s: a burst', () => expect(burst(5, 1)).toEqual(['retransmission-burst']));
  it('5 within 1 s - EPS: a burst', () => expect(burst(5, 1 - EPS)).toEqual(['retransmission-burst']));
  it('5 over 1 s + EPS: no burst', () => expect(burst(5, 1 + EPS)).toEqual([]));
  it('4 within 0.5 s: no burst', () => expect(burst(4, 0.5)).toEqual([]));
});

describe('high-retransmission-rate: above 10 % of at least 20 data segments', () => {
  /** `fresh` new data segments and `rtx` retransmissions from the client, each acknowledged. */
  function rate(fresh: number, rtx: number, settings: Partial<Settings> = {}): AnomalyReport[] {
    const s = setup(settings);
    established(s.w);
    let t = T0 + 3;
    for (let i = 0; i < fresh; i++) {
      const lost = i < rtx;
      s.w.c('P.', 100, { ...at(s.w, (t += 0.25)), lost });
      if (lost) s.w.c('P.', 100, { ...at(s.w, (t += 0.25)), seq: s.w.side[0].nxt - 100 });
      s.w.s('.', 0, at(s.w, (t += 0.25)));
    }
    expect(s.w.conn.client.dataSegments).toBe(fresh + rtx);
    expect(s.w.conn.client.retransmissions).toBe(rtx);
    s.finish();
    return s.found.filter((a) => a.kind === 'high-retransmission-rate');
  }
  it('2 of 20 (exactly 10 %): not high', () => expect(rate(18, 2)).toEqual([]));
  it('3 of 20 (15 %): high, with the figures', () => {
    const f = rate(17, 3);
    expect(f).toHaveLength(1);
    expect(must(f[0], 'f[0]').endpoint).toBe('client');
    expect(must(f[0], 'f[0]').details).toMatchObject({ retransmissions: 3, dataSegments: 20, rate: 0.15 });
  });
  it('9 of 19 (47 %), below the 20 data segments: not judged', () => expect(rate(10, 9)).toEqual([]));
  it('the setting is the threshold: 10 of 20 (50 %) is not above 50 %, and is above 49 %', () => {
    expect(rate(10, 10, { highRetransmissionRate: 0.5 })).toEqual([]);
    expect(rate(10, 10, { highRetransmissionRate: 0.49 })).toHaveLength(1);
  });
  it('the minimum is a setting too: 9 of 19 is judged with --high-retransmission-min-segments 19', () =>
    expect(rate(10, 9, { highRetransmissionMinSegments: 19 })).toHaveLength(1));
});

describe('the RST acceptance window (RFC 5961 3.2): [last ACK - 1, last ACK + window]', () => {
  /** An established connection with 1000 bytes each way, then a server RST at `offset` from the client's last ACK. */
  function rst(offset: number) {
    const s = setup();
    established(s.w);
    s.w.c('P.', 1000, at(s.w, T0 + 3));
    s.w.s('P.', 1000, at(s.w, T0 + 4));
    s.w.c('.', 0, at(s.w, T0 + 5));
    const lastAck = s.w.conn.client.lastAck;
    expect(lastAck).toBe(5000 + 1 + 1000);
    s.w.s('R', 0, { ...at(s.w, T0 + 6), seq: (lastAck + offset) >>> 0 });
    return { s, states: s.w.states(), kinds: s.kinds() };
  }
  it('a RST 100 kB below the window does not close an established connection', () => {
    const r = rst(-100_000);
    expect(r.states).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(r.kinds).toEqual(['rst-out-of-window']);
    expect(
      must(must(r.s.found[0], 'r.s.found[0]').details, "must(r.s.found[0], 'r.s.found[0]').details").offset,
    ).toBe(-100_000);
  });
  it('2 below the last ACK: out of the window', () => {
    const r = rst(-2);
    expect(r.states).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(r.kinds).toEqual(['rst-out-of-window']);
  });
  it('1 below the last ACK (the lower bound): accepted, the connection is reset', () => {
    const r = rst(-1);
    expect(r.states).toEqual(['CLOSED', 'CLOSED']);
    expect(r.kinds).toEqual(['mid-stream-rst']);
  });
  it('at the last ACK: accepted', () => expect(rst(0).states).toEqual(['CLOSED', 'CLOSED']));
  it('at the top of the window: accepted; one past it: out of the window', () => {
    // The client advertised 64240 with window scale 7 in its SYN (test/tcp/wire.ts).
    const wnd = 64240 << 7;
    expect(rst(wnd).states).toEqual(['CLOSED', 'CLOSED']);
    const past = rst(wnd + 1);
    expect(past.states).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(past.kinds).toEqual(['rst-out-of-window']);
  });
});

describe('connection-refused needs a RST received in SYN_SENT that acknowledges the SYN', () => {
  it('SYN answered by RST+ACK of ISN + 1: refused, on the server', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('R.', 0, { ...at(s.w, T0 + 1), seq: 0, ack: 1001 });
    expect(s.kinds()).toEqual(['connection-refused']);
    expect(must(s.found[0], 's.found[0]').endpoint).toBe('server');
    expect(s.w.states()).toEqual(['CLOSED', 'CLOSED']);
  });
  it('the client aborting its own SYN with a RST is not refused', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('R', 0, { ...at(s.w, T0 + 1), seq: 1001 });
    expect(s.w.conn.client.state).toBe(State.CLOSED);
    s.finish(T0 + 10);
    expect(s.kinds()).not.toContain('connection-refused');
  });
  it('a RST+ACK that does not acknowledge the SYN (ack = ISN) is not acceptable: not refused', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('R.', 0, { ...at(s.w, T0 + 1), seq: 0, ack: 1000 });
    expect(s.w.conn.client.state).toBe(State.SYN_SENT);
    expect(s.kinds()).not.toContain('connection-refused');
  });
  it('a RST after the handshake is mid-stream, not refused', () => {
    const s = setup();
    established(s.w);
    s.w.s('R', 0, at(s.w, T0 + 3));
    expect(s.kinds()).toEqual(['mid-stream-rst']);
  });
});
