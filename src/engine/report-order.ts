/**
 * The report's connections in the report's order (creation order, by id):
 * those still in memory (the tracker's list) merged with those the spill file
 * took (ConnectionStore), as report objects or written straight as JSON.
 */
import { writeConnectionJson } from '../report/connection-json.js';
import { connectionReport } from '../report/build.js';
import { JsonBytes } from '../report/json-bytes.js';
import type { ConnectionReport } from '../model/report.js';
import type { Connection } from '../tcp/connection.js';
import { at, must } from '../model/checked.js';
import type { ConnectionStore } from './connection-store.js';

export class ReportOrder {
  /** How many connections the report has. */
  readonly count: number;
  /** Connection k of the report: conns[m] for m >= 0, else stored record -m - 1; null when nothing was stored. */
  private readonly merged: Int32Array | null;

  constructor(
    private readonly conns: readonly Connection[],
    private readonly store: ConnectionStore | null,
  ) {
    this.count = conns.length + (store?.count ?? 0);
    this.merged = mergedOrder(conns, store);
  }

  /** Where the report's connection k is: >= 0 an index into conns, else -1 - its index in the store. */
  private slot(k: number): number {
    return this.merged === null ? k : at(this.merged, k);
  }

  /** The report's connection k. */
  report(k: number): ConnectionReport {
    const m = this.slot(k);
    return m >= 0 ? connectionReport(at(this.conns, m)) : this.storedReport(-m - 1);
  }

  /** Writes the JSON of connections from..to-1, comma-separated, into `w`. */
  jsonInto(w: JsonBytes, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      if (k > from) w.byte(44); // ,
      const m = this.slot(k);
      if (m >= 0) writeConnectionJson(w, at(this.conns, m));
      else must(this.store, 'the connection store').writeInto(w, -m - 1);
    }
  }

  /** A stored connection's report, read back from its JSON record. */
  private storedReport(i: number): ConnectionReport {
    const w = new JsonBytes(1 << 12);
    must(this.store, 'the connection store').writeInto(w, i);
    return JSON.parse(w.buf.toString('latin1', 0, w.pos)) as ConnectionReport;
  }
}

/**
 * With stored connections: the report's order as indexes into conns (>= 0)
 * and into the store (-1 - index); null when nothing was stored (conns is the
 * order).
 */
function mergedOrder(conns: readonly Connection[], store: ConnectionStore | null): Int32Array | null {
  if (store === null || store.count === 0) return null;
  const stored = store.order();
  const out = new Int32Array(conns.length + stored.length);
  let a = 0;
  let b = 0;
  for (let k = 0; k < out.length; k++) {
    const c = conns[a];
    const s = stored[b];
    if (s === undefined || (c !== undefined && c.id < store.id(s))) out[k] = a++;
    else {
      out[k] = -1 - s;
      b++;
    }
  }
  return out;
}
