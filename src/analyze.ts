/**
 * The engine: capture bytes -> records -> segments -> tracker -> detectors -> report.
 *
 * `analyze()` is the library API (`import { analyze } from 'tcptrace-ts'`); the
 * CLI is a thin shell over `Analysis`, which it drives directly in live mode to
 * take snapshots and advance the clock while no packet arrives.
 *
 * Hot path: the reader calls `record()` synchronously for every frame of a
 * chunk; decode fills one reused Segment; the tracker and detectors update the
 * connection in place. Nothing is allocated per packet but the rare transition.
 */
import {
  CaptureError,
  type CaptureStats,
  type CaptureWarning,
  type PacketRecord,
  type ReadOptions,
} from './capture/record.js';
import { readCaptureFiles, readCaptureStream } from './capture/reader.js';
import { validateSettings } from './config/load.js';
import { DEFAULT_SETTINGS, type Settings, type SettingsInput } from './config/settings.js';
import { Detectors } from './detect/detectors.js';
import { Layer } from './decode/cursor.js';
import { Defragmenter } from './decode/defrag.js';
import { decodeDatagram, decodeNextSubframe, decodePacket, firstLayer } from './decode/packet.js';
import { DecodeStatus, newSegment, SKIP_REASON, type Segment } from './decode/segment.js';
import { loadBaseline } from './gate/baseline.js';
import { judge } from './gate/verdict.js';
import { describeTunnels } from './decode/tunnel.js';
import {
  anomalyMatches,
  captureSummary,
  connectionReport,
  linkTypeName,
  makeFilter,
  matches,
  stateSummary,
} from './report/build.js';
import type {
  AnomalyReport,
  CaptureQuality,
  ConnectionReport,
  LadderReport,
  Report,
  StateSummary,
} from './model/report.js';
import { LadderRecorder, type LadderSelection } from './engine/ladder-recorder.js';
import { TextInputs } from './engine/text-input.js';
import { ConnectionCap } from './engine/connection-cap.js';
import { ConnectionStore, settled } from './engine/connection-store.js';
import { ReportOrder } from './engine/report-order.js';
import { roundDetails } from './report/format.js';
import type { JsonBytes } from './report/json-bytes.js';
import { CLIENT, type Connection, type TransitionRecord } from './tcp/connection.js';
import type { SegInfo } from './tcp/classify.js';
import { Tracker, type TrackerObserver } from './tcp/tracker.js';
import { ZeekConn } from './zeek/conn-state.js';
import type { ZeekOptions } from './zeek/settings.js';
import { ZeekLog, type ZeekRow } from './zeek/conn-log.js';
import { at, must } from './model/checked.js';

export type { LadderSelection } from './engine/ladder-recorder.js';

export interface AnalyzeOptions {
  /**
   * Thresholds and filters, as in the config file: `{ closeWaitTimeout: '10s' }`
   * or seconds. Validated as the CLI and config file are: an unknown key or a bad
   * value throws a UsageError naming it.
   */
  settings?: SettingsInput;
  /** Stop reading (SIGINT in live mode); what was read is analysed and reported. */
  signal?: AbortSignal;
  /** Each anomaly as soon as it becomes true (streaming, live mode). */
  onAnomaly?: (a: AnomalyReport) => void;
  /** Each connection when it ends (both sides closed, or one in TIME_WAIT). */
  onConnectionEnd?: (c: ConnectionReport) => void;
  /** A states snapshot every `settings.interval` seconds of capture time. */
  onStates?: (t: number, states: StateSummary) => void;
  onProgress?: (bytesRead: number, totalBytes: number | undefined, packets: number) => void;
  /**
   * Zeek's conn.log view (`--zeek`): each row as Zeek would log it, connections
   * split by Zeek's timers (src/zeek/conn-log.ts).
   */
  onZeekRow?: (row: ZeekRow) => void;
  /**
   * How the emulated Zeek was run (its likely_server_ports, timers); default a
   * plain `zeek` run. Conformance tests set the ports of `zeek -b` runs.
   */
  zeek?: ZeekOptions;
  /** Record the ladder rows of this connection id. */
  ladder?: number;
  /** Record the ladder rows of these connections (the HTML report's drawings); see AnalysisResult.ladders. */
  ladders?: LadderSelection;
  /** What `-` reads (default process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
  /**
   * tcpdump text input: epoch seconds of the UTC day its time-of-day stamps belong
   * to (default: today for standard input, the file's modification day otherwise).
   */
  textDate?: number;
  /**
   * tcpdump text input: the time zone (IANA name, e.g. `America/New_York`) of its
   * time-of-day and -tttt stamps, which tcpdump prints in local time. Default:
   * this process's zone (TZ). textDate is a day in this zone.
   */
  textTimeZone?: string;
  /** Read several files in the given order instead of time order. */
  order?: 'time' | 'given';
  /**
   * Move ended connections that can change no more out of memory into a
   * spill file (engine/connection-store.ts) whenever more than this many
   * connections are held; the report lists them all the same, in order. For a
   * writer that takes `finish(stats, { deferConnections: true })` (the CLI's
   * `--json`): its JSON records are written back as they were stored; other
   * uses read them back with JSON.parse. Ignored with host/port/conn filters.
   */
  storeEnded?: number;
}

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

