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
import { statSync } from 'node:fs';
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
import { decodeDatagram, decodePacket, firstLayer } from './decode/packet.js';
import { DecodeStatus, newSegment, SKIP_REASON, type Segment, TcpFlag } from './decode/segment.js';
import { isTcpdumpLine, TcpdumpTextParser } from './decode/tcpdump-text.js';
import { LocalZone, normalizeZone, processZone } from './decode/tcpdump-text/zone.js';
import { UsageError } from './config/errors.js';
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
  newSummarised,
  stateSummary,
  summarise,
  type Summarised,
} from './report/build.js';
import type {
  AnomalyReport,
  CaptureQuality,
  ConnectionReport,
  LadderReport,
  LadderRow,
  Report,
  StateSummary,
} from './model/report.js';
import { writeConnectionJson } from './report/connection-json.js';
import { roundDetails } from './report/format.js';
import type { JsonBytes } from './report/json-bytes.js';
import { CLIENT, type Connection, type TransitionRecord } from './tcp/connection.js';
import { seqDiff } from './tcp/seq.js';
import { isTerminal, State, STATE_NAMES, type StateName } from './model/states.js';
import { type SegInfo, Tracker, type TrackerObserver } from './tcp/tracker.js';
import { ZeekConn } from './zeek/conn-state.js';
import { ZeekLog, type ZeekRow } from './zeek/conn-log.js';

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

const FLAG_LETTERS: [number, string][] = [
  [TcpFlag.FIN, 'F'],
  [TcpFlag.SYN, 'S'],
  [TcpFlag.RST, 'R'],
  [TcpFlag.PSH, 'P'],
  [TcpFlag.URG, 'U'],
  [TcpFlag.ECE, 'E'],
  [TcpFlag.CWR, 'W'],
  [TcpFlag.AE, 'e'],
];

/** tcpdump's flag notation: `S`, `S.`, `P.`, `F.`, `R`, `.`, `none`. */
export function flagString(f: number): string {
  let s = '';
  for (const [bit, ch] of FLAG_LETTERS) if (f & bit) s += ch;
  if (f & TcpFlag.ACK) s += '.';
  return s || 'none';
}

/**
 * Each ladder row's states, from the connection's own record of state
 * changes (SPEC.md: the ladder and `transitions` tell the same story): the
 * state of each side after a row is that of its last change at or before the
 * row's frame. A change that the evidence placed later than the segment that
 * caused it (a FIN shown to have arrived by the receiver's ACK) appears on the
 * row of that evidence.
 */
export function statesFromTransitions(rows: LadderRow[], conn: ConnectionReport): void {
  const tr = conn.transitions;
  let c: StateName = 'CLOSED';
  let s: StateName = 'CLOSED';
  let i = 0;
  for (const row of rows) {
    const c0 = c;
    const s0 = s;
    let ci = false;
    let si = false;
    const cs: StateName[] = [];
    const ss: StateName[] = [];
    while (i < tr.length && tr[i]!.frame <= row.frame) {
      const x = tr[i]!;
      if (x.endpoint === 'client') {
        c = x.to;
        ci = x.inferred === true;
        cs.push(c);
      } else {
        s = x.to;
        si = x.inferred === true;
        ss.push(s);
      }
      i++;
    }
    const cn = cs.length;
    const sn = ss.length;
    // Several changes on one row (a FIN and the ACK of ours shown by one answer): every state passed through.
    if (cn > 1) row.clientSteps = cs;
    else delete row.clientSteps;
    if (sn > 1) row.serverSteps = ss;
    else delete row.serverSteps;
    row.clientState = c;
    row.serverState = s;
    // A change is a change even where it ends where it began (TIME_WAIT restarted).
    row.clientChanged = c !== c0 || cn > 0;
    row.serverChanged = s !== s0 || sn > 0;
    if (row.clientChanged && ci) row.clientInferred = true;
    else delete row.clientInferred;
    if (row.serverChanged && si) row.serverInferred = true;
    else delete row.serverInferred;
  }
}

