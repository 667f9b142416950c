/**
 * How src/tcp/classify.ts tells a segment below the sender's highest
 * sequence number apart: reordered on the way (within one handshake round
 * trip of the highest, or within the tracker's 3 ms when the round trip is
 * unknown), resent (later, or a fast retransmission the peer's duplicate
 * ACKs or SACK blocks asked for, or seen next to its sender), or an idle
 * probe one byte below the next sequence number; and the holes in the
 * captured sequence space such segments fill.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';
import { must } from '../../src/model/checked.js';
import { Vantage } from '../../src/tcp/connection.js';

const lastInfo = (w: Wire) => must(w.rec.segments.at(-1), 'w.rec.segments.at(-1)').info;

/** A handshake whose SYN-ACK comes `toServer` s after the SYN and the final ACK `toClient` s after that. */
function handshake(w: Wire, toServer: number, toClient: number): void {
  w.c('S');
  w.s('S.', 0, { dt: toServer });
  w.c('.', 0, { dt: toClient });
}

/**
 * After the handshake, the client's bytes 1001-1100 reach the capture
 * point after 1101-1200 (`late` s after them).
 */
function swapped(w: Wire, late: number): void {
  w.c('P.', 100, { seq: 1101 });
  w.c('P.', 100, { seq: 1001, dt: late });
}