export interface FinishOptions {
  /** Leave `report.connections` empty and give them as `AnalysisResult.deferred` (ignored with a filter). */
  deferConnections?: boolean;
}

/**
 * One analysis in progress. Feed it records (binary captures) or text lines
 * (tcpdump output) through `sink`, then call `finish()`.
 */
/** Connections held beyond those a spill kept, at least, before the next spill. */
const SPILL_STEP = 1000;

export class Analysis implements TrackerObserver {
  readonly settings: Settings;
  readonly tracker: Tracker;
  readonly detectors: Detectors;
  /** Packets that did not become TCP segments, by reason name. */
  readonly skipped: Record<string, number> = {};
  tcpPackets = 0;
  /** Frames seen (binary) or packet lines (text). */
  packets = 0;
  /** Capture time of the newest segment. */
  lastTs = 0;
  firstTs = Number.POSITIVE_INFINITY;
  private readonly seg: Segment = newSegment();
  private readonly skipCounts: number[] = new Array(SKIP_REASON.length).fill(0);
  /** Frames of link types we do not decode, by link type (named in `skipped`). */
  private readonly unknownLinkTypes = new Map<number, number>();
  /** Created at the first fragment that may carry a tunnel. */
  private defrag: Defragmenter | null = null;
  /** tcpdump text inputs: one parser each, and the evidence that they are tcpdump's. */
  private readonly text: TextInputs;
  /** Highest frame number fed so far (text inputs number their frames after it). */
  private maxFrame = 0;
  private readonly ladder: LadderRecorder | null;
  private readonly zeekLog: ZeekLog | null;
  private readonly opts: AnalyzeOptions;
  /** The connection cap: what is summarised away, and when. */
  private readonly cap: ConnectionCap;
  private nextStates: number;
  private readonly filter;
  /** Ended connections out of memory (opts.storeEnded), and when to look for more. */
  private readonly store: ConnectionStore | null;
  private storeAt: number;

  constructor(opts: AnalyzeOptions = {}) {
    this.opts = opts;
    this.settings = { ...DEFAULT_SETTINGS, ...validateSettings(opts.settings) } as Settings;
    const s = this.settings;
    this.filter = makeFilter(s.host, s.port, s.conn, s.tunnelHost);
    this.tracker = new Tracker(this, {
      msl: s.msl,
      idleTimeout: s.idleTimeout,
      halfOpenTimeout: s.handshakeIdleTimeout,
      newZeek: () => new ZeekConn(),
    });
    this.detectors = new Detectors(s, (a, conn) => this.onAnomaly(a, conn));
    this.detectors.senders = (h) => this.tracker.hostSeen(h);
    this.ladder =
      opts.ladders !== undefined
        ? new LadderRecorder(opts.ladders)
        : opts.ladder !== undefined
          ? new LadderRecorder({ ids: new Set([opts.ladder]) })
          : null;
    this.zeekLog = opts.onZeekRow ? new ZeekLog(opts.onZeekRow, opts.zeek) : null;
    this.nextStates = Number.POSITIVE_INFINITY;
    this.cap = new ConnectionCap(this.settings.maxConnections);
    this.text = new TextInputs(opts);
    const storeEnded = opts.storeEnded ?? 0;
    this.store = storeEnded > 0 && !this.filter ? new ConnectionStore() : null;
    this.storeAt = this.store !== null ? storeEnded : Number.POSITIVE_INFINITY;
  }

