/**
 * What src/tcp/tracker.ts records of a connection and its endpoints beside
 * the states: a capture that starts mid-stream or during a teardown (and
 * the cause it gives the inferred handshake), the TTL of an endpoint's
 * first segment, the retransmissions no answer followed, and where a FIN
 * sent with a SYN sits.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

describe('picked up mid-stream', () => {
  it('a first segment with data: mid-stream, not a teardown, with that cause', () => {
    const w = new Wire();
    w.c('P.', 10);
    expect(w.conn.midstream).toBe(true);
    expect(w.conn.teardownPickup).toBe(false);
    expect(w.conn.transitions[0]?.cause).toBe('picked up mid-stream (handshake not captured)');
  });

  it('a first segment with FIN: a teardown pickup, with that cause', () => {
    const w = new Wire();
    w.c('F.');
    expect(w.conn.midstream).toBe(true);
    expect(w.conn.teardownPickup).toBe(true);
    expect(w.conn.transitions[0]?.cause).toBe(
      'picked up mid-stream during a teardown (handshake not captured; taken as ESTABLISHED before this FIN)',
    );
  });
});

describe('endpoint bookkeeping', () => {
  it('the TTL is the first segment’s', () => {
    const w = new Wire();
    w.c('S', 0, { ttl: 64 });
    w.s('S.', 0, { ttl: 50 });
    w.c('.', 0, { ttl: 63 });
    expect([w.conn.client.ttl, w.conn.server.ttl]).toEqual([64, 50]);
  });

  it('data resent twice without an answer counts 2 unanswered retransmissions; a resent SYN none', () => {
    const w = new Wire();
    w.c('S');
    w.c('S', 0, { dt: 1 });
    expect(w.conn.client.unansweredRtx).toBe(0);
    w.s('S.');
    w.c('.');
    w.c('P.', 100, { lost: true });
    w.c('P.', 100, { seq: 1001, dt: 0.3, lost: true });
    w.c('P.', 100, { seq: 1001, dt: 0.6, lost: true });
    expect(w.conn.client.unansweredRtx).toBe(2);
  });

  it('a FIN sent with a SYN sits after the SYN', () => {
    const w = new Wire();
    w.c('SF');
    expect(w.conn.client.finSent).toBe(true);
    expect(w.conn.client.finSeq).toBe(1001);
  });
});
