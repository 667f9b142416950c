/**
 * The ladder recorder: while the engine runs, the segments of the selected
 * connections become ladder rows (`tcptrace-ts ladder`, the HTML report's
 * drawings), with relative sequence numbers and the anomalies that landed on
 * them; at the end each row gets its states from the connection's transitions.
 */
import { flagString } from '../decode/flag-notation.js';
import { type Segment, TcpFlag } from '../decode/segment.js';
import type { AnomalyReport, ConnectionReport, LadderReport, LadderRow } from '../model/report.js';
import { STATE_NAMES, type StateName } from '../model/states.js';
import { connectionReport } from '../report/build.js';
import { CLIENT, type Connection, SERVER } from '../tcp/connection.js';
import { seqDiff } from '../tcp/seq.js';
import type { SegInfo } from '../tcp/classify.js';
import { at } from '../model/checked.js';

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
    for (let x = tr[i]; x !== undefined && x.frame <= row.frame; x = tr[i]) {
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
export class LadderRecorder {
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
    const other = side === CLIENT ? SERVER : CLIENT;
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
      relAck: seg.flags & TcpFlag.ACK ? seqDiff(seg.ack, tr.baseSeq[other]) >>> 0 : 0,
      len: seg.payloadLen,
      win: seg.window,
      clientState: STATE_NAMES[c],
      serverState: STATE_NAMES[s],
      clientChanged: c !== info.clientBefore,
      serverChanged: s !== info.serverBefore,
      retransmission: info.retransmission,
      ...(info.duplicate ? { duplicate: true } : {}),
      anomalies: [],
    };
    // SACK blocks acknowledge the peer's bytes: relative to the peer's base (RFC 2018).
    if (seg.sackCount > 0) {
      const base = tr.baseSeq[other];
      const blocks: [number, number][] = [];
      for (let i = 0; i < seg.sackCount; i++) {
        blocks.push([
          seqDiff(at(seg.sackBlocks, 2 * i), base) >>> 0,
          seqDiff(at(seg.sackBlocks, 2 * i + 1), base) >>> 0,
        ]);
      }
      row.sack = blocks;
    }
    tr.rows.push(row);
  }

  /**
   * The recorded connections' ladders by id, each row's states taken from its
   * connection's transitions. With `live`, only connections still in it.
   */
  reports(live: ReadonlySet<Connection> | null): Map<number, LadderReport> {
    const built = new Map<number, LadderReport>();
    for (const [id, tr] of this.tracks) {
      // A summarised connection's records may have been reused (slab rows): its rows go with it.
      if (live !== null && !live.has(tr.conn)) continue;
      const connection = connectionReport(tr.conn);
      statesFromTransitions(tr.rows, connection);
      built.set(id, { connection, rows: tr.rows, elided: tr.dropped });
    }
    return built;
  }

  anomaly(a: AnomalyReport): void {
    if (a.connection === null) return;
    const tr = this.tracks.get(a.connection);
    if (tr === undefined) return;
    const row = tr.rows.findLast((r) => r.frame === a.frame) ?? tr.rows.at(-1);
    if (row && !row.anomalies.includes(a.kind)) row.anomalies.push(a.kind);
  }
}