  /** The CaptureSink handed to the reader. */
  readonly sink = {
    record: (rec: PacketRecord): void => {
      this.packets++;
      const seg = this.seg;
      this.decoded(rec, decodePacket(rec.linkType, rec.buf, rec.offset, rec.capLen, rec.origLen, seg));
      // An 802.11 A-MSDU frame carries several packets (decode/ieee80211.ts): the others in turn.
      while (seg.amsduNext >= 0) this.decoded(rec, decodeNextSubframe(seg));
    },
    // The reader also keeps every warning in its stats, where the report takes them.
    warning: (_w: CaptureWarning): void => {},
    textLine: (line: string, file: string): void => {
      const st = this.text.line(line, file, this.seg, this.maxFrame);
      if (st === DecodeStatus.Pending || st === DecodeStatus.Continuation) return;
      this.packets++;
      if (st !== DecodeStatus.Ok) {
        this.skipCounts[st] = (this.skipCounts[st] ?? 0) + 1;
        return;
      }
      this.feed(this.seg);
    },
  };

  /** A decoded record (or A-MSDU subframe): fed to the tracker, or counted as skipped. */
  private decoded(rec: PacketRecord, st: DecodeStatus): void {
    const seg = this.seg;
    if (st !== DecodeStatus.Ok) {
      if (st === DecodeStatus.Reassemble) st = this.reassemble(rec);
      else if (st === DecodeStatus.UnknownLinkType) {
        this.unknownLinkTypes.set(rec.linkType, (this.unknownLinkTypes.get(rec.linkType) ?? 0) + 1);
        return;
      }
      if (st !== DecodeStatus.Ok) {
        this.skipCounts[st] = (this.skipCounts[st] ?? 0) + 1;
        return;
      }
    }
    seg.frame = rec.frame;
    seg.tsSec = rec.tsSec;
    seg.tsNsec = rec.tsNsec;
    seg.ts = rec.tsSec + rec.tsNsec / 1e9;
    this.feed(seg);
  }

  /**
   * A fragment of a datagram that may carry a tunnel: kept until the datagram
   * is whole, which is then decoded (its tunnels opened) in this frame's place.
   * The fragments before it are counted by their fate at the end (finish()).
   */
  private reassemble(rec: PacketRecord): DecodeStatus {
    this.defrag ??= new Defragmenter();
    const seg = this.seg;
    const ts = rec.tsSec + rec.tsNsec / 1e9;
    let whole = this.defrag.add(rec.buf, Math.min(rec.offset + rec.capLen, rec.buf.length), seg, ts);
    // A rebuilt datagram may tunnel a fragment itself (fragmented inside a fragmented
    // tunnel): that one waits in its turn, counted by its fate like any other.
    for (let depth = 0; whole !== null; depth++) {
      const st = decodeDatagram(whole.datagram, whole.chain, seg);
      if (st !== DecodeStatus.Reassemble || depth === 2) return st;
      whole = this.defrag.add(whole.datagram, whole.datagram.length, seg, ts);
    }
    return DecodeStatus.Continuation;
  }