/** Which connections to record as ladder rows (`AnalyzeOptions.ladders`), and how many rows at most. */
export interface LadderSelection {
  /** Connection ids to record, or every connection ('all'). */
  ids: ReadonlySet<number> | 'all';
  /** Rows recorded over all connections; past it, no new connection is recorded (memory stays bounded). */
  maxRows?: number;
  /** Rows recorded per connection; the rest are counted in `LadderReport.elided`. */
  maxRowsPerConn?: number;
}

/** One connection's rows being recorded. */
interface LadderTrack {
  conn: Connection;
  rows: LadderRow[];
  baseSeq: [number, number];
  /** A row of that side (c2s, s2c) has been recorded: its base is set. */
  seen: [boolean, boolean];
  /** Rows past maxRowsPerConn, not recorded. */
  dropped: number;
}

/** Records the segments of the selected connections as ladder rows. */
class LadderRecorder {
  readonly tracks = new Map<number, LadderTrack>();
  private rowCount = 0;
  private readonly maxRows: number;
  private readonly maxPerConn: number;
  /** The budget ran out: connections seen after that have no rows. */
  full = false;
  constructor(private readonly sel: LadderSelection) {
    this.maxRows = sel.maxRows ?? Number.POSITIVE_INFINITY;
    this.maxPerConn = sel.maxRowsPerConn ?? Number.POSITIVE_INFINITY;
  }

