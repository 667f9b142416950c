/**
 * What each anomaly says: the whole report (who, when, which frame, the
 * message and its details), on scenarios whose figures follow from the
 * segments sent, worked out in the comments. The threshold cases are in
 * boundaries.test.ts; here the wording and the numbers a reader acts on.
 */
import { describe, expect, it } from 'vitest';
import type { AnomalyReport } from '../../src/model/report.js';
import { at, EPS, established, manyWires, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

/**
 * How long a segment settled by its receiver's silence took to reach the
 * client: half the round trip between the capture point and the client
 * (the handshake's SYN-ACK to final ACK), as the tracker reckons it.
 */
function toClient(w: { conn: { synAckTs: number; ackTs: number } }): number {
  return (w.conn.ackTs - w.conn.synAckTs) / 2;
}

/** The report without the kind's fixed text (severity, hint: kinds.ts). */
const strip = ({ hint: _h, severity: _s, ...a }: AnomalyReport) => a;

describe('per connection', () => {
  it('syn-no-synack: raised when --syn-timeout (3 s) passed, its figures brought up to the end', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('S', 0, at(s.w, T0 + 1));
    s.w.c('S', 0, at(s.w, T0 + 3)); // frame 3: the first segment at the deadline
    // 130 s from the SYN to the end: 2 m 10 s (formatDuration, as everywhere).
    expect(s.finish(T0 + 130).map(strip)).toEqual([
      {
        kind: 'syn-no-synack',
        connection: 1,
        endpoint: 'client',
        t: T0 + 3,
        frame: 3,
        message: 'SYN to 10.0.0.2:80 got neither SYN-ACK nor RST: 2 retransmissions over 2 m 10 s',
        details: { synRetransmissions: 2, waited: 130 },
      },
    ]);
  });

  it('close-wait-stuck and fin-wait-2-stuck still there at the end: since when, for how long', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 10));
    // The server's ACK proves it got the FIN: CLOSE_WAIT from T0 + 10.5; the client
    // FIN_WAIT_2 from when that ACK reached it (it settles by the server's silence),
    // half the capture point's round trip to the client later.
    s.w.s('.', 0, at(s.w, T0 + 10.5));
    const fw2 = T0 + 10.5 + toClient(s.w);
    s.finish(T0 + 140.5);
    expect(s.found.map(strip)).toEqual([
      {
        kind: 'close-wait-stuck',
        connection: 1,
        endpoint: 'server',
        t: T0 + 15.5, // 5 s (--close-wait-timeout) after it began
        frame: 5,
        message: '10.0.0.2:80 (server) in CLOSE_WAIT for 2 m 10 s, still there at the end of the capture',
        details: { since: T0 + 10.5, duration: 130, closed: false },
      },
      {
        kind: 'fin-wait-2-stuck',
        connection: 1,
        endpoint: 'client',
        t: fw2 + 60, // 60 s (--fin-wait-2-timeout)
        frame: 5,
        message: '10.0.0.1:40000 (client) in FIN_WAIT_2 for 2 m 10 s, still there at the end of the capture',
        details: { since: fw2, duration: T0 + 140.5 - fw2, closed: false },
      },
    ]);
  });

  it('close-wait-stuck that ended: how long it lasted, and that it closed', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 10));
    s.w.s('.', 0, at(s.w, T0 + 10.5));
    s.w.s('P.', 10, at(s.w, T0 + 16)); // frame 6: past the 5 s, still in CLOSE_WAIT
    s.w.c('.', 0, at(s.w, T0 + 16.25));
    s.w.s('F.', 0, at(s.w, T0 + 20)); // closes 9.5 s after it acknowledged the FIN
    s.w.c('.', 0, at(s.w, T0 + 20.25));
    expect(s.finish(T0 + 21).map(strip)).toEqual([
      {
        kind: 'close-wait-stuck',
        connection: 1,
        endpoint: 'server',
        t: T0 + 15.5,
        frame: 6,
        message: '10.0.0.2:80 (server) stayed in CLOSE_WAIT for 9.5 s before it closed',
        details: { since: T0 + 10.5, duration: 9.5, closed: true },
      },
    ]);
  });

  it('fin-wait-2-stuck that ended', () => {
    const s = setup({ finWait2Timeout: 2 });
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 10));
    s.w.s('.', 0, at(s.w, T0 + 10.5)); // client FIN_WAIT_2 (when it reached the client)
    const fw2 = T0 + 10.5 + toClient(s.w);
    s.w.s('P.', 10, at(s.w, T0 + 13)); // frame 6, past 2 s
    s.w.c('.', 0, at(s.w, T0 + 13.25));
    s.w.s('F.', 0, at(s.w, T0 + 14));
    s.w.c('.', 0, at(s.w, T0 + 14.25)); // the client's ACK proves it got the FIN: out of FIN_WAIT_2 after 3.75 s
    expect(s.finish(T0 + 15).map(strip)).toEqual([
      {
        kind: 'fin-wait-2-stuck',
        connection: 1,
        endpoint: 'client',
        t: fw2 + 2,
        frame: 6,
        message: '10.0.0.1:40000 (client) stayed in FIN_WAIT_2 for 3.7 s before it closed',
        details: { since: fw2, duration: T0 + 14.25 - fw2, closed: true },
      },
    ]);
  });

  it('mid-stream-rst: who reset, both states, what was in flight', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 300, at(s.w, T0 + 1)); // acknowledged by the server's next segment
    s.w.s('P.', 200, { ...at(s.w, T0 + 2), lost: true }); // never acknowledged by the client
    s.w.c('R', 0, at(s.w, T0 + 3));
    expect(s.found.map(strip)).toEqual([
      {
        kind: 'mid-stream-rst',
        connection: 1,
        endpoint: 'client',
        t: T0 + 3,
        frame: 6,
        message:
          '10.0.0.1:40000 (client, ESTABLISHED) reset the connection; peer was ESTABLISHED; 200 bytes unacknowledged in flight; 500 bytes exchanged',
        details: {
          senderState: 'ESTABLISHED',
          receiverState: 'ESTABLISHED',
          inFlight: 200,
          unreadBySender: 200,
        },
      },
    ]);
  });

  it('mid-stream-rst with nothing in flight, from the server', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 100, at(s.w, T0 + 1));
    s.w.s('.', 0, at(s.w, T0 + 2));
    s.w.s('R', 0, at(s.w, T0 + 3));
    expect(s.found.map(strip)[0]).toMatchObject({
      endpoint: 'server',
      message:
        '10.0.0.2:80 (server, ESTABLISHED) reset the connection; peer was ESTABLISHED; no data in flight; 100 bytes exchanged',
      details: { inFlight: 0, unreadBySender: 0 },
    });
  });

  it('rst-out-of-window: the offset from what the receiver expects', () => {
    const s = setup();
    established(s.w);
    // The client acknowledged up to 5001 (the server's ISN 5000 + 1): 100 - 5001 = -4901.
    s.w.s('R', 0, { ...at(s.w, T0 + 3), seq: 100 });
    expect(s.finish(T0 + 4).map(strip)).toEqual([
      {
        kind: 'rst-out-of-window',
        connection: 1,
        endpoint: 'server',
        t: T0 + 3,
        frame: 4,
        message:
          "RST from the server with sequence number -4901 from the receiver's next expected, outside its window: ignored by the receiver",
        details: { offset: -4901 },
      },
      {
        kind: 'capture-ended-open',
        connection: 1,
        endpoint: null,
        t: T0 + 4,
        frame: 4,
        message: 'still open at the end of the capture (client ESTABLISHED, server ESTABLISHED)',
        details: {},
      },
    ]);
  });

  it('zero-window: episodes, segments, the longest stall, closed at the end', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 1000, at(s.w, T0 + 1));
    s.w.s('.', 0, { ...at(s.w, T0 + 1.5), win: 0 }); // episode 1 from 1.5
    s.w.s('.', 0, { ...at(s.w, T0 + 3), win: 0 });
    s.w.s('.', 0, { ...at(s.w, T0 + 4), win: 1000 }); // reopened: 2.5 s
    s.w.s('.', 0, { ...at(s.w, T0 + 5), win: 0 }); // episode 2, still closed at 8: 3 s
    const [zw] = s.finish(T0 + 8).map(strip);
    expect(zw).toEqual({
      kind: 'zero-window',
      connection: 1,
      endpoint: 'server',
      t: T0 + 1.5,
      frame: 5,
      message:
        'the server advertised a zero window 3 times in 2 episodes; the peer stalled up to 3 s (still closed at the end)',
      details: { episodes: 2, zeroWindowSegments: 3, longestStall: 3, stillClosed: true },
    });
  });

  it('keep-alive: the number of probes', () => {
    const s = setup();
    established(s.w);
    for (let i = 1; i <= 3; i++) {
      s.w.c('.', 0, { ...at(s.w, T0 + 75 * i), seq: s.w.side[0].nxt - 1 });
      s.w.s('.', 0, at(s.w, T0 + 75 * i + EPS));
    }
    expect(s.finish(T0 + 300).map(strip)[0]).toEqual({
      kind: 'keep-alive',
      connection: 1,
      endpoint: 'client',
      t: T0 + 75,
      frame: 4,
      message: '3 keep-alive probes from the client',
      details: { probes: 3 },
    });
  });

  it('syn-with-data and data-after-fin: how many bytes', () => {
    const a = setup();
    a.w.c('S', 20, at(a.w, T0));
    expect(a.found.map(strip)).toEqual([
      {
        kind: 'syn-with-data',
        connection: 1,
        endpoint: 'client',
        t: T0,
        frame: 1,
        message: 'SYN from the client carried 20 bytes without a TCP Fast Open option',
        details: { bytes: 20 },
      },
    ]);
    const b = setup();
    established(b.w);
    b.w.c('F.', 0, at(b.w, T0 + 1));
    b.w.c('P.', 10, at(b.w, T0 + 2));
    expect(b.found.map(strip)).toEqual([
      {
        kind: 'data-after-fin',
        connection: 1,
        endpoint: 'client',
        t: T0 + 2,
        frame: 5,
        message: 'the client sent 10 bytes of new data after its own FIN',
        details: { bytes: 10 },
      },
    ]);
  });

  it('retransmission-burst and half-open: how many, within how long, the silence', () => {
    const s = setup();
    established(s.w);
    for (let i = 0; i < 5; i++) s.w.c('P.', 100, { ...at(s.w, T0 + 3 + i * EPS), lost: true });
    // Frames 9-13: five retransmissions 125 ms apart, from T0 + 10.
    for (let i = 0; i < 5; i++) s.w.c('P.', 100, { ...at(s.w, T0 + 10 + i * 0.125), seq: 1001 + i * 100 });
    expect(s.found.map(strip)).toEqual([
      {
        // The third unanswered one; the server last sent its SYN-ACK at T0 + EPS.
        kind: 'half-open',
        connection: 1,
        endpoint: 'client',
        t: T0 + 10.25,
        frame: 11,
        message: 'the client retransmitted 3 times and the peer sent nothing for 10.2 s',
        details: { retransmissions: 3, silence: 10.25 - EPS },
      },
      {
        kind: 'retransmission-burst',
        connection: 1,
        endpoint: 'client',
        t: T0 + 10.5,
        frame: 13,
        message: '5 retransmissions from the client within 500 ms',
        details: { count: 5, within: 0.5 },
      },
    ]);
  });

  it('high-retransmission-rate: the rate and its figures', () => {
    const s = setup();
    established(s.w);
    let t = T0 + 3;
    for (let i = 0; i < 17; i++) {
      const lost = i < 3;
      s.w.c('P.', 100, { ...at(s.w, (t += 0.25)), lost });
      if (lost) s.w.c('P.', 100, { ...at(s.w, (t += 0.25)), seq: s.w.side[0].nxt - 100 });
      s.w.s('.', 0, at(s.w, (t += 0.25)));
    }
    const rate = s
      .finish()
      .filter((a) => a.kind === 'high-retransmission-rate')
      .map(strip);
    expect(rate).toEqual([
      {
        kind: 'high-retransmission-rate',
        connection: 1,
        endpoint: 'client',
        t, // at the connection's end (the capture's, here)
        frame: 40,
        message: "15.0% of the client's 20 data segments were retransmissions (3)",
        details: { rate: 0.15, retransmissions: 3, dataSegments: 20 },
      },
    ]);
  });

  it('connection-refused names the refusing endpoint', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('R.', 0, { ...at(s.w, T0 + 1), seq: 0, ack: 1001 });
    expect(s.found.map(strip)).toEqual([
      {
        kind: 'connection-refused',
        connection: 1,
        endpoint: 'server',
        t: T0 + 1,
        frame: 2,
        message: '10.0.0.2:80 answered the SYN with RST',
        details: {},
      },
    ]);
  });

  it('port-reuse-time-wait names the connection whose TIME_WAIT the SYN ended', () => {
    const s = setup();
    established(s.w);
    s.w.s('F.', 0, at(s.w, T0 + 1));
    s.w.c('F.', 0, at(s.w, T0 + 2));
    s.w.s('.', 0, at(s.w, T0 + 3)); // the server in TIME_WAIT
    s.w.newIsn(0, 900_000);
    s.w.c('S', 0, at(s.w, T0 + 4));
    expect(s.found.map(strip)).toEqual([
      {
        kind: 'port-reuse-time-wait',
        connection: 2,
        endpoint: 'client',
        t: T0 + 4,
        frame: 7,
        message:
          'a new SYN reused the 4-tuple of connection 1 while an endpoint was in TIME_WAIT (TIME_WAIT ended by the SYN)',
        details: { previous: 1 },
      },
    ]);
  });

  it('one of a thing is singular; durations under a second in ms, from 1 min in minutes (2 m 0 s)', () => {
    const a = setup({ synTimeout: 0.75 });
    a.w.c('S', 0, at(a.w, T0));
    a.w.c('S', 0, at(a.w, T0 + 0.5));
    expect(a.finish(T0 + 0.75).map((x) => x.message)).toEqual([
      'SYN to 10.0.0.2:80 got neither SYN-ACK nor RST: 1 retransmission over 750 ms',
    ]);
    const b = setup();
    established(b.w);
    b.w.c('.', 0, { ...at(b.w, T0 + 75), seq: b.w.side[0].nxt - 1 });
    b.w.s('.', 0, at(b.w, T0 + 75 + EPS));
    expect(b.finish(T0 + 80).map((x) => x.message)[0]).toBe('1 keep-alive probe from the client');
    const c = setup();
    established(c.w);
    c.w.c('P.', 1000, at(c.w, T0 + 1));
    c.w.s('.', 0, { ...at(c.w, T0 + 2), win: 0 });
    c.w.s('.', 0, { ...at(c.w, T0 + 3), win: 1000 });
    expect(c.finish(T0 + 4).map((x) => x.message)[0]).toBe(
      'the server advertised a zero window 1 time in 1 episode; the peer stalled up to 1 s',
    );
    // Exactly 120 s is in minutes; exactly 1 s is in seconds.
    const d = setup();
    d.w.c('S', 0, at(d.w, T0));
    d.w.c('S', 0, at(d.w, T0 + 1));
    expect(d.finish(T0 + 120).map((x) => x.message)[0]).toMatch(/over 2 m 0 s$/);
    const e = setup({ synTimeout: 1 });
    e.w.c('S', 0, at(e.w, T0));
    e.w.c('S', 0, at(e.w, T0 + 0.5));
    expect(e.finish(T0 + 1).map((x) => x.message)[0]).toMatch(/over 1 s$/);
  });

  it('port reuse: TIME_WAIT kept when the SYN was not newer; nothing when no endpoint was in TIME_WAIT', () => {
    const a = setup();
    established(a.w);
    a.w.s('F.', 0, at(a.w, T0 + 1));
    a.w.c('F.', 0, at(a.w, T0 + 2));
    a.w.s('.', 0, at(a.w, T0 + 3)); // the server in TIME_WAIT
    a.w.newIsn(0, 500); // below what the server last received: its TIME_WAIT does not take the SYN
    a.w.c('S', 0, at(a.w, T0 + 4));
    const reuse = a.found.filter((x) => x.kind === 'port-reuse-time-wait');
    expect(reuse.map((x) => x.message)).toEqual([
      'a new SYN reused the 4-tuple of connection 1 while an endpoint was in TIME_WAIT (TIME_WAIT kept: the SYN was not newer)',
    ]);
    const b = setup();
    established(b.w);
    b.w.c('R', 0, at(b.w, T0 + 1)); // closed by a RST: no TIME_WAIT
    b.w.newIsn(0, 900_000);
    b.w.c('S', 0, at(b.w, T0 + 2));
    expect(b.kinds()).not.toContain('port-reuse-time-wait');
  });

  it('the same kind on the same endpoint is raised once', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    for (let i = 1; i <= 5; i++) s.w.c('S', 0, at(s.w, T0 + i));
    s.finish(T0 + 10);
    expect(s.kinds()).toEqual(['syn-no-synack']);
    expect(s.w.conn.anomalies).toEqual(['syn-no-synack']);
  });
});

