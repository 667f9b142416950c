/**
 * The report of a finished analysis, assembled from what the engine holds at
 * the end of input: the connections in memory and those the connection cap
 * summarised or the spill file took (connection-retention.ts), the detectors'
 * anomalies, the capture's figures and quality, the states, the ladders; with
 * a filter, only what it selects. Also the states snapshots of live mode.
 */
import type { CaptureStats } from '../capture/record.js';
import { DecodeStatus, SKIP_REASON } from '../decode/segment.js';
import type { Detectors } from '../detect/detectors.js';
import { at } from '../model/checked.js';
import type {
  CaptureQuality,
  ConnectionReport,
  LadderReport,
  Report,
  StateSummary,
} from '../model/report.js';
import {
  anomalyMatches,
  captureSummary,
  type ConnFilter,
  connectionReport,
  linkTypeName,
  matches,
  stateSummary,
} from '../report/build.js';
import { roundDetails } from '../report/format.js';
import type { JsonBytes } from '../report/json-bytes.js';
import type { Connection } from '../tcp/connection.js';
import type { Tracker } from '../tcp/tracker.js';
import type { ConnectionRetention, Drawn } from './connection-retention.js';
import { ReportOrder } from './report-order.js';

export interface AnalysisResult {
  report: Report;
  /** The first of `ladders`, or null. */
  ladder: LadderReport | null;
  /**
   * With `ladders`: the recorded connections' rows by id (connections that
   * were summarised away are absent); `laddersFull` when the row budget ran out.
   */
  ladders?: Map<number, LadderReport>;
  laddersFull?: boolean;
  stats: CaptureStats;
  /**
   * With `finish(stats, { deferConnections: true })`: `report.connections` is
   * empty and its entries are built here on demand, a slice at a time, for a
   * writer that streams them (a big capture's reports are ~2 KB each).
   */
  deferred?: DeferredConnections;
}

/** The report's connections, `count` of them, built a slice at a time. */
export interface DeferredConnections {
  count: number;
  slice(from: number, to: number): ConnectionReport[];
  /** Writes the JSON of connections from..to-1, comma-separated, into `w` (report/connection-json.ts). */
  jsonInto(w: JsonBytes, from: number, to: number): void;
}

/** The engine's figures at the end of input. */
export interface EndFigures {
  stats: CaptureStats;
  /** The capture's last timestamp: "now" at the end. */
  end: number;
  /** Capture time of the first segment (text input's start). */
  firstTs: number;
  tcpPackets: number;
  /** Packets that did not become TCP segments, by reason name. */
  skipped: Record<string, number>;
  /** Text inputs whose figures a text capture cannot give (TextInputs.unavailable). */
  unavailable: string[];
  /** Leave `report.connections` empty and give them as `AnalysisResult.deferred` (ignored with a filter). */
  defer: boolean;
}

/**
 * Frames that did not become TCP segments, by reason name, added into
 * `skipped`: the decoders' statuses (`counts`, indexed by DecodeStatus), the
 * link types with no decoder, and the fates of IP fragments held for reassembly.
 */
export function tallySkipped(
  skipped: Record<string, number>,
  counts: readonly number[],
  unknownLinkTypes: ReadonlyMap<number, number>,
  fragments: { reassembled: number; timedOut: number; dropped: number } | null,
): void {
  const add = (k: string, n: number) => {
    if (n > 0) skipped[k] = (skipped[k] ?? 0) + n;
  };
  for (const [i, n] of counts.entries()) {
    // Continuation: a fragment held by the reassembler, counted below by its fate.
    if (i !== DecodeStatus.Ok && i !== DecodeStatus.Continuation) add(at(SKIP_REASON, i), n);
  }
  for (const [lt, n] of unknownLinkTypes) skipped[`unknown-link-type:${linkTypeName(lt)}`] = n;
  if (fragments !== null) {
    add('ip-fragment', fragments.reassembled);
    add('ip-fragment-timeout', fragments.timedOut);
    add('ip-fragment-dropped', fragments.dropped);
  }
}

export class ReportAssembly {
  constructor(
    private readonly tracker: Tracker,
    private readonly detectors: Detectors,
    private readonly retention: ConnectionRetention,
    private readonly filter: ConnFilter | null,
    private readonly drawn: Drawn,
  ) {}

