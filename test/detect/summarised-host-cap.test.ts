/**
 * The bound on hosts whose TIME_WAIT endpoints are all of summarised
 * connections (src/detect/hosts.ts forget(), forgetHosts(), tick()): beyond
 * twCap such hosts (at least 256, else the largest number of connections
 * summarised at once), those with the fewest go, down to half the cap; a
 * host with an endpoint still in the flow table or with an anomaly stays.
 * What went is in twForgotten (hosts, endpoints, the most of one host).
 * Then the expiry buckets: a bucket's endpoints leave together at the latest
 * expiry in it (late by up to its width, 60 ms at MSL 30 s, never early).
 */
import { describe, expect, it } from 'vitest';
import type { Detectors } from '../../src/detect/detectors.js';
import type { Connection } from '../../src/tcp/connection.js';
import type { Wire } from '../tcp/wire.js';
import { at, clientTimeWait, EPS, manyWires, summarise, T0 } from './helpers.js';

/** HostDetectors.twForgotten, read through the Detectors that own it. */
function forgotten(det: Detectors): { hosts: number; endpoints: number; max: number } {
  const hosts = (
    det as unknown as { hosts: { twForgotten: { hosts: number; endpoints: number; max: number } } }
  ).hosts;
  return { ...hosts.twForgotten };
}

/** Many client hosts (10.a.b.c) in TIME_WAIT toward 10.0.0.2:80, each connection on a Wire of its own. */
function hosts(threshold: number) {
  const m = manyWires({ timeWaitThreshold: threshold });
  let port = 20000;
  /** A connection from `addr` whose client is in TIME_WAIT from t0 + 1 + 2 EPS (until t0 + 61 + 2 EPS). */
  const tw = (addr: number[], t0: number): [Wire, Connection] => {
    const w = m.wire(port++);
    w.side[0].addr = addr;
    return [w, clientTimeWait(w, t0)];
  };
  /** The same, summarised at once. */
  const gone = (addr: number[], t0: number): Connection => {
    const p = tw(addr, t0);
    summarise(m.det, p);
    return p[1];
  };
  return { ...m, tw, gone };
}

const host = (a: number, i: number) => [10, a, i >> 8, i & 255];
const storm = (
  found: { kind: string; host?: string | null; message: string; details?: unknown }[],
  h: string,
) => found.find((a) => a.kind === 'time-wait-storm' && a.host === h);