  private feed(seg: Segment): void {
    this.tcpPackets++;
    if (seg.frame > this.maxFrame) this.maxFrame = seg.frame;
    if (seg.ts < this.firstTs) {
      this.firstTs = seg.ts;
      if (this.opts.onStates) this.nextStates = seg.ts + this.settings.interval;
    }
    if (seg.ts > this.lastTs) this.lastTs = seg.ts;
    // Deadlines that passed before this segment fire first: a CLOSE_WAIT that
    // this very segment ends was stuck for longer than the threshold before it.
    if (seg.ts >= this.detectors.nextDeadline) this.detectors.tick(seg.ts);
    this.tracker.segment(seg);
    if (this.zeekLog !== null) this.zeekLog.segment(seg);
    if (seg.ts >= this.nextStates) this.emitStates(seg.ts);
    if (this.tracker.conns.length > this.cap.at) this.compact();
    if (this.tracker.conns.length >= this.storeAt) this.spill();
  }

  /**
   * Settled connections (ended, out of the flow table, CLOSED on both sides,
   * no anomaly open) leave memory as their JSON records; the tracker's and the
   * detectors' queues let go of them. Runs again once a sixteenth more are
   * held (at least SPILL_STEP, or opts.storeEnded if smaller), so the scans
   * cost linear time overall.
   */
  private spill(): void {
    const store = must(this.store, 'the connection store');
    const held: Connection[] = [];
    const gone = new Set<Connection>();
    for (const c of this.tracker.conns) {
      if (settled(c) && !this.drawn(c) && this.detectors.settled(c, this.lastTs)) {
        store.add(c);
        gone.add(c);
      } else held.push(c);
    }
    if (gone.size > 0) {
      this.tracker.conns = held;
      this.tracker.forget(gone);
      this.detectors.forget(gone);
      // Nothing refers to them any more: their slab rows go to new connections.
      for (const c of gone) c.release();
    }
    // A sixteenth more, not a quarter: the connections that settle meanwhile wait
    // in memory for the next scan, and at 10 M packets a quarter of ~20,000 held
    // was ~8 MB more live heap (twice that resident, docs/performance.md#heap-growth).
    const step = Math.min(this.opts.storeEnded ?? 0, SPILL_STEP);
    this.storeAt = held.length + Math.max(step, Math.ceil(held.length / 16));
  }

  /** A connection whose ladder is being recorded stays in memory. */
  private drawn(c: Connection): boolean {
    const ladders = this.opts.ladders;
    return (
      c.id === this.opts.ladder ||
      (ladders !== undefined && ladders.ids !== 'all' && this.ladder?.wants(c.id) === true)
    );
  }

  /** Connections moved out of memory so far (opts.storeEnded). */
  get storedConnections(): number {
    return this.store?.count ?? 0;
  }

  /** Advance capture time with no packet (live mode: the wall clock moved on). */
  advanceClock(t: number): void {
    if (t <= this.lastTs) return;
    this.tracker.advance(t);
    this.detectors.tick(t);
  }

  private emitStates(t: number): void {
    this.nextStates = t + this.settings.interval;
    this.opts.onStates?.(t, this.states());
  }

  /** Endpoint states now (filtered), for snapshots. */
  states(): StateSummary {
    const store = this.store;
    const closed = store !== null && store.count > 0 ? { afterId: store.minId, count: store.count } : null;
    return stateSummary(this.keptConnections(), this.filter ? null : this.cap.summarised, 10, closed);
  }

  private keptConnections(): Connection[] {
    if (!this.filter) return this.tracker.conns;
    return this.tracker.conns.filter((c) => matches(this.filter, connectionReport(c)));
  }

