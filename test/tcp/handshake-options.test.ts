/**
 * What src/tcp/classify.ts records of a SYN's and SYN-ACK's options on the
 * sender (RFC 7323 window scale and timestamps, RFC 2018 SACK permitted,
 * the MSS), of every segment's TSval, and of the ISN: a resent SYN
 * without options keeps what the first one said; scaling is on only when
 * both ends sent a window scale; a SYN-ACK gives the client's ISN only when
 * its SYN was not captured.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

describe('SYN options on the sender', () => {
  it('MSS, SACK permitted and timestamps of the SYN are the client’s; the SYN-ACK’s the server’s', () => {
    const w = new Wire();
    w.c('S', 0, { mss: 1400, tsVal: 100 });
    w.s('S.', 0, { mss: 1380, sackOk: false });
    const { client, server } = w.conn;
    expect([client.mss, server.mss]).toEqual([1400, 1380]);
    expect([client.sackPermitted, server.sackPermitted]).toEqual([true, false]);
    expect([client.timestamps, server.timestamps]).toEqual([true, false]);
  });

  it('a SYN resent without an MSS option keeps the first one’s MSS', () => {
    const w = new Wire();
    w.c('S', 0, { mss: 1400 });
    w.c('S', 0, { mss: -1, dt: 1 });
    expect(w.conn.client.synRetransmissions).toBe(1);
    expect(w.conn.client.mss).toBe(1400);
  });

  it('an MSS option of 0 and a TSval of 0 count: the values are recorded', () => {
    const w = new Wire();
    w.c('S', 0, { mss: 0, tsVal: 0 });
    expect(w.conn.client.mss).toBe(0);
    expect(w.conn.client.timestamps).toBe(true);
    expect(w.conn.client.lastTsVal).toBe(0);
  });

  it('no MSS option and no timestamps: none recorded', () => {
    const w = new Wire();
    w.c('S', 0, { mss: -1 });
    expect(w.conn.client.mss).toBe(-1);
    expect(w.conn.client.timestamps).toBe(false);
    expect(w.conn.client.lastTsVal).toBe(-1);
  });

  it('window scaling is on when both sent a window scale, 0 included', () => {
    const w = new Wire();
    w.c('S', 0, { wscale: 0 });
    w.s('S.', 0, { wscale: 0 });
    expect(w.conn.scaling).toBe(true);
  });

  it.each([
    ['the client', -1, 7],
    ['the server', 7, -1],
  ])('window scaling is off when %s sent none', (_who, cws, sws) => {
    const w = new Wire();
    w.c('S', 0, { wscale: cws });
    w.s('S.', 0, { wscale: sws });
    expect(w.conn.scaling).toBe(false);
  });

  it('scaling is judged at the SYN-ACK: a later SYN without options leaves it on', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('S', 0, { wscale: -1, dt: 1 }); // the SYN again, on its timer, without options
    expect(w.conn.client.wscale).toBe(-1);
    expect(w.conn.scaling).toBe(true);
  });
});

describe('TSval of every segment', () => {
  it('the latest TSval sent is kept; a segment without the option leaves it', () => {
    const w = new Wire();
    w.c('S', 0, { tsVal: 10 });
    w.s('S.', 0, { tsVal: 500 });
    w.c('.', 0, { tsVal: 11 });
    expect(w.conn.client.lastTsVal).toBe(11);
    w.c('P.', 100);
    expect(w.conn.client.lastTsVal).toBe(11);
    w.c('P.', 100, { tsVal: 0 });
    expect(w.conn.client.lastTsVal).toBe(0);
  });
});

describe('the ISN', () => {
  it('a SYN-ACK with another ISN takes the new ISN, not a retransmission', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.newIsn(1, 90_000);
    w.s('S.', 0, { dt: 0.2 });
    expect(w.tracker.conns).toHaveLength(1);
    expect(w.conn.server.isn).toBe(90_000);
    expect(w.conn.server.synRetransmissions).toBe(0);
  });

  it('a RST’s sequence number says nothing of the sender’s data: its next sequence number stays unknown', () => {
    const w = new Wire();
    w.c('S');
    w.s('R.', 0, { seq: 0 });
    expect(w.conn.server.seqKnown).toBe(false);
  });

  it('a SYN-ACK acknowledging something else leaves the captured SYN’s ISN', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { ack: 123_456 });
    expect(w.conn.client.isn).toBe(1000);
  });

  it('a SYN-ACK whose SYN was not captured gives the client’s ISN from its acknowledgement', () => {
    const w = new Wire();
    w.s('S.', 0, { ack: 2001 });
    expect(w.conn.client.hasIsn).toBe(true);
    expect(w.conn.client.isn).toBe(2000);
  });
});