describe('hosts of summarised TIME_WAIT endpoints beyond the cap of 256', () => {
  it('256 are kept; the 257th makes the fewest-endpoint hosts go (129, down to 128), not one in the flow table or with a storm', () => {
    const { det, found, tw, gone } = hosts(2);
    // S: three endpoints summarised, a storm of 3 at T0 + 51; two of them leave at T0 + 61 and
    // T0 + 66 (+ 2 EPS): one endpoint left (until T0 + 111), of a summarised connection.
    gone([10, 2, 0, 2], T0);
    gone([10, 2, 0, 2], T0 + 5);
    gone([10, 2, 0, 2], T0 + 50);
    expect(storm(found, '10.2.0.2')).toBeDefined();
    // P: one endpoint summarised, one still in the flow table (its Wire's tracker).
    gone([10, 2, 0, 1], T0 + 70);
    tw([10, 2, 0, 1], T0 + 70);
    // 154 hosts of two summarised endpoints, then 100 of one: 256 hosts with S and P.
    for (let i = 0; i < 154; i++) {
      gone(host(3, i), T0 + 80);
      gone(host(3, i), T0 + 80);
    }
    for (let i = 0; i < 100; i++) gone(host(4, i), T0 + 80);
    expect(forgotten(det)).toEqual({ hosts: 0, endpoints: 0, max: 0 });
    gone(host(4, 100), T0 + 80);
    // The 101 hosts of one endpoint go first, then 28 of two.
    expect(forgotten(det)).toEqual({ hosts: 129, endpoints: 101 + 2 * 28, max: 2 });
    // P was kept: two more endpoints in TIME_WAIT make 4 at once (a forgotten P would count 2).
    tw([10, 2, 0, 1], T0 + 90);
    tw([10, 2, 0, 1], T0 + 90);
    det.finish(T0 + 95, []);
    expect(storm(found, '10.2.0.1')?.details).toMatchObject({ peak: 4 });
    // S was kept: its storm reports its peak at the end.
    expect(storm(found, '10.2.0.2')?.message).toBe(
      '10.2.0.2 held 3 TIME_WAIT endpoints at once at its peak; ports 20000-20002',
    );
  });

  it('hosts whose summarised endpoints all left do not count toward the cap; those with one left do', () => {
    const { det, wire, gone } = hosts(500);
    // 100 hosts of one endpoint leaving at T0 + 61 + 2 EPS; 100 of two, one leaving then, one at T0 + 101 + 2 EPS.
    for (let i = 0; i < 100; i++) gone(host(3, i), T0);
    for (let i = 0; i < 100; i++) {
      gone(host(4, i), T0);
      gone(host(4, i), T0 + 40);
    }
    const probe = wire(9000, 443);
    probe.c('S', 0, at(probe, T0 + 62));
    // 100 hosts with summarised endpoints left; 157 new ones make 257.
    for (let i = 0; i < 156; i++) gone(host(5, i), T0 + 70);
    expect(forgotten(det)).toEqual({ hosts: 0, endpoints: 0, max: 0 });
    gone(host(5, 156), T0 + 70);
    expect(forgotten(det)).toEqual({ hosts: 129, endpoints: 129, max: 1 });
  });

  it('300 connections summarised at once raise the cap to 300: nothing goes then; one more host makes 151 go (down to 150)', () => {
    const { det, tw, gone } = hosts(500);
    const pairs: [Wire, Connection][] = [];
    for (let i = 0; i < 300; i++) pairs.push(tw(host(3, i), T0));
    summarise(det, ...pairs);
    expect(forgotten(det)).toEqual({ hosts: 0, endpoints: 0, max: 0 });
    gone(host(4, 0), T0 + 10);
    expect(forgotten(det)).toEqual({ hosts: 151, endpoints: 151, max: 1 });
  });
});

describe('an expiry bucket leaves at the latest expiry in it (MSL 30 s: 60 ms wide)', () => {
  /**
   * Two summarised endpoints of 10.9.0.1 whose TIME_WAIT ends 30 ms apart in
   * one bucket (summarised in `order`); a third of its endpoints enters
   * TIME_WAIT 10 ms after the first ends. Threshold 2.
   */
  function twoInOneBucket(order: 'earlier first' | 'later first') {
    const { det, found, tw } = hosts(2);
    const width = 0.06;
    const k = Math.ceil((T0 + 100) / width);
    const a1 = k * width - 0.045;
    const a2 = a1 + 0.03;
    const start = (a: number) => a - 60 - 1 - 2 * EPS;
    const x = tw([10, 9, 0, 1], start(a1));
    const y = tw([10, 9, 0, 1], start(a2));
    expect(Math.ceil((x[1].client.timeWaitStart + 60) / width)).toBe(
      Math.ceil((y[1].client.timeWaitStart + 60) / width),
    );
    if (order === 'earlier first') summarise(det, x, y);
    else summarise(det, y, x);
    tw([10, 9, 0, 1], a1 + 0.01 - 1 - 2 * EPS);
    det.finish(a2 + 1, []);
    return storm(found, '10.9.0.1');
  }
  it('summarised earlier expiry first: the first has not left 10 ms after its end, a third makes 3 at once', () => {
    expect(twoInOneBucket('earlier first')?.details).toMatchObject({ peak: 3 });
  });
  it('summarised later expiry first: the same', () => {
    expect(twoInOneBucket('later first')?.details).toMatchObject({ peak: 3 });
  });
});