  // --- TrackerObserver: the ladder recorder first (rows exist before anomalies land on them) ---

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    if (info.opened) this.cap.opened(conn, seg);
    // The tunnel chain, described once, from the connection's first segment.
    if (seg.tunnelDepth !== 0 && conn.tunnel === null)
      conn.tunnel = describeTunnels(seg, info.side !== CLIENT);
    this.ladder?.segment(conn, seg, info);
    this.detectors.segment(conn, seg, info);
  }

  transition(conn: Connection, rec: TransitionRecord): void {
    this.detectors.transition(conn, rec);
  }

  portReuse(previous: Connection, conn: Connection, seg: Segment, took: boolean): void {
    this.detectors.portReuse(previous, conn, seg, took);
  }

  connectionEnded(conn: Connection): void {
    this.detectors.connectionEnded(conn);
    if (this.opts.onConnectionEnd) {
      const r = connectionReport(conn);
      if (matches(this.filter, r)) this.opts.onConnectionEnd(r);
    }
  }

  private onAnomaly(a: AnomalyReport, conn: Connection | null): void {
    this.ladder?.anomaly(a);
    if (!this.opts.onAnomaly) return;
    a = roundDetails(a);
    if (this.filter) {
      const ids = new Set<number>();
      if (conn && matches(this.filter, connectionReport(conn))) ids.add(conn.id);
      if (!anomalyMatches(this.filter, a, ids)) return;
    }
    this.opts.onAnomaly(a);
  }

  /** Past the connection cap: summarise connections the selected ladders do not need. */
  private compact(): void {
    this.cap.compact(
      this.tracker,
      // A connection being drawn stays (unless everything is: then memory comes first).
      (c) => this.drawn(c),
      (drop) => this.detectors.forget(drop),
    );
  }

  /**
   * What the capture missed or recorded twice, over every connection
   * (summarised ones included through the running totals).
   */
  private quality(stats: CaptureStats): CaptureQuality {
    let { oneWay, withGaps, gaps } = this.cap.summarisedQuality;
    if (this.store !== null) {
      oneWay += this.store.quality.oneWay;
      withGaps += this.store.quality.withGaps;
      gaps += this.store.quality.gaps;
    }
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

  /** End of input: expire timers to the last timestamp, finish detectors, build the report. */
  finish(stats: CaptureStats, opts: FinishOptions = {}): AnalysisResult {
    this.zeekLog?.finish();
    // A capture whose every link type is one we do not decode has nothing to analyse (exit 2).
    if (stats.linkTypes.length > 0 && stats.linkTypes.every((lt) => firstLayer(lt) === Layer.Done)) {
      const f = stats.files.find((x) => x.linkTypes.length > 0) ?? at(stats.files, 0);
      throw new CaptureError(
        `${f.file}: cannot analyse link type ${stats.linkTypes.map(linkTypeName).join(', ')}: no decoder for it (Ethernet, raw IP, Linux cooked, NULL/LOOP, Cisco HDLC, FDDI, 802.11, radiotap, PKTAP and NFLOG are decoded)`,
        f.file,
      );
    }
    this.text.check(stats, this.tcpPackets, this.settings.strict);
    // The capture's last timestamp (any frame, TCP or not) is "now" at the end.
    const end = Math.max(this.lastTs, stats.end ?? 0, this.text.end);
    for (const [i, n] of this.skipCounts.entries()) {
      // Continuation: a fragment held by the reassembler, counted below by its fate.
      if (i !== DecodeStatus.Ok && i !== DecodeStatus.Continuation && n > 0) {
        const name = at(SKIP_REASON, i);
        this.skipped[name] = (this.skipped[name] ?? 0) + n;
      }
    }
    for (const [lt, n] of this.unknownLinkTypes) this.skipped[`unknown-link-type:${linkTypeName(lt)}`] = n;
    if (this.defrag !== null) {
      this.defrag.finish();
      const { reassembled, timedOut, dropped } = this.defrag.counts;
      const add = (k: string, n: number) => {
        if (n > 0) this.skipped[k] = (this.skipped[k] ?? 0) + n;
      };
      add('ip-fragment', reassembled);
      add('ip-fragment-timeout', timedOut);
      add('ip-fragment-dropped', dropped);
    }
    if (end > 0) this.tracker.finish(end);
    this.detectors.finish(end, this.tracker.conns);
    // What the end's silence says of the endpoints' timers, once the detectors
    // have judged what the capture showed (Tracker.conclude).
    if (end > 0) this.tracker.conclude(end);

    const conns = this.tracker.conns;
    const defer = opts.deferConnections === true && !this.filter;
    const order = new ReportOrder(conns, this.store);
    const count = order.count;
    const all = defer ? [] : Array.from({ length: count }, (_, k) => order.report(k));
    const connections = this.filter ? all.filter((c) => matches(this.filter, c)) : all;
    const kept = new Set(connections.map((c) => c.id));
    const anomalies = this.detectors.anomalies
      .filter((a) => anomalyMatches(this.filter, a, kept))
      .map(roundDetails);
    const unavailable = this.text.unavailable();
    const capture = captureSummary(stats, this.tcpPackets, this.skipped, unavailable);
    capture.quality = this.quality(stats);
    // Text input has no records for the reader to time: its packet lines do.
    if (capture.start === null && Number.isFinite(this.firstTs)) {
      capture.start = this.firstTs;
      capture.end = end;
    }
    const states = this.states();
    // Totals by kind: every anomaly raised (some may not be listed, see
    // KEEP_PER_KIND); with filters, only the listed ones can be told apart.
    const anomalyCounts: Record<string, number> = {};
    if (this.filter) for (const a of anomalies) anomalyCounts[a.kind] = (anomalyCounts[a.kind] ?? 0) + 1;
    else for (const [k, n] of this.detectors.counts) anomalyCounts[k] = n;
    const report: Report = {
      version: 1,
      capture,
      connections,
      anomalies,
      anomalyCounts,
      anomaliesOmitted: this.filter ? 0 : this.detectors.omitted,
      states,
      summarised: {
        connections: this.cap.summarised.connections,
        states: Object.fromEntries([
          ...Object.entries(this.cap.summarised.client).map(([k, v]) => [`client ${k}`, v]),
          ...Object.entries(this.cap.summarised.server).map(([k, v]) => [`server ${k}`, v]),
        ]),
      },
    };
    let ladder: LadderReport | null = null;
    let ladders: Map<number, LadderReport> | undefined;
    if (this.ladder !== null) {
      const built = this.ladder.reports(this.opts.ladders ? new Set(conns) : null);
      if (this.opts.ladders) ladders = built;
      else if (this.opts.ladder !== undefined) ladder = built.get(this.opts.ladder) ?? null;
    }
    const recorder = this.ladder;
    const extra = ladders && recorder ? { ladders, laddersFull: recorder.full } : {};
    if (defer) {
      // A plain object of closures: the CLI spreads it (report-out.ts).
      const deferred = {
        count,
        slice: (i: number, j: number) => Array.from({ length: j - i }, (_, k) => order.report(i + k)),
        jsonInto: (w: JsonBytes, i: number, j: number) => order.jsonInto(w, i, j),
      };
      return { report, ladder, stats, deferred, ...extra };
    }
    return { report, ladder, stats, ...extra };
  }
}

