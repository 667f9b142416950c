/**
 * RTT and throughput over time for one connection, from its segments as the
 * capture saw them (tcptrace's RTT and throughput graphs).
 *
 * RTT: from a data segment (or SYN/FIN) to the first ACK from the peer that
 * covers it, measured at the capture point; segments that were retransmitted
 * give no sample (Karn's algorithm: the ACK could be for either copy). Next to
 * the sender this is the whole round trip; elsewhere it is the part of it from
 * the capture point to the receiver and back.
 *
 * Throughput: bytes of each direction acknowledged by the receiver per time
 * bin (goodput: retransmitted bytes count once), in bytes per second.
 */
import { seqSpace, type ViewRow } from './types.js';
import { at } from '../../model/checked.js';

export interface RttSeries {
  /** Time of the ACK (s since the first segment) and the sample (s), per direction of the data. */
  c2s: { t: number[]; rtt: number[] };
  s2c: { t: number[]; rtt: number[] };
}

export function rttSeries(rows: ViewRow[]): RttSeries {
  const out: RttSeries = { c2s: { t: [], rtt: [] }, s2c: { t: [], rtt: [] } };
  // Per direction: segments awaiting an ACK, and the sequence numbers already resent.
  const pending: [number[], number[]] = [[], []];
  const resent: [Set<number>, Set<number>] = [new Set(), new Set()];
  for (let i = 0; i < rows.length; i++) {
    const r = at(rows, i);
    const d = r.dir === 'c2s' ? 0 : 1;
    if (seqSpace(r) > 0) {
      if (r.retransmission) resent[d].add(r.relSeq);
      else pending[d].push(i);
    }
    if (!r.flags.includes('.')) continue;
    const peer = at(pending, 1 - d);
    const series = d === 0 ? out.s2c : out.c2s;
    while (peer.length > 0) {
      const p = at(rows, at(peer, 0));
      if (p.relSeq + seqSpace(p) > r.relAck) break;
      peer.shift();
      if (at(resent, 1 - d).has(p.relSeq)) continue;
      series.t.push(r.rel);
      series.rtt.push(r.rel - p.rel);
    }
  }
  return out;
}

export interface ThroughputSeries {
  /** Bin start times (s since the first segment). */
  t: number[];
  c2s: number[];
  s2c: number[];
  /** Bin width (s). */
  bin: number;
}

export function throughputSeries(rows: ViewRow[], bins = 60): ThroughputSeries {
  const end = rows.length ? at(rows, rows.length - 1).rel : 0;
  const bin = end > 0 ? end / bins : 1;
  const n = end > 0 ? bins : 1;
  const c2s = new Array<number>(n).fill(0);
  const s2c = new Array<number>(n).fill(0);
  // Bytes of a direction count when the receiver's cumulative ACK moves past them
  // (a hole the capture saw filled late counts when it is filled); the receiver's
  // first ACK sets where it starts.
  const acked: [number | null, number | null] = [null, null];
  for (const r of rows) {
    if (!r.flags.includes('.') || r.flags.includes('R')) continue;
    const d = r.dir === 'c2s' ? 1 : 0; // the direction whose bytes this ACK covers
    const last = acked[d];
    if (last === null || r.relAck < last) {
      if (last === null) acked[d] = r.relAck;
      continue;
    }
    const k = Math.min(n - 1, Math.floor(r.rel / bin));
    const bins = d === 0 ? c2s : s2c;
    bins[k] = (bins[k] ?? 0) + r.relAck - last; // k < n, the bins' length
    acked[d] = r.relAck;
  }
  const t = Array.from({ length: n }, (_, k) => k * bin);
  return { t, c2s: c2s.map((b) => b / bin), s2c: s2c.map((b) => b / bin), bin };
}
