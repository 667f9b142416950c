/**
 * The tracker's clock without segments (Tracker.advance): capture time only
 * moves forward; idle connections leave the flow table on a sweep at most
 * every 10 s of capture time, a handshake that never completed after
 * halfOpenTimeout (60 s), an ended one 2 x MSL + 1 s after its end; a
 * TIME_WAIT ends 2 x MSL after it began (seen, not inferred), and only
 * while the endpoint is still in it. Also: which segments open a
 * connection (SegInfo.opened) and which hosts were seen sending.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

const T = 1_700_000_000;

/** A wire whose clock starts at T exactly (whole seconds stay exact). */
function wireAtT(): Wire {
  const w = new Wire();
  w.t = T;
  return w;
}

describe('capture time', () => {
  it('advance() to an earlier time leaves the clock where it was', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.tracker.advance(T - 5);
    expect(w.tracker.now).toBe(T);
  });

  it('advance() to a later time moves it there', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.tracker.advance(T + 100);
    expect(w.tracker.now).toBe(T + 100);
  });
});

describe('idle sweep', () => {
  it('a lone SYN times out 60 s after it, at the first sweep past that (sweeps are 10 s apart)', () => {
    const w = wireAtT();
    const syn = w.c('S', 0, { dt: 0 }); // the first segment sweeps: the next sweep is due at T + 10
    void syn;
    const conn = w.conn;
    w.tracker.advance(T + 55); // a sweep: 55 s idle, kept
    expect(w.tracker.openCount).toBe(1);
    w.tracker.advance(T + 61); // past 60 s idle, but no sweep before T + 65
    expect(w.tracker.openCount).toBe(1);
    expect(conn.timedOut).toBe(false);
    w.tracker.advance(T + 65);
    expect(w.tracker.openCount).toBe(0);
    expect(conn.timedOut).toBe(true);
    expect(conn.ended).toBe(true);
    expect(w.rec.ended).toEqual([conn]);
  });

  it('an established connection picked up mid-stream is kept past 60 s of silence (idleTimeout 7200 s)', () => {
    const w = wireAtT();
    w.c('P.', 100, { dt: 0 });
    w.s('.', 0, { dt: 0 });
    w.tracker.advance(T + 100);
    w.tracker.advance(T + 3000);
    expect(w.tracker.openCount).toBe(1);
    expect(w.conn.timedOut).toBe(false);
    w.tracker.advance(T + 7210);
    expect(w.tracker.openCount).toBe(0);
    expect(w.conn.timedOut).toBe(true);
  });

  it('an ended connection leaves the table more than 61 s (2 x MSL + 1) after its end, not timed out', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0 });
    w.c('.', 0, { dt: 0 });
    w.c('R', 0, { dt: 1 }); // ended at T + 1
    const conn = w.conn;
    expect(conn.ended).toBe(true);
    w.tracker.advance(T + 62); // 61 s after its end: kept
    expect(w.tracker.openCount).toBe(1);
    w.tracker.advance(T + 72);
    expect(w.tracker.openCount).toBe(0);
    expect(conn.timedOut).toBe(false);
    expect(w.rec.ended).toEqual([conn]);
  });

  it('a connection that replaced a still-held one times out with it: the old one ends then', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0 });
    w.c('.', 0, { dt: 0 });
    w.settle();
    const old = w.conn;
    w.newIsn(0, 3_000_000);
    w.c('S', 0, { dt: 1 }); // the client started over; the old server still ESTABLISHED
    const fresh = w.conn;
    expect(fresh.supersedes).toBe(old);
    expect(old.ended).toBe(false);
    w.tracker.advance(T + 100);
    expect(fresh.timedOut).toBe(true);
    expect(fresh.supersedes).toBeNull();
    expect(old.ended).toBe(true);
  });
});

describe('TIME_WAIT expiry', () => {
  /** The client closes first and ends in TIME_WAIT at T + 3. */
  function clientInTimeWait(w: Wire): void {
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0 });
    w.c('.', 0, { dt: 0 });
    w.c('F.', 0, { dt: 1 });
    w.s('F.', 0, { dt: 1 });
    w.c('.', 0, { dt: 1 });
    w.settle(); // the last ACK taken as delivered: the server CLOSED
  }

  it('ends 2 x MSL after it began, seen, with its cause', () => {
    const w = wireAtT();
    clientInTimeWait(w);
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    const since = w.conn.client.stateSince;
    w.tracker.advance(since + 70);
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    const last = w.conn.transitions.at(-1);
    expect(last?.cause).toBe('2 x MSL elapsed in TIME_WAIT');
    expect(last?.inferred).toBe(false);
    expect(last?.t).toBe(since + 60);
    expect(w.evidence()[0]).toBe('seen');
  });

  it('an endpoint taken out of TIME_WAIT by a new SYN gets no expiry afterwards', () => {
    const w = wireAtT();
    clientInTimeWait(w);
    const old = w.conn;
    w.newIsn(0, 900_000);
    w.c('S', 0, { dt: 1 });
    const before = w.timeline(old);
    expect(w.states(old)[0]).toBe('CLOSED');
    w.tracker.advance(T + 200);
    expect(w.timeline(old)).toEqual(before);
    expect(old.transitions.map((r) => r.cause)).not.toContain('2 x MSL elapsed in TIME_WAIT');
  });
});

describe('SegInfo.opened', () => {
  it('is true for the segment that opened the connection, false for the next ones', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    expect(w.rec.segments.map((s) => s.info.opened)).toEqual([true, false, false]);
  });
});

describe('hosts seen sending (Tracker.hostSeen)', () => {
  const CLIENT_HOST = (10 << 24) | 1; // 10.0.0.1 (an IPv4 host key is its address)
  const SERVER_HOST = (10 << 24) | 2;

  it('a host is seen once it sent a segment, not when it only received one', () => {
    const w = new Wire();
    w.c('S');
    expect(w.tracker.hostSeen(CLIENT_HOST)).toBe(true);
    expect(w.tracker.hostSeen(SERVER_HOST)).toBe(false);
    w.s('S.');
    expect(w.tracker.hostSeen(SERVER_HOST)).toBe(true);
    w.c('.');
    w.c('P.', 10);
    expect(w.tracker.hostSeen(CLIENT_HOST)).toBe(true);
    expect(w.tracker.hostSeen((10 << 24) | 3)).toBe(false);
  });

  it('the host 0.0.0.1 (key 1) is seen after its first segment', () => {
    const w = new Wire();
    w.side[0].addr = [0, 0, 0, 1];
    w.c('S');
    expect(w.tracker.hostSeen(1)).toBe(true);
  });
});