  /** Endpoint states now (filtered), for snapshots and the report. */
  states(): StateSummary {
    const store = this.retention.store;
    const closed = store !== null && store.count > 0 ? { afterId: store.minId, count: store.count } : null;
    return stateSummary(
      this.keptConnections(),
      this.filter ? null : this.retention.cap.summarised,
      10,
      closed,
    );
  }

  /** The report, once the tracker and the detectors have finished. */
  result(f: EndFigures): AnalysisResult {
    const filter = this.filter;
    const conns = this.tracker.conns;
    const defer = f.defer && !filter;
    const order = new ReportOrder(conns, this.retention.store);
    const count = order.count;
    const all = defer ? [] : Array.from({ length: count }, (_, k) => order.report(k));
    const connections = filter ? all.filter((c) => matches(filter, c)) : all;
    const kept = new Set(connections.map((c) => c.id));
    const anomalies = this.detectors.anomalies
      .filter((a) => anomalyMatches(filter, a, kept))
      .map(roundDetails);
    const capture = captureSummary(f.stats, f.tcpPackets, f.skipped, f.unavailable);
    capture.quality = this.quality(f.stats);
    // Text input has no records for the reader to time: its packet lines do.
    if (capture.start === null && Number.isFinite(f.firstTs)) {
      capture.start = f.firstTs;
      capture.end = f.end;
    }
    const states = this.states();
    // Totals by kind: every anomaly raised (some may not be listed, see
    // KEEP_PER_KIND); with filters, only the listed ones can be told apart.
    const anomalyCounts: Record<string, number> = {};
    if (filter) for (const a of anomalies) anomalyCounts[a.kind] = (anomalyCounts[a.kind] ?? 0) + 1;
    else for (const [k, n] of this.detectors.counts) anomalyCounts[k] = n;
    const summarised = this.retention.cap.summarised;
    const report: Report = {
      version: 1,
      capture,
      connections,
      anomalies,
      anomalyCounts,
      anomaliesOmitted: filter ? 0 : this.detectors.omitted,
      states,
      summarised: {
        connections: summarised.connections,
        states: Object.fromEntries([
          ...Object.entries(summarised.client).map(([k, v]) => [`client ${k}`, v]),
          ...Object.entries(summarised.server).map(([k, v]) => [`server ${k}`, v]),
        ]),
      },
    };
    let ladder: LadderReport | null = null;
    let ladders: Map<number, LadderReport> | undefined;
    const recorder = this.drawn.recorder;
    if (recorder !== null) {
      const built = recorder.reports(this.drawn.ladders ? new Set(conns) : null);
      if (this.drawn.ladders) ladders = built;
      else if (this.drawn.ladder !== undefined) ladder = built.get(this.drawn.ladder) ?? null;
    }
    const extra = ladders && recorder ? { ladders, laddersFull: recorder.full } : {};
    if (defer) {
      // A plain object of closures: the CLI spreads it (report-out.ts).
      const deferred = {
        count,
        slice: (i: number, j: number) => Array.from({ length: j - i }, (_, k) => order.report(i + k)),
        jsonInto: (w: JsonBytes, i: number, j: number) => order.jsonInto(w, i, j),
      };
      return { report, ladder, stats: f.stats, deferred, ...extra };
    }
    return { report, ladder, stats: f.stats, ...extra };
  }

  private keptConnections(): Connection[] {
    const filter = this.filter;
    if (!filter) return this.tracker.conns;
    return this.tracker.conns.filter((c) => matches(filter, connectionReport(c)));
  }

  /**
   * What the capture missed or recorded twice, over every connection
   * (summarised and stored ones included through the running totals).
   */
  private quality(stats: CaptureStats): CaptureQuality {
    let { oneWay, withGaps, gaps } = this.retention.goneQuality();
    for (const c of this.tracker.conns) {
      if (c.oneWay) oneWay++;
      if (c.captureGaps > 0) {
        withGaps++;
        gaps += c.captureGaps;
      }
    }
    return {
      oneWayConnections: oneWay,
      connectionsWithGaps: withGaps,
      captureGaps: gaps,
      duplicates: this.tracker.duplicates,
      interfaceDrops: stats.interfaceDrops ?? null,
    };
  }
}
