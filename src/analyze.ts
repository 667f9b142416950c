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
 *
 * This file wires the stages per packet; which connections stay in memory is
 * engine/connection-retention.ts's, the report at the end engine/report-assembly.ts's.
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
import { anomalyMatches, connectionReport, linkTypeName, makeFilter, matches } from './report/build.js';
import type { AnomalyReport, ConnectionReport, StateSummary } from './model/report.js';
import { LadderRecorder, type LadderSelection } from './engine/ladder-recorder.js';
import { TextInputs } from './engine/text-input.js';
import { ConnectionRetention } from './engine/connection-retention.js';
import { type AnalysisResult, ReportAssembly, tallySkipped } from './engine/report-assembly.js';
import { roundDetails } from './report/format.js';
import { CLIENT, type Connection, type TransitionRecord } from './tcp/connection.js';
import type { SegInfo } from './tcp/classify.js';
import { Tracker, type TrackerObserver } from './tcp/tracker.js';
import { ZeekConn } from './zeek/conn-state.js';
import type { ZeekOptions } from './zeek/settings.js';
import { ZeekLog, type ZeekRow } from './zeek/conn-log.js';
import { at } from './model/checked.js';

export type { LadderSelection } from './engine/ladder-recorder.js';
export type { AnalysisResult, DeferredConnections } from './engine/report-assembly.js';

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

export interface FinishOptions {
  /** Leave `report.connections` empty and give them as `AnalysisResult.deferred` (ignored with a filter). */
  deferConnections?: boolean;
}

/**
 * One analysis in progress. Feed it records (binary captures) or text lines
 * (tcpdump output) through `sink`, then call `finish()`.
 */
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
  /** Which connections stay in memory: the connection cap, the spill file (opts.storeEnded). */
  private readonly retention: ConnectionRetention;
  /** The report at the end, and the states snapshots. */
  private readonly assembly: ReportAssembly;
  private nextStates: number;
  private readonly filter;

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
    this.text = new TextInputs(opts);
    const drawn = { ladder: opts.ladder, ladders: opts.ladders, recorder: this.ladder };
    this.retention = new ConnectionRetention(
      s.maxConnections,
      opts.storeEnded ?? 0,
      this.filter !== null,
      this.tracker,
      this.detectors,
      drawn,
    );
    this.assembly = new ReportAssembly(this.tracker, this.detectors, this.retention, this.filter, drawn);
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
    if (this.tracker.conns.length >= this.retention.next) this.retention.check(this.lastTs);
  }

  /** Connections moved out of memory so far (opts.storeEnded). */
  get storedConnections(): number {
    return this.retention.store?.count ?? 0;
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
    return this.assembly.states();
  }

  // --- TrackerObserver: the ladder recorder first (rows exist before anomalies land on them) ---

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    if (info.opened) this.retention.opened(conn, seg);
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
    this.defrag?.finish();
    tallySkipped(this.skipped, this.skipCounts, this.unknownLinkTypes, this.defrag?.counts ?? null);
    if (end > 0) this.tracker.finish(end);
    this.detectors.finish(end, this.tracker.conns);
    // What the end's silence says of the endpoints' timers, once the detectors
    // have judged what the capture showed (Tracker.conclude).
    if (end > 0) this.tracker.conclude(end);

    return this.assembly.result({
      stats,
      end,
      firstTs: this.firstTs,
      tcpPackets: this.tcpPackets,
      skipped: this.skipped,
      unavailable: this.text.unavailable(),
      defer: opts.deferConnections === true,
    });
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
