/**
 * When a segment other than a SYN on a known 4-tuple starts another
 * connection (Tracker.isAnotherIncarnation: an uncaptured incarnation picked
 * up mid-stream) and when it stays with the one there: more than
 * closedLinger (5 s) after both endpoints closed; beyond its sender's FIN or
 * acknowledging beyond its peer's; data more than max(1 MiB, four windows)
 * from its sender's next sequence number once the connection ended or its
 * sender sent a FIN. And which segments on a 4-tuple whose old incarnation
 * is still held go to that old one (Tracker.oldIncarnationSide: within
 * 64 KiB of its sequence spaces, in none of the new one's).
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/tcp/connection.js';
import { clientStartsOver } from './ladders.js';
import { Wire } from './wire.js';

const T = 1_700_000_000;
const MIB = 1 << 20;

/** Established at whole-second times from T (exact arithmetic), window scale `wscale` on both SYNs. */
function established(wscale = 7): Wire {
  const w = new Wire();
  w.t = T;
  w.c('S', 0, { dt: 0, wscale });
  w.s('S.', 0, { dt: 0, wscale });
  w.c('.', 0, { dt: 0 });
  w.c('P.', 100, { dt: 0 });
  w.s('.', 0, { dt: 0 });
  return w;
}

/** Ended by the client's RST at T + 1: both CLOSED. */
function resetAtT1(wscale = 7): Wire {
  const w = established(wscale);
  w.c('R', 0, { dt: 1 });
  expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
  expect(w.conn.ended).toBe(true);
  return w;
}