function isPathList(x: unknown): x is string | string[] {
  return typeof x === 'string' || Array.isArray(x);
}

/**
 * Analyse a capture: a path (`-` for standard input), several paths (one capture,
 * read in time order), or any async iterable of bytes. With gate rules in the
 * settings (`failOn`, `max`, and `baseline`, a path to an earlier `--json`
 * report), `report.gate` holds the verdict the CLI would give.
 */
export async function analyze(
  input: string | string[] | AsyncIterable<Uint8Array>,
  opts: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const a = new Analysis(opts);
  const ro: ReadOptions = {
    signal: opts.signal,
    stdin: opts.stdin,
    order: opts.order,
    onProgress: opts.onProgress ? (b, t) => opts.onProgress?.(b, t, a.packets) : undefined,
  };
  const stats = isPathList(input)
    ? await readCaptureFiles(Array.isArray(input) ? input : [input], a.sink, ro)
    : await readCaptureStream(input, '<stream>', a.sink, ro);
  const result = a.finish(stats);
  const name = isPathList(input) ? (Array.isArray(input) ? input.join(',') : input) : '<stream>';
  const baseline = a.settings.baseline ? loadBaseline(a.settings.baseline) : undefined;
  judge([{ name, report: result.report }], a.settings, baseline);
  return result;
}
