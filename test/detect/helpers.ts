/**
 * Shared by the detector tests: a Wire (test/tcp/wire.ts) whose tracker reports
 * to Detectors, with times a double holds exactly at this magnitude (whole
 * seconds and multiples of EPS = 1/128 s), so "exactly at a threshold" is exact.
 */
import { DEFAULT_SETTINGS, type Settings } from '../../src/config/settings.js';
import { Detectors } from '../../src/detect/detectors.js';
import type { AnomalyReport } from '../../src/model/report.js';
import type { Connection } from '../../src/tcp/connection.js';
import { Wire } from '../tcp/wire.js';

export const EPS = 1 / 128;
export const T0 = 1_700_000_000;

export function setup(settings: Partial<Settings> = {}) {
  const found: AnomalyReport[] = [];
  const det = new Detectors({ ...DEFAULT_SETTINGS, ...settings }, (a) => found.push(a));
  const w = new Wire({}, 40000, 80, 1000, 5000, det);
  det.senders = (h) => w.tracker.hostSeen(h);
  /** Ends the capture at `t` (default: now), as the pipeline does: the tracker first, then the detectors. */
  const finish = (t = w.t) => {
    w.t = t;
    w.tracker.finish(t);
    det.finish(t, w.tracker.conns);
    return found;
  };
  return { w, det, found, finish, kinds: () => found.map((a) => a.kind) };
}

/** Send options for a segment at exactly time `t` (the Wire otherwise adds 1 ms a segment). */
export function at(w: Wire, t: number): { dt: number } {
  w.t = t;
  return { dt: 0 };
}

/**
 * Handshake at T0, T0 + EPS, T0 + 2 EPS: a round trip of EPS, so that a segment
 * sent again later than that is a retransmission, not a reordered original.
 */
export function established(w: Wire): void {
  w.c('S', 0, at(w, T0));
  w.s('S.', 0, at(w, T0 + EPS));
  w.c('.', 0, at(w, T0 + 2 * EPS));
}

/** Many connections seen by one Detectors (each Wire has its own tracker), as from one host. */
export function manyWires(settings: Partial<Settings>): {
  det: Detectors;
  found: AnomalyReport[];
  wire: (cPort: number, sPort?: number, cIsn?: number) => Wire;
} {
  const found: AnomalyReport[] = [];
  const det = new Detectors({ ...DEFAULT_SETTINGS, ...settings }, (a) => found.push(a));
  return {
    det,
    found,
    wire: (cPort, sPort = 80, cIsn = 1000) => new Wire({}, cPort, sPort, cIsn, 5000, det),
  };
}

/** The client closes first at t0 + 1: in TIME_WAIT from t0 + 1 + 2 EPS (when it acknowledges the server's FIN). */
export function clientTimeWait(w: Wire, t0 = T0): Connection {
  w.c('S', 0, at(w, t0));
  w.s('S.', 0, at(w, t0 + EPS));
  w.c('.', 0, at(w, t0 + 2 * EPS));
  w.c('F.', 0, at(w, t0 + 1));
  w.s('F.', 0, at(w, t0 + 1 + EPS));
  w.c('.', 0, at(w, t0 + 1 + 2 * EPS));
  return w.conn;
}

/** Summarises these connections of their wires, as the connection cap does (Tracker.forget, then Detectors.forget). */
export function summarise(det: Detectors, ...pairs: [Wire, Connection][]): void {
  const gone = new Set(pairs.map(([, c]) => c));
  for (const [w] of pairs) w.tracker.forget(gone);
  det.forget(gone);
}
