/**
 * IPv6 endpoints in anomaly messages and host counts: `[address]:port`
 * (src/detect/context.ts endpointName) and the host keyed by its text
 * (src/detect/hosts.ts). The Wire sends IPv4; here each segment is turned
 * into IPv6 (2001:db8::1 and 2001:db8::2) before the tracker sees it.
 */
import { describe, expect, it } from 'vitest';
import { toIpv6 as ipv6 } from '../tcp/wire.js';
import { at, EPS, manyWires, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

describe('IPv6 endpoints in messages', () => {
  it('connection-refused names the server as [2001:db8::2]:80', () => {
    const { w, found } = setup();
    ipv6(w);
    w.c('S', 0, at(w, T0));
    w.s('R.', 0, at(w, T0 + EPS));
    expect(w.conn.ipVersion).toBe(6);
    expect(found.map((a) => a.message)).toEqual(['[2001:db8::2]:80 answered the SYN with RST']);
  });
});

describe('IPv6 host counts', () => {
  it('syn-flood on [2001:db8::2]:80 with threshold 2: three half-open handshakes', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = ipv6(wire(20000 + i, 80, 1000 + i));
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
    }
    det.finish(T0 + 2, []);
    const f = found.filter((a) => a.kind === 'syn-flood');
    expect(f.map((a) => [a.host, a.message])).toEqual([
      [
        '[2001:db8::2]:80',
        '[2001:db8::2]:80 held 3 half-open handshakes at once at its peak; ports 20000-20002',
      ],
    ]);
  });
  it('time-wait-storm on 2001:db8::1 with threshold 1: two clients in TIME_WAIT at once', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    for (let i = 0; i < 2; i++) {
      const w = ipv6(wire(41000 + i));
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
      w.c('.', 0, at(w, T0 + 2 * EPS));
      w.c('F.', 0, at(w, T0 + 1));
      w.s('F.', 0, at(w, T0 + 1 + EPS));
      w.c('.', 0, at(w, T0 + 1 + 2 * EPS));
    }
    det.finish(T0 + 10, []);
    const f = found.filter((a) => a.kind === 'time-wait-storm');
    expect(f.map((a) => [a.host, must(a.details, 'a.details').peak])).toEqual([['2001:db8::1', 2]]);
  });
  it('time-wait-storm with threshold 1: 2001:db8::1 and 2001:db8::3 in TIME_WAIT at once are two hosts of one each, no storm', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    for (const host of [1, 3]) {
      const w = wire(41000);
      w.side[0].addr = [10, 0, 0, host];
      ipv6(w);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
      w.c('.', 0, at(w, T0 + 2 * EPS));
      w.c('F.', 0, at(w, T0 + 1));
      w.s('F.', 0, at(w, T0 + 1 + EPS));
      w.c('.', 0, at(w, T0 + 1 + 2 * EPS));
      expect([w.conn.client.addrText, w.states()[0]]).toEqual([`2001:db8::${host}`, 'TIME_WAIT']);
    }
    det.finish(T0 + 10, []);
    expect(found.filter((a) => a.kind === 'time-wait-storm')).toEqual([]);
  });
});