describe('reordered or resent, by the handshake’s round trip', () => {
  it('a round trip of 0.2 s (0.15 + 0.05): 0.12 s late is reordered', () => {
    const w = new Wire();
    handshake(w, 0.15, 0.05);
    swapped(w, 0.12);
    expect(lastInfo(w).outOfOrder).toBe(true);
    expect(lastInfo(w).retransmission).toBe(false);
    expect([w.conn.client.outOfOrder, w.conn.client.retransmissions]).toEqual([1, 0]);
  });

  it('the same round trip: 0.25 s late is resent', () => {
    const w = new Wire();
    handshake(w, 0.15, 0.05);
    swapped(w, 0.25);
    expect(lastInfo(w).retransmission).toBe(true);
    expect([w.conn.client.outOfOrder, w.conn.client.retransmissions]).toEqual([0, 1]);
  });

  it('no handshake captured (mid-stream): 2 ms late is reordered, 10 ms late resent', () => {
    for (const [late, ooo] of [
      [0.002, true],
      [0.01, false],
    ] as const) {
      const w = new Wire();
      w.c('P.', 100, { seq: 901 });
      w.s('.');
      swapped(w, late);
      expect(lastInfo(w).outOfOrder, `${late}`).toBe(ooo);
      expect(lastInfo(w).retransmission, `${late}`).toBe(!ooo);
    }
  });

  it('the SYN not captured: the final ACK’s round trip alone is not used (3 ms)', () => {
    const w = new Wire();
    w.s('S.', 0, { ack: 1001 });
    w.c('.', 0, { dt: 0.1 });
    swapped(w, 0.02);
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('next to the client (SYN-ACK 0.1 s after the SYN, the ACK at once): its segments are resent, not reordered', () => {
    const w = new Wire();
    handshake(w, 0.1, 0.0005);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
    swapped(w, 0.01);
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('a FIN again at once is resent, not reordered', () => {
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('F.');
    w.c('F.', 0, { seq: 1001 });
    expect(lastInfo(w).retransmission).toBe(true);
    expect(w.conn.client.outOfOrder).toBe(0);
  });
});

describe('fast retransmission: asked for by duplicate ACKs', () => {
  /**
   * Round trip 0.2 s; the client's 1001-1100 lost after the capture point,
   * 1101-1400 arrive; the server's ACK of 1001 `dups` times (each a
   * duplicate: its SYN-ACK acknowledged 1001 already), `gap` s apart.
   */
  function lossThenDupAcks(dups: number, gap = 0.001): Wire {
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.c('P.', 100);
    w.c('P.', 100);
    for (let i = 0; i < dups; i++) w.s('.', 0, { ack: 1001, dt: gap });
    return w;
  }

  it('two duplicate ACKs: the hole filled 1 ms later is a retransmission', () => {
    const w = lossThenDupAcks(2);
    expect(w.conn.server.dupAcks).toBe(2);
    expect(lastInfo(w).dupAck).toBe(true);
    w.c('P.', 100, { seq: 1001 });
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('no duplicate ACK: the same segment 1 ms later is reordered', () => {
    const w = lossThenDupAcks(0);
    w.c('P.', 100, { seq: 1001 });
    expect(lastInfo(w).outOfOrder).toBe(true);
  });

  it('one duplicate ACK, sent over half a round trip (0.15 s) before the fill: a retransmission', () => {
    const w = lossThenDupAcks(1);
    w.c('P.', 100, { seq: 1001, dt: 0.15 });
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('one duplicate ACK 20 ms before the fill: reordered', () => {
    const w = lossThenDupAcks(1);
    w.c('P.', 100, { seq: 1001, dt: 0.02 });
    expect(lastInfo(w).outOfOrder).toBe(true);
  });

  /** 1001-1100 and 1101-1200 lost, 1201-1400 arrive; three ACKs of 1001 with `sack`; 1001 resent. */
  function twoHoles(sack: number[] | undefined): Wire {
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.c('P.', 100);
    for (let i = 0; i < 3; i++) w.s('.', 0, { ack: 1001, sack });
    w.c('P.', 100, { seq: 1001 });
    expect(lastInfo(w).retransmission).toBe(true);
    return w;
  }

  it('a hole the SACK blocks point at, above the ACK: a retransmission', () => {
    const w = twoHoles([1201, 1401]);
    w.c('P.', 100, { seq: 1101 });
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('without SACK blocks the same segment above the ACK: reordered', () => {
    const w = twoHoles(undefined);
    w.c('P.', 100, { seq: 1101 });
    expect(lastInfo(w).outOfOrder).toBe(true);
  });

  it('the highest of several SACK blocks counts', () => {
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    for (let i = 0; i < 3; i++) w.s('.', 0, { ack: 1001, sack: [1101, 1201, 1301, 1401] });
    w.c('P.', 100, { seq: 1201 });
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('a partial ACK below the SACKed edge keeps the episode: the next hole’s fill is a retransmission', () => {
    const w = twoHoles([1201, 1401]);
    w.s('.', 0, { ack: 1101, sack: [1201, 1401] }); // partial: 1101 still missing
    w.c('P.', 100, { seq: 1101 });
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('an ACK up to the SACKed edge ends the episode: a later hole filled at once is reordered again', () => {
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.s('.', 0, { ack: 1001 });
    w.s('.', 0, { ack: 1001, sack: [1101, 1201] });
    w.s('.', 0, { ack: 1001, sack: [1101, 1201] });
    w.c('P.', 100, { seq: 1001 });
    w.s('.', 0, { ack: 1201 });
    swapped2(w);
    expect(lastInfo(w).outOfOrder).toBe(true);
  });
});

/** 1201-1300 and 1301-1400, the second captured first. */
function swapped2(w: Wire): void {
  w.c('P.', 100, { seq: 1301 });
  w.c('P.', 100, { seq: 1201 });
}

describe('at the thresholds exactly (dyadic times: a round trip of 0.25 s)', () => {
  /** SYN at 0.5, SYN-ACK at 0.625, final ACK at 0.75: 0.25 s round trip, on the path. */
  function exact(): Wire {
    const w = new Wire();
    w.t = 0.5;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.125 });
    w.c('.', 0, { dt: 0.125 });
    w.t = 1;
    return w;
  }

  it('a segment exactly one round trip after the highest is resent', () => {
    const w = exact();
    w.c('P.', 100, { seq: 1101, dt: 0 });
    w.c('P.', 100, { seq: 1001, dt: 0.25 });
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('one duplicate ACK exactly half a round trip before the fill: a fast retransmission', () => {
    const w = exact();
    w.c('P.', 100, { lost: true, dt: 0 });
    w.c('P.', 100, { dt: 0 });
    w.s('.', 0, { ack: 1001, dt: 0 });
    expect(w.conn.server.dupAcks).toBe(1);
    w.c('P.', 100, { seq: 1001, dt: 0.125 });
    expect(lastInfo(w).retransmission).toBe(true);
  });
});

describe('fast retransmission: what does not count', () => {
  it('one duplicate ACK with no round trip known (mid-stream): the fill 1 ms later is reordered', () => {
    const w = new Wire();
    w.c('P.', 100, { seq: 901 });
    w.s('.');
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.s('.', 0, { ack: 1001 });
    expect(lastInfo(w).dupAck).toBe(true);
    w.c('P.', 100, { seq: 1001 });
    expect(lastInfo(w).outOfOrder).toBe(true);
  });

  it('data below the ACK resent during a SACK episode is no fast retransmission: reordered', () => {
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('P.', 100);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.c('P.', 100);
    for (let i = 0; i < 3; i++) w.s('.', 0, { ack: 1101, sack: [1201, 1401] });
    w.c('P.', 100, { seq: 1001 });
    expect(lastInfo(w).outOfOrder).toBe(true);
  });

  it('only the blocks a duplicate ACK carries count, not the array past them', () => {
    // The decoder reuses its SACK array: past a segment's blocks lie another segment's.
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.c('P.', 100);
    w.c('P.', 100, { sack: [1, 2, 3, 9001] }); // leaves 9001 in the fourth place
    for (let i = 0; i < 3; i++) w.s('.', 0, { ack: 1001, sack: [1101, 1201] });
    w.c('P.', 100, { seq: 1201 }); // above the SACKed edge 1201: no hole was reported there
    expect(lastInfo(w).outOfOrder).toBe(true);
  });

  it('a later duplicate ACK with a lower SACK edge does not lower the episode’s', () => {
    const w = new Wire();
    handshake(w, 0.1, 0.1);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.s('.', 0, { ack: 1001, sack: [1201, 1301] });
    w.s('.', 0, { ack: 1001, sack: [1201, 1301, 1401, 1501] });
    w.s('.', 0, { ack: 1001, sack: [1201, 1301] });
    w.c('P.', 100, { seq: 1301 });
    expect(lastInfo(w).retransmission).toBe(true);
  });
});

describe('idle probes', () => {
  it('one byte one below the next sequence number after a second’s idle: a keep-alive', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('.');
    w.c('.', 1, { seq: 1100, dt: 1 });
    expect(lastInfo(w).keepAlive).toBe(true);
    expect([w.conn.client.keepAlives, w.conn.client.retransmissions]).toEqual([1, 0]);
  });

  it('the same one byte while the peer’s window is closed: a zero-window probe', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('.', 0, { win: 0 });
    w.c('.', 1, { seq: 1100, dt: 1 });
    expect(lastInfo(w).zeroWindowProbe).toBe(true);
    expect([w.conn.client.zeroWindowProbes, w.conn.client.keepAlives]).toEqual([1, 0]);
  });

  it('two bytes one below the next sequence number: resent data, no probe', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('.');
    w.c('P.', 2, { seq: 1100, dt: 1 });
    expect(lastInfo(w).keepAlive).toBe(false);
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('one byte ten below the next sequence number: resent data, no probe', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('.');
    w.c('P.', 1, { seq: 1091, dt: 1 });
    expect(lastInfo(w).keepAlive).toBe(false);
    expect(lastInfo(w).retransmission).toBe(true);
  });

  it('a bare ACK ten below the next sequence number is no keep-alive', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('.');
    w.c('.', 0, { seq: 1091, dt: 1 });
    expect(lastInfo(w).keepAlive).toBe(false);
    expect(w.conn.client.keepAlives).toBe(0);
  });

  it('a segment without the ACK flag one below is no keep-alive', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('.');
    w.c('', 0, { seq: 1100, dt: 1 });
    expect(w.conn.client.keepAlives).toBe(0);
  });

  it('idle counts from the last data sent, not from bare ACKs: a probe 0.7 s after the data, 0.3 s after an ACK', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('P.', 10, { dt: 0.4 });
    w.c('.'); // acknowledges the server's data
    w.c('.', 0, { seq: 1100, dt: 0.3 });
    expect(lastInfo(w).keepAlive).toBe(true);
  });

  it('exactly 0.5 s after the data (1 s to 1.5 s) is too soon for a keep-alive', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.t = 1;
    w.c('P.', 100, { dt: 0 });
    w.s('.', 0, { dt: 0.125 });
    w.c('.', 0, { seq: 1100, dt: 0.375 });
    expect(w.t).toBe(1.5);
    expect(lastInfo(w).keepAlive).toBe(false);
  });

  it('0.4 s after the data is too soon for a keep-alive', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.s('.');
    w.c('.', 0, { seq: 1100, dt: 0.4 });
    expect(lastInfo(w).keepAlive).toBe(false);
  });

  it('with data of its own unacknowledged the probe shape is no keep-alive', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100, { lost: true });
    w.s('.', 0, { ack: 1001 });
    w.c('.', 0, { seq: 1100, dt: 1 });
    expect(lastInfo(w).keepAlive).toBe(false);
  });
});

describe('holes in the captured sequence space', () => {
  it('a jump in the sequence number is a gap', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100, { seq: 1101 });
    expect(lastInfo(w).gap).toBe(true);
  });

  it('of two holes the first is remembered', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100, { seq: 1101 });
    w.c('P.', 100, { seq: 1301 });
    const ev = must(w.conn.client.ev, 'ev');
    expect([ev.hole, ev.holeStart, ev.holeEnd]).toEqual([true, 1001, 1101]);
  });

  it('a retransmission from the hole’s start fills it: no capture gap when it is acknowledged', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100, { seq: 1101 });
    w.c('P.', 100, { seq: 1001, dt: 0.3 });
    w.s('.', 0, { ack: 1201 });
    expect(w.conn.captureGaps).toBe(0);
  });

  it('a retransmission above the hole’s start does not fill it: a capture gap when acknowledged past', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100, { seq: 1101 });
    w.c('P.', 100, { seq: 1101, dt: 0.3 });
    w.s('.', 0, { ack: 1201 });
    expect(w.conn.captureGaps).toBe(1);
  });

  it('a hole acknowledged past twice is one capture gap', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100, { seq: 1101 });
    w.s('.', 0, { ack: 1201 });
    w.c('P.', 100);
    w.s('.', 0, { ack: 1301 });
    expect(w.conn.captureGaps).toBe(1);
  });

  it('a retransmission reaching past the highest sequence moves it: the next segment is no gap', () => {
    const w = new Wire();
    handshake(w, 0.01, 0.01);
    w.c('P.', 100);
    w.c('P.', 100);
    w.c('P.', 300, { seq: 1001, dt: 0.3 }); // resends 1001-1200 and adds 1201-1300
    w.c('P.', 100, { seq: 1301 });
    expect(lastInfo(w).gap).toBe(false);
    expect(w.conn.client.sndNxt).toBe(1401);
  });
});
