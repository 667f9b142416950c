/**
 * syn-flood counts per listener (address and port, src/detect/hosts.ts
 * hostKey) and the port range its report gives: listeners that differ in
 * address and port are counted apart, and client port 0 (as crafted floods
 * send) shows as a range of 0-0.
 */
import { describe, expect, it } from 'vitest';
import { at, EPS, manyWires, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

/** `n` half-open handshakes toward `server`:`sPort`, from clients 10.5.0.i at `cPort` (or 20000 + i). */
function halfOpen(
  wire: ReturnType<typeof manyWires>['wire'],
  n: number,
  server: number[],
  sPort: number,
  cPort?: number,
): void {
  for (let i = 0; i < n; i++) {
    const w = wire(cPort ?? 20000 + i, sPort, 1000 + i);
    w.side[0].addr = [10, 5, 0, i + 1];
    w.side[1].addr = server;
    w.c('S', 0, at(w, T0 + i * EPS));
    w.s('S.', 0, at(w, T0 + (i + 0.5) * EPS));
  }
}

describe('syn-flood listeners', () => {
  it('10.0.0.2:81 and 10.1.0.2:80 with 2 half-open handshakes each, threshold 2: no flood', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    halfOpen(wire, 2, [10, 0, 0, 2], 81);
    halfOpen(wire, 2, [10, 1, 0, 2], 80);
    det.finish(T0 + 2, []);
    expect(found.filter((a) => a.kind === 'syn-flood')).toEqual([]);
  });

  it('three half-open handshakes from client port 0, threshold 2: a flood whose ports read 0-0', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    halfOpen(wire, 3, [10, 0, 0, 2], 80, 0);
    det.finish(T0 + 2, []);
    const f = found.filter((a) => a.kind === 'syn-flood');
    expect(f.map((a) => a.message)).toEqual([
      '10.0.0.2:80 held 3 half-open handshakes at once at its peak; ports 0-0',
    ]);
    expect(must(f[0], 'f[0]').details).toMatchObject({ minPort: 0, maxPort: 0 });
  });
});