  wants(id: number): boolean {
    return this.sel.ids === 'all' || this.sel.ids.has(id);
  }

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    let tr = this.tracks.get(conn.id);
    if (tr === undefined) {
      if (!this.wants(conn.id)) return;
      if (this.rowCount >= this.maxRows) {
        this.full = true;
        return;
      }
      tr = { conn, rows: [], baseSeq: [0, 0], seen: [false, false], dropped: 0 };
      this.tracks.set(conn.id, tr);
    }
    // Both bounds are hard: a long transfer recorded from its start stops at them too.
    if (tr.rows.length >= this.maxPerConn || this.rowCount >= this.maxRows) {
      if (this.rowCount >= this.maxRows) this.full = true;
      tr.dropped++;
      return;
    }
    this.rowCount++;
    const side = info.side;
    const other = 1 - side;
    const snd = conn.endpoint(side);
    const rcv = conn.endpoint(1 - side);
    // Relative numbers are relative to each side's ISN (tcpdump, Wireshark). For a
    // side whose SYN was not seen (a mid-stream pickup), to the first sequence
    // number it used, or, when the peer spoke first, to the peer's first ack of it:
    // the same origin either way, so every ack= of the ladder is relative.
    if (!tr.seen[side]) {
      tr.seen[side] = true;
      tr.baseSeq[side] = snd.hasIsn ? snd.isn : seg.seq;
    }
    if (rcv.hasIsn) {
      tr.baseSeq[other] = rcv.isn;
      tr.seen[other] = true;
    } else if (!tr.seen[other] && seg.flags & TcpFlag.ACK) {
      tr.baseSeq[other] = seg.ack;
      tr.seen[other] = true;
    }
    const c = conn.client.state;
    const s = conn.server.state;
    const row: LadderRow = {
      frame: seg.frame,
      t: seg.ts,
      rel: seg.ts - conn.start,
      dir: side === CLIENT ? 'c2s' : 's2c',
      flags: flagString(seg.flags),
      seq: seg.seq,
      ack: seg.ack,
      relSeq: seqDiff(seg.seq, tr.baseSeq[side]) >>> 0,
      relAck: seg.flags & TcpFlag.ACK ? seqDiff(seg.ack, tr.baseSeq[1 - side]!) >>> 0 : 0,
      len: seg.payloadLen,
      win: seg.window,
      clientState: STATE_NAMES[c]!,
      serverState: STATE_NAMES[s]!,
      clientChanged: c !== info.clientBefore,
      serverChanged: s !== info.serverBefore,
      retransmission: info.retransmission,
      ...(info.duplicate ? { duplicate: true } : {}),
      anomalies: [],
    };
    // SACK blocks acknowledge the peer's bytes: relative to the peer's base (RFC 2018).
    if (seg.sackCount > 0) {
      const base = tr.baseSeq[1 - side]!;
      const blocks: [number, number][] = [];
      for (let i = 0; i < seg.sackCount; i++) {
        blocks.push([
          seqDiff(seg.sackBlocks[2 * i]!, base) >>> 0,
          seqDiff(seg.sackBlocks[2 * i + 1]!, base) >>> 0,
        ]);
      }
      row.sack = blocks;
    }
    tr.rows.push(row);
  }

  anomaly(a: AnomalyReport): void {
    if (a.connection === null) return;
    const tr = this.tracks.get(a.connection);
    if (tr === undefined) return;
    const row = tr.rows.findLast((r) => r.frame === a.frame) ?? tr.rows.at(-1);
    if (row && !row.anomalies.includes(a.kind)) row.anomalies.push(a.kind);
  }
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
  private readonly textParsers = new Map<
    string,
    { parser: TcpdumpTextParser; frameBase: number; count: number }
  >();
  /** Time of the latest packet line of text input, TCP or not. */
  private textEnd = 0;
  /** Highest frame number fed so far (text inputs number their frames after it). */
  private maxFrame = 0;
  private readonly ladder: LadderRecorder | null;
  private readonly zeekLog: ZeekLog | null;
  private readonly opts: AnalyzeOptions;
  private readonly summarised: Summarised = newSummarised();
  /** Summarised connections by 4-tuple (bury, resurrected). */
  private readonly tombstones = new Map<number, Tombstone>();
  /** Capture-quality figures of the summarised connections. */
  private readonly summarisedQuality = { oneWay: 0, withGaps: 0, gaps: 0 };
  /** Text inputs seen to be tcpdump output (noteText), and the last one (to skip the check). */
  private readonly textFiles = new Set<string>();
  private lastTextFile: string | null = null;
  private nextStates: number;
  /** compact() when more connections than this are kept (maxConnections; more while nothing can go). */
  private compactAt: number;
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
    this.detectors.senders = this.tracker.sendersSeen;
    this.ladder =
      opts.ladders !== undefined
        ? new LadderRecorder(opts.ladders)
        : opts.ladder !== undefined
          ? new LadderRecorder({ ids: new Set([opts.ladder]) })
          : null;
    this.zeekLog = opts.onZeekRow ? new ZeekLog(opts.onZeekRow) : null;
    this.nextStates = Number.POSITIVE_INFINITY;
    this.compactAt = this.settings.maxConnections;
  }

  private zone: LocalZone | null = null;

  /**
   * The zone of tcpdump text's local-time stamps, made at the first text line:
   * Intl's time zone data costs ~50 ms to load, which binary captures never pay.
   */
  private get textZone(): LocalZone {
    if (this.zone === null) {
      const o = this.opts.textTimeZone;
      const z = o === undefined ? processZone() : normalizeZone(o);
      if (z === null) {
        throw new UsageError(
          `unknown time zone "${o}" for tcpdump text (expected a name like America/New_York or UTC)`,
        );
      }
      this.zone = new LocalZone(z);
    }
    return this.zone;
  }

  /** The CaptureSink handed to the reader. */
  readonly sink = {
    record: (rec: PacketRecord): void => {
      this.packets++;
      const seg = this.seg;
      let st = decodePacket(rec.linkType, rec.buf, rec.offset, rec.capLen, rec.origLen, seg);
      if (st !== DecodeStatus.Ok) {
        if (st === DecodeStatus.Reassemble) st = this.reassemble(rec);
        else if (st === DecodeStatus.UnknownLinkType) {
          this.unknownLinkTypes.set(rec.linkType, (this.unknownLinkTypes.get(rec.linkType) ?? 0) + 1);
          return;
        }
        if (st !== DecodeStatus.Ok) {
          this.skipCounts[st]!++;
          return;
        }
      }
      seg.frame = rec.frame;
      seg.tsSec = rec.tsSec;
      seg.tsNsec = rec.tsNsec;
      seg.ts = rec.tsSec + rec.tsNsec / 1e9;
      this.feed(seg);
    },
    // The reader also keeps every warning in its stats, where the report takes them.
    warning: (_w: CaptureWarning): void => {},
    textLine: (line: string, file: string): void => {
      // One parser per input: each tcpdump run numbers its frames and picks its
      // relative-sequence origins on its own.
      let tp = this.textParsers.get(file);
      if (tp === undefined) {
        tp = {
          parser: new TcpdumpTextParser({ baseDate: this.textBaseDate(file), timeZone: this.textZone.name }),
          frameBase: this.maxFrame,
          count: 0,
        };
        this.textParsers.set(file, tp);
      }
      const seg = this.seg;
      const st = tp.parser.parseLine(line, seg);
      if (this.lastTextFile !== file) this.noteText(file, line, st);
      if (st === DecodeStatus.Pending || st === DecodeStatus.Continuation) return;
      const lt = tp.parser.lineTime;
      if (lt > this.textEnd) this.textEnd = lt;
      this.packets++;
      if (st !== DecodeStatus.Ok) {
        this.skipCounts[st]!++;
        return;
      }
      seg.frame = tp.frameBase + (seg.frame > 0 ? seg.frame : ++tp.count);
      this.feed(seg);
    },
  };

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

  /**
   * The day that tcpdump's time-of-day stamps (its default) belong to: --text-date,
   * else today for standard input (a live pipe), else the day the file was written.
   */
  private textBaseDate(file: string): number {
    const day = (ms: number) => this.textZone.localDay(ms / 1000);
    if (this.opts.textDate !== undefined) return this.opts.textDate;
    if (file === '-' || file === '<stream>') return day(Date.now());
    try {
      return day(statSync(file).mtimeMs);
    } catch {
      return day(Date.now());
    }
  }

  /**
   * Evidence that a text input is tcpdump output: a TCP line (whatever became of
   * it), a packet line's timestamp, or tcpdump's banner. Looked for only until found.
   */
  private noteText(file: string, line: string, st: DecodeStatus): void {
    const tcpLine =
      st !== DecodeStatus.NonTcpLine && st !== DecodeStatus.Pending && st !== DecodeStatus.Continuation;
    if (tcpLine || isTcpdumpLine(line)) {
      this.textFiles.add(file);
      this.lastTextFile = file;
    }
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
    if (this.tracker.conns.length > this.compactAt) this.compact();
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
    return stateSummary(this.keptConnections(), this.filter ? null : this.summarised);
  }

  private keptConnections(): Connection[] {
    if (!this.filter) return this.tracker.conns;
    return this.tracker.conns.filter((c) => matches(this.filter, connectionReport(c)));
  }

  // --- TrackerObserver: the ladder recorder first (rows exist before anomalies land on them) ---

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    if (info.opened && this.tombstones.size > 0) this.resurrected(conn, seg);
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

  /**
   * Keep memory bounded: beyond `maxConnections`, connections are summarised
   * into state counts and leave the flow table, oldest first: ended ones
   * without anomalies, then ended ones; then, under a flood (random-port SYNs,
   * stray ACKs), open ones that never completed a handshake (or were picked up
   * mid-stream from a packet or two), then any (as conntrack's early_drop).
   * Runs in O(connections) and at most once per max/10 new connections, so a
   * flood costs linear time.
   */
  private compact(): void {
    const max = this.settings.maxConnections;
    const target = Math.floor(max * 0.9);
    const conns = this.tracker.conns;
    let excess = conns.length - target;
    const drop = new Set<Connection>();
    for (const pass of [0, 1, 2, 3]) {
      for (const c of conns) {
        if (excess <= 0) break;
        if (drop.has(c) || c.id === this.opts.ladder) continue;
        // A connection being drawn stays (unless everything is: then memory comes first).
        if (this.opts.ladders && this.opts.ladders.ids !== 'all' && this.ladder?.wants(c.id)) continue;
        if (pass === 0 && (!c.ended || c.anomalies.length > 0)) continue;
        if (pass === 1 && !c.ended) continue;
        // A handshake that never completed, or a mid-stream pickup seen in a packet or two.
        const unconfirmed =
          c.establishedTs === 0 && (!c.midstream || c.client.packets + c.server.packets <= 2);
        if (pass === 2 && !unconfirmed) continue;
        drop.add(c);
        excess--;
      }
      if (excess <= 0) break;
    }
    for (const c of drop) {
      // Out of the flow table too, or a flood of them would still fill it until their timeouts.
      this.tracker.evict(c);
      summarise(this.summarised, c);
      if (c.oneWay) this.summarisedQuality.oneWay++;
      if (c.captureGaps > 0) {
        this.summarisedQuality.withGaps++;
        this.summarisedQuality.gaps += c.captureGaps;
      }
      this.bury(c);
    }
    if (drop.size > 0) {
      this.tracker.conns = conns.filter((c) => !drop.has(c));
      this.tracker.forget(drop);
      this.detectors.forget(drop);
    }
    if (drop.size > 0) collectIfLarge();
    const n = this.tracker.conns.length;
    this.compactAt = n > max ? n + Math.max(1, Math.ceil(max / 10)) : max;
  }

  /**
   * tcpdump without -n names hosts (DNS) and ports (/etc/services). Named ports
   * are read back (decode/tcpdump-text/services.ts); lines naming hosts, or
   * ports the table lacks, cannot be: one warning per input says how many, and
   * the input is not analysable (exit 2) when nothing else could be read or
   * with --strict.
   */
  private checkTextNames(stats: CaptureStats): void {
    for (const [file, { parser }] of this.textParsers) {
      const { hostNames, portNames, unknownPortName } = parser.stats;
      const parts: string[] = [];
      if (hostNames > 0) parts.push(`${hostNames} line${hostNames === 1 ? ' names' : 's name'} hosts`);
      if (portNames > 0)
        parts.push(
          `${portNames} line${portNames === 1 ? ' names' : 's name'} ports it cannot map to numbers (e.g. "${unknownPortName}")`,
        );
      if (parts.length === 0) continue;
      const message = `${parts.join(' and ')}; run tcpdump with -n`;
      if (this.tcpPackets === 0 || this.settings.strict) {
        throw new CaptureError(
          `${file}: ${message}${this.tcpPackets === 0 ? ' (no TCP segment could be read)' : ' (--strict)'}`,
          file,
        );
      }
      stats.warnings.push({ kind: 'other', file, offset: 0, message });
    }
  }

  /**
   * An evicted connection is summarised, but its 4-tuple may go on (the cap
   * dropped an open connection, or a stray FIN came after TIME_WAIT), and the
   * tracker then opens a connection for it again: counted twice, a phantom
   * (issue 24: 6,374 of them on a never-closing stream). The evicted one's
   * summary is kept here by 4-tuple, at most maxConnections of them (or 1,000;
   * the older half goes when full), so that its continuation takes its place in the counts.
   */
  private bury(c: Connection): void {
    const cl = c.client;
    const sv = c.server;
    // Keyed by the tracker's flow hash (a small integer, the same both ways); the
    // endpoints are compared on a hit (resurrected), so a collision is no match.
    this.tombstones.delete(c.hash);
    this.tombstones.set(c.hash, {
      client: STATE_NAMES[cl.state]!,
      server: STATE_NAMES[sv.state]!,
      v6: c.ipVersion === 4 ? null : [cl.addrText, sv.addrText],
      ends: [cl.addr4, cl.port, sv.addr4, sv.port],
      isn: [cl.hasIsn ? cl.isn : -1, sv.hasIsn ? sv.isn : -1],
      state: [cl.state, sv.state],
      established: c.establishedTs !== 0,
      oneWay: c.oneWay,
      gaps: c.captureGaps,
      over:
        isTerminal(cl.state) && isTerminal(sv.state) && (c.transitionCount > 0 || cl.rstSent || sv.rstSent),
    });
    const cap = Math.max(1000, this.settings.maxConnections);
    if (this.tombstones.size > cap) {
      // The older half goes at once: deleting one at a time from the front of a Map
      // makes each keys().next() step over every entry deleted before (quadratic).
      const keep = [...this.tombstones].slice(this.tombstones.size - (cap >>> 1));
      this.tombstones.clear();
      for (const [k, v] of keep) this.tombstones.set(k, v);
    }
  }

  /**
   * A connection just opened on a 4-tuple whose connection was evicted: unless it
   * starts with a SYN that would have started a new connection had the evicted
   * one stayed (as Tracker.isNewIncarnation decides: the old one was over, or a
   * new ISN on a handshake that never completed), it is the evicted one going on,
   * and the summary forgets that one.
   */
  private resurrected(conn: Connection, seg: Segment): void {
    const t = this.tombstones.get(conn.hash);
    if (t === undefined) return;
    // Which of the evicted one's endpoints sent this first segment (-1: another 4-tuple).
    const side = tombstoneSide(t, conn);
    if (side < 0) return;
    this.tombstones.delete(conn.hash);
    if ((seg.flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN) {
      if (t.over) return;
      const st = t.state[side]!;
      const handshake = st === State.SYN_SENT || st === State.CLOSED || st === State.SYN_RECEIVED;
      if (t.isn[side] !== -1 && seg.seq !== t.isn[side] && !t.established && handshake) return;
    }
    const sum = this.summarised;
    sum.connections--;
    if (--sum.client[t.client]! === 0) delete sum.client[t.client];
    if (--sum.server[t.server]! === 0) delete sum.server[t.server];
    const q = this.summarisedQuality;
    if (t.oneWay) q.oneWay--;
    if (t.gaps > 0) {
      q.withGaps--;
      q.gaps -= t.gaps;
    }
  }

  /**
   * What the capture missed or recorded twice, over every connection
   * (summarised ones included through the running totals).
   */
  private quality(stats: CaptureStats): CaptureQuality {
    let oneWay = this.summarisedQuality.oneWay;
    let withGaps = this.summarisedQuality.withGaps;
    let gaps = this.summarisedQuality.gaps;
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
      const f = stats.files.find((x) => x.linkTypes.length > 0) ?? stats.files[0]!;
      throw new CaptureError(
        `${f.file}: cannot analyse link type ${stats.linkTypes.map(linkTypeName).join(', ')}: no decoder for it (Ethernet, raw IP, Linux cooked, NULL/LOOP, Cisco HDLC, FDDI, 802.11, radiotap, PKTAP and NFLOG are decoded)`,
        f.file,
      );
    }
    // Any text is read as tcpdump output; text without one packet line is not a capture (exit 2).
    for (const f of stats.files) {
      if (f.text && !f.aborted && !this.textFiles.has(f.file)) {
        throw new CaptureError(
          `${f.file}: not a capture: text, but not tcpdump output (none of its ${f.textLines} line(s) is a packet line)`,
          f.file,
        );
      }
    }
    this.checkTextNames(stats);
    // The capture's last timestamp (any frame, TCP or not) is "now" at the end.
    const end = Math.max(this.lastTs, stats.end ?? 0, this.textEnd);
    for (let i = 0; i < this.skipCounts.length; i++) {
      // Continuation: a fragment held by the reassembler, counted below by its fate.
      if (i !== DecodeStatus.Ok && i !== DecodeStatus.Continuation && this.skipCounts[i]! > 0) {
        const name = SKIP_REASON[i]!;
        this.skipped[name] = (this.skipped[name] ?? 0) + this.skipCounts[i]!;
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

    const conns = this.tracker.conns;
    const defer = opts.deferConnections === true && !this.filter;
    const all = defer ? [] : conns.map(connectionReport);
    const connections = this.filter ? all.filter((c) => matches(this.filter, c)) : all;
    const kept = new Set(connections.map((c) => c.id));
    const anomalies = this.detectors.anomalies
      .filter((a) => anomalyMatches(this.filter, a, kept))
      .map(roundDetails);
    const unavailable = [
      ...new Set([...this.textParsers.values()].flatMap((t) => [...t.parser.unavailable])),
    ].sort();
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
        connections: this.summarised.connections,
        states: Object.fromEntries([
          ...Object.entries(this.summarised.client).map(([k, v]) => [`client ${k}`, v]),
          ...Object.entries(this.summarised.server).map(([k, v]) => [`server ${k}`, v]),
        ]),
      },
    };
    let ladder: LadderReport | null = null;
    let ladders: Map<number, LadderReport> | undefined;
    if (this.ladder !== null) {
      const live = new Set(conns);
      const built = new Map<number, LadderReport>();
      for (const [id, tr] of this.ladder.tracks) {
        // A summarised connection's records may have been reused (slab rows): its rows go with it.
        if (this.opts.ladders && !live.has(tr.conn)) continue;
        const connection = connectionReport(tr.conn);
        statesFromTransitions(tr.rows, connection);
        built.set(id, { connection, rows: tr.rows, elided: tr.dropped });
      }
      if (this.opts.ladders) ladders = built;
      else ladder = built.get(this.opts.ladder!) ?? null;
    }
    const extra = ladders ? { ladders, laddersFull: this.ladder!.full } : {};
    if (defer) {
      const deferred = {
        count: conns.length,
        slice: (i: number, j: number) => conns.slice(i, j).map(connectionReport),
        jsonInto: (w: JsonBytes, i: number, j: number) => {
          for (let k = i; k < j; k++) {
            if (k > i) w.byte(44); // ,
            writeConnectionJson(w, conns[k]!);
          }
        },
      };
      return { report, ladder, stats, deferred, ...extra };
    }
    return { report, ladder, stats, ...extra };
  }
}