describe('per host', () => {
  it('time-wait-storm: the host, its peak and when, the ports', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 2 });
    // Four connections from ports 41000, 41007, 41014, 41021, each closed by the client first.
    for (let i = 0; i < 4; i++) {
      const w = wire(41000 + i * 7, 8080);
      established(w);
      w.c('F.');
      w.s('F.');
      w.c('.');
    }
    det.finish(T0 + 10, []);
    expect(found).toHaveLength(1);
    const a = must(found[0], 'found[0]');
    expect(a).toMatchObject({
      kind: 'time-wait-storm',
      connection: null,
      endpoint: null,
      host: '10.0.0.1',
      message: '10.0.0.1 held 4 TIME_WAIT endpoints at once at its peak; ports 41000-41021',
      // The fourth client in TIME_WAIT once its ACK (frame 6) shows it got the server's FIN.
      details: { peak: 4, threshold: 2, minPort: 41000, maxPort: 41021, peakFrame: 6 },
    });
    // Raised when the third came (more than 2), the peak at the fourth; every Wire starts at T0.
    expect(a.t).toBe(must(a.details, 'a.details').peakTime);
  });

  it('syn-flood counts only handshakes still half-open: other server transitions do not take from it', () => {
    const { found, wire } = manyWires({ synFloodThreshold: 2 });
    // A whole connection first: the server goes SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED.
    const done = wire(30000);
    established(done);
    done.c('F.');
    done.s('F.');
    done.c('.');
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0 + i));
      w.s('S.', 0, at(w, T0 + i + EPS));
    }
    expect(found.filter((a) => a.kind === 'syn-flood').map((a) => must(a.details, 'a.details').peak)).toEqual(
      [3],
    );
  });

  it("time-wait-storm counts TIME_WAITs only: the same host's other transitions do not take from it", () => {
    const { found, det, wire } = manyWires({ timeWaitThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(41000 + i);
      established(w);
      w.c('F.');
      w.s('F.');
      w.c('.');
      // The same client host opens another connection, which stays ESTABLISHED.
      established(wire(42000 + i));
    }
    det.finish(T0 + 10, []);
    expect(
      found.filter((a) => a.kind === 'time-wait-storm').map((a) => must(a.details, 'a.details').peak),
    ).toEqual([3]);
  });

  it('syn-flood: the listener, its peak, the client ports', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 4; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0 + i));
      w.s('S.', 0, at(w, T0 + i + EPS));
    }
    det.finish(T0 + 3.5, []);
    const flood = found.filter((a) => a.kind === 'syn-flood');
    expect(flood).toHaveLength(1);
    expect(flood[0]).toMatchObject({
      host: '10.0.0.2:80',
      t: T0 + 2 + EPS, // the third half-open handshake is more than 2
      details: { peak: 4, threshold: 2, peakTime: T0 + 3 + EPS, minPort: 20000, maxPort: 20003 },
    });
    expect(must(flood[0], 'flood[0]').message).toMatch(
      /^10\.0\.0\.2:80 held 4 half-open handshakes .*at its peak; ports 20000-20003$/,
    );
  });
});