describe('after both endpoints closed', () => {
  it('a segment exactly closedLinger (5 s) after the end stays with the connection', () => {
    const w = resetAtT1();
    w.c('.', 0, { dt: 5 });
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('a segment more than 5 s after the end is another connection, picked up mid-stream', () => {
    const w = resetAtT1();
    const old = w.conn;
    w.c('.', 0, { dt: 6 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.midstream).toBe(true);
    // Its end was captured (the RST), and it is reported ended once.
    expect(old.endNotCaptured).toBe(false);
    expect(w.rec.ended.filter((c) => c === old)).toHaveLength(1);
  });

  it('10 s after a close that left the client in TIME_WAIT, its ACK again stays with the connection', () => {
    const w = established();
    w.c('F.', 0, { dt: 1 });
    w.s('F.', 0, { dt: 1 });
    w.c('.', 0, { dt: 1 });
    w.settle();
    expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(w.conn.ended).toBe(true);
    w.c('.', 0, { dt: 10 });
    expect(w.tracker.conns).toHaveLength(1);
    expect(w.conn.client.packets).toBe(6);
    expect(w.rec.ended).toEqual([w.conn]);
  });

  it('10 s after a close that left the server in TIME_WAIT, its ACK again stays with the connection', () => {
    const w = established();
    w.s('F.', 0, { dt: 1 });
    w.c('F.', 0, { dt: 1 });
    w.s('.', 0, { dt: 1 });
    w.settle();
    expect(w.states()).toEqual(['CLOSED', 'TIME_WAIT']);
    w.s('.', 0, { dt: 10 });
    expect(w.tracker.conns).toHaveLength(1);
  });
});

describe('beyond a FIN', () => {
  /** The client sent its FIN (at sequence 1101) and the server acknowledged it. */
  function clientFinned(): Wire {
    const w = established();
    w.c('F.', 0, { dt: 1 });
    w.s('.', 0, { dt: 0 });
    return w;
  }

  it("data from the client beyond its own FIN is another connection's; the old one ends then, its end not captured", () => {
    const w = clientFinned();
    const old = w.conn;
    expect(old.ended).toBe(false);
    w.c('P.', 100, { seq: 1102 + 1000 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(old.ended).toBe(true);
    expect(old.endNotCaptured).toBe(true);
    expect(w.rec.ended).toEqual([old]);
  });

  it('data beyond the FIN of a client in TIME_WAIT (the server’s last ACK on its way): the server let go, the TIME_WAIT was taken over', () => {
    const w = established();
    w.c('F.', 0, { dt: 1 });
    w.s('F.', 0, { dt: 0 });
    w.c('.', 0, { dt: 0 });
    const old = w.conn;
    expect(w.states(old)).toEqual(['TIME_WAIT', 'LAST_ACK']);
    w.c('P.', 100, { seq: 1102 + 1000 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expect(old.transitions.filter((r) => r.side === 0).at(-1)?.cause).toBe(
      'TIME_WAIT taken over by a new connection on the same 4-tuple (its SYN not captured)',
    );
    expect(old.server.stateInferred).toBe(true);
  });

  it("a RST from the client beyond its own FIN stays with the connection (a RST's sequence number is not the connection's data)", () => {
    const w = clientFinned();
    const first = w.conn;
    w.c('R', 0, { seq: 1102 + 1000 });
    expect(w.tracker.conns).toHaveLength(1);
    expect(first.client.rstSent).toBe(true);
  });

  it("an ACK from the server beyond the client's FIN is another connection's", () => {
    const w = clientFinned();
    w.s('.', 0, { ack: 1102 + 1000 });
    expect(w.tracker.conns).toHaveLength(2);
  });

  it("an ACK from the server of exactly the client's FIN stays", () => {
    const w = clientFinned();
    w.s('.', 0, { ack: 1102 });
    expect(w.tracker.conns).toHaveLength(1);
  });
});

describe('data far from the sender’s next sequence number (1101 for the client)', () => {
  it('2 MiB ahead after the connection ended: another connection', () => {
    const w = resetAtT1(0);
    w.c('P.', 100, { seq: 1101 + 2 * MIB, dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
  });

  it('exactly 1 MiB ahead after it ended (windows of 64240, four of them under 1 MiB): the same connection', () => {
    const w = resetAtT1(0);
    w.c('P.', 100, { seq: 1101 + MIB, dt: 1 });
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('512 KiB ahead after it ended: the same connection (1 MiB is the least distance)', () => {
    const w = resetAtT1(0);
    w.c('P.', 100, { seq: 1101 + MIB / 2, dt: 1 });
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('2 MiB behind after it ended: another connection; exactly 1 MiB behind: the same', () => {
    const a = resetAtT1(0);
    a.c('P.', 100, { seq: 1101 - 2 * MIB, dt: 1 });
    expect(a.tracker.conns).toHaveLength(2);
    const b = resetAtT1(0);
    b.c('P.', 100, { seq: 1101 - MIB, dt: 1 });
    expect(b.tracker.conns).toHaveLength(1);
  });

  it('2 MiB ahead with a scaled window of 8 MB (four windows: 32 MB): the same connection', () => {
    const w = resetAtT1(7);
    w.c('P.', 100, { seq: 1101 + 2 * MIB, dt: 1 });
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('a bare ACK 2 MiB ahead after it ended: the same connection (only data is judged by distance)', () => {
    const w = resetAtT1(0);
    w.c('.', 0, { seq: 1101 + 2 * MIB, dt: 1 });
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('2 MiB ahead on an open connection (no FIN, not ended): the same connection', () => {
    const w = established(0);
    w.c('P.', 100, { seq: 1101 + 2 * MIB, dt: 1 });
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('2 MiB behind after the sender’s FIN (not ended): another connection', () => {
    const w = established(0);
    w.c('F.', 0, { dt: 1 });
    w.c('P.', 100, { seq: 1101 - 2 * MIB, dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
  });
});

describe('segments on a 4-tuple whose old connection the server still holds', () => {
  /** Old: established, the client sent 100 bytes (its next 1101, the server's 5001); the client starts over with ISN 3,000,000. */
  function startedOver(): { w: Wire; old: Connection } {
    const w = new Wire();
    const old = clientStartsOver(w);
    expect(w.conn.supersedes).toBe(old);
    return { w, old };
  }

  it('within 64 KiB of the old server’s next sequence number (65535 ahead or behind): the old connection', () => {
    for (const d of [65_535, -65_535]) {
      const { w, old } = startedOver();
      const before = old.server.packets;
      w.s('.', 0, { seq: (5001 + d) >>> 0, ack: 2_000_000 });
      expect(old.server.packets, `d = ${d}`).toBe(before + 1);
      expect(w.conn.server.packets, `d = ${d}`).toBe(0);
    }
  });

  it('65536 ahead or behind: not the old connection', () => {
    for (const d of [65_536, -65_536]) {
      const { w, old } = startedOver();
      const before = old.server.packets;
      w.s('.', 0, { seq: (5001 + d) >>> 0, ack: 2_000_000 });
      expect(old.server.packets, `d = ${d}`).toBe(before);
      expect(w.conn.server.packets, `d = ${d}`).toBe(1);
    }
  });

  it('a RST without ACK far from the old sequence space is not routed by its empty acknowledgment field', () => {
    const { w, old } = startedOver();
    const before = old.server.packets;
    w.s('R', 0, { seq: 9_000_000 });
    expect(old.server.packets).toBe(before);
    expect(w.conn.server.packets).toBe(1);
  });

  it('a SYN from the server near its old sequence space is not routed to the old connection', () => {
    const { w, old } = startedOver();
    const before = old.server.packets;
    w.s('S', 0, { seq: 5001 });
    expect(old.server.packets).toBe(before);
    expect(w.conn.server.packets).toBe(1);
  });
});