/** What is left of an evicted connection (Analysis.bury). */
interface Tombstone {
  /** Its state names, as summarised. */
  client: string;
  server: string;
  /** IPv4: client address and port, server address and port. */
  ends: [number, number, number, number];
  /** IPv6: client and server address as text (ends then holds the ports). */
  v6: [string, string] | null;
  /** Per side (client, server): the ISN (-1: none seen) and the state. */
  isn: [number, number];
  state: [number, number];
  established: boolean;
  /** Its capture-quality figures, as summarised. */
  oneWay: boolean;
  gaps: number;
  /** Both sides closed or in TIME_WAIT after a start: a SYN begins another connection. */
  over: boolean;
}

/**
 * The side (0 client, 1 server) of the evicted connection `t` whose endpoint
 * sent `conn`'s first segment, or -1 when `conn` is on another 4-tuple.
 */
function tombstoneSide(t: Tombstone, conn: Connection): number {
  const snd = conn.endpoint(conn.firstSender);
  const rcv = conn.endpoint(1 - conn.firstSender);
  const [ca, cp, sa, sp] = t.ends;
  if (t.v6 === null) {
    if (conn.ipVersion !== 4) return -1;
    if (snd.addr4 === ca && snd.port === cp && rcv.addr4 === sa && rcv.port === sp) return 0;
    if (snd.addr4 === sa && snd.port === sp && rcv.addr4 === ca && rcv.port === cp) return 1;
    return -1;
  }
  if (conn.ipVersion !== 6) return -1;
  const [ct, st] = t.v6;
  if (snd.port === cp && rcv.port === sp && snd.addrText === ct && rcv.addrText === st) return 0;
  if (snd.port === sp && rcv.port === cp && snd.addrText === st && rcv.addrText === ct) return 1;
  return -1;
}

/** Resident memory above which compaction asks for a full garbage collection (when it may). */
const RSS_SOFT_LIMIT = 200 * 1024 * 1024;

/**
 * On an endless stream every connection ends up garbage, and V8 lets the old
 * generation grow to a few times what is alive before it collects: 0.4 GB
 * resident for 50,000 live connections (issue 24). Compaction has just dropped
 * many connections: when resident memory is over the soft limit, a full
 * collection now (bin/tcptrace-ts runs node with --expose-gc; a library user
 * without it is not affected) brings it back to what is alive.
 */
function collectIfLarge(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function' && process.memoryUsage.rss() > RSS_SOFT_LIMIT) gc();
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
