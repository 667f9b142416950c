/**
 * Zeek's view of a capture, row for row: its conn.log, for users who compare
 * with Zeek. Zeek cuts a 4-tuple into connections by its own timers (5 s
 * connection attempt, close delay, 5 min inactivity) and its reuse rule, where
 * the tracker keeps one TCP connection; this view splits as Zeek does
 * (ZeekConn.expire / isReuse) and gives each piece Zeek's conn_state and history.
 *
 * Opt-in (`--zeek`): it keys connections by a string per segment, which the
 * report's hot path avoids.
 */
import { formatAddr } from '../decode/addr.js';
import type { Segment } from '../decode/segment.js';
import { ZeekConn, type ZeekOptions } from './zeek.js';

/** One conn.log row (the fields Zeek computes from TCP headers). */
export interface ZeekRow {
  ts: number;
  uid: string;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  duration: number;
  origBytes: number;
  respBytes: number;
  connState: string;
  history: string;
  origPkts: number;
  respPkts: number;
  /** Zeek's per-endpoint states (0 inactive .. 6 reset), for comparisons. */
  origState: number;
  respState: number;
}

interface Live {
  zc: ZeekConn;
  /** Endpoint A is the first packet's sender. */
  aH: string;
  aP: number;
  bH: string;
  bP: number;
  start: number;
  last: number;
  aPkts: number;
  bPkts: number;
  n: number;
}

export class ZeekLog {
  private readonly live = new Map<string, Live>();
  private count = 0;

  constructor(
    /** Called with each row when Zeek would log it (the connection is removed), and at finish(). */
    private readonly emit: (row: ZeekRow) => void,
    private readonly opts: ZeekOptions = {},
  ) {}

  segment(seg: Segment): void {
    const src = formatAddr(seg.ipVersion, seg.src);
    const dst = formatAddr(seg.ipVersion, seg.dst);
    const x = `${src}/${seg.srcPort}`;
    const y = `${dst}/${seg.dstPort}`;
    const key = x < y ? `${x}|${y}` : `${y}|${x}`;
    let c = this.live.get(key);
    if (c !== undefined) {
      const fromA = c.aH === src && c.aP === seg.srcPort;
      if (c.zc.expire(seg.ts) || c.zc.isReuse(fromA, seg)) {
        this.emit(row(c));
        c = undefined;
      }
    }
    if (c === undefined) {
      c = {
        zc: new ZeekConn(this.opts),
        aH: src,
        aP: seg.srcPort,
        bH: dst,
        bP: seg.dstPort,
        start: seg.ts,
        last: seg.ts,
        aPkts: 0,
        bPkts: 0,
        n: ++this.count,
      };
      this.live.set(key, c);
    }
    const fromA = c.aH === src && c.aP === seg.srcPort;
    if (fromA) c.aPkts++;
    else c.bPkts++;
    if (seg.ts > c.last) c.last = seg.ts;
    c.zc.segment(fromA, seg, false, false);
  }

  /** End of input: the connections still open, in order of their first packet. */
  finish(): void {
    const rest = [...this.live.values()].sort((p, q) => p.start - q.start || p.n - q.n);
    this.live.clear();
    for (const c of rest) this.emit(row(c));
  }
}

function row(c: Live): ZeekRow {
  const f = c.zc.flipped;
  return {
    ts: c.start,
    uid: `C${c.n.toString(36).padStart(6, '0')}`,
    origH: f ? c.bH : c.aH,
    origP: f ? c.bP : c.aP,
    respH: f ? c.aH : c.bH,
    respP: f ? c.aP : c.bP,
    duration: c.last - c.start,
    origBytes: f ? c.zc.respSize : c.zc.origSize,
    respBytes: f ? c.zc.origSize : c.zc.respSize,
    connState: c.zc.connState(),
    history: c.zc.history,
    origPkts: f ? c.bPkts : c.aPkts,
    respPkts: f ? c.aPkts : c.bPkts,
    origState: c.zc.origState,
    respState: c.zc.respState,
  };
}

const FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'history',
  'orig_pkts',
  'resp_pkts',
];
const TYPES = [
  'time',
  'string',
  'addr',
  'port',
  'addr',
  'port',
  'enum',
  'interval',
  'count',
  'count',
  'string',
  'string',
  'count',
  'count',
];

/** The head of a Zeek ASCII log (zeek-cut reads it). */
export function zeekLogHeader(): string {
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    `#fields\t${FIELDS.join('\t')}`,
    `#types\t${TYPES.join('\t')}`,
    '',
  ].join('\n');
}

export function zeekLogLine(r: ZeekRow): string {
  return `${[
    r.ts.toFixed(6),
    r.uid,
    r.origH,
    r.origP,
    r.respH,
    r.respP,
    'tcp',
    r.duration.toFixed(6),
    r.origBytes,
    r.respBytes,
    r.connState,
    r.history || '-',
    r.origPkts,
    r.respPkts,
  ].join('\t')}\n`;
}
