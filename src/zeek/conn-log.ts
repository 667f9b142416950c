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
import { ipv4HeaderChecksumOk, tcpChecksumOk } from '../decode/checksum.js';
import type { Segment } from '../decode/segment.js';
import { TunnelType } from '../decode/tunnel.js';
import { ZeekConn } from './conn-state.js';
import type { ZeekOptions } from './settings.js';
import { at } from '../model/checked.js';

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
  /** uids of the tunnels the connection travelled in (Zeek's tunnel_parents); empty when none. */
  tunnelParents: string[];
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
  parents: Set<string> | null;
  /** The encapsulation (tunnel uids, outermost first) Zeek holds for the connection; '' for none. */
  encap: string;
  /** tunnel_changed events so far (Connection::tunnel_changes). */
  encapChanges: number;
}

/**
 * init-bare.zeek Tunnel::max_changes_per_connection: past this many changes of
 * a connection's encapsulation, Zeek adds 'X' to its history (Conn.cc
 * CheckEncapsulation; counted only when tunnel_changed has a handler, as
 * base/frameworks/tunnels, loaded by default, has).
 */
const MAX_TUNNEL_CHANGES = 5;

export class ZeekLog {
  private readonly live = new Map<string, Live>();
  private count = 0;
  /** A uid for each tunnel (Zeek gives the encapsulating connection one), by tunnelKeyText. */
  private readonly tunnelUids = new Map<string, string>();

  constructor(
    /** Called with each row when Zeek would log it (the connection is removed), and at finish(). */
    private readonly emit: (row: ZeekRow) => void,
    private readonly opts: ZeekOptions = {},
  ) {}

  segment(seg: Segment): void {
    // A run that validates checksums drops a bad IPv4 header before looking the connection up (IP.cc).
    const checksums = this.opts.checksums === true;
    if (checksums && !seg.ipFragmented && !ipv4HeaderChecksumOk(seg)) return;
    const src = formatAddr(seg.ipVersion, seg.src);
    const dst = formatAddr(seg.ipVersion, seg.dst);
    const x = `${src}/${seg.srcPort}`;
    const y = `${dst}/${seg.dstPort}`;
    // Zeek keys connections by the 5-tuple alone: a tunnel does not split them
    // (a change of encapsulation is its tunnel_changed event), so two tenants'
    // same 4-tuple is one row with both tunnels among its tunnel_parents.
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
        parents: null,
        encap: seg.tunnelDepth !== 0 ? this.encapsulation(seg) : '',
        encapChanges: 0,
      };
      this.live.set(key, c);
    } else if (seg.tunnelDepth !== 0 || c.encap !== '') {
      // Connection::CheckEncapsulation, before the TCP analyzer sees the packet.
      const encap = seg.tunnelDepth !== 0 ? this.encapsulation(seg) : '';
      if (encap !== c.encap) {
        if (c.encapChanges >= MAX_TUNNEL_CHANGES) c.zc.analyzerLimitReached();
        else c.encapChanges++;
        c.encap = encap;
      }
    }
    if (seg.tunnelDepth !== 0) this.addParents(c, seg);
    const fromA = c.aH === src && c.aP === seg.srcPort;
    if (seg.headerCut) {
      // A header shorter than its data offset says (options cut by the snaplen):
      // Zeek finds or makes the connection from the fixed 20 bytes, then its TCP
      // analyzer drops the packet ("truncated_header", TCP.cc ExtractTCP_Header):
      // a connection it opened has no packet and no history (OTH).
      c.zc.open(fromA, seg);
      return;
    }
    if (fromA) c.aPkts++;
    else c.bPkts++;
    if (seg.ts > c.last) c.last = seg.ts;
    if (checksums && !tcpChecksumOk(seg)) c.zc.badChecksum(fromA, seg);
    else c.zc.segment(fromA, seg, false, false);
  }

  /**
   * Zeek's tunnel_parents: the uid of every encapsulating connection the packets
   * came through: for UDP-borne tunnels the outer UDP connection (its 5-tuple,
   * so VXLAN's per-direction source ports make two), for IP tunnels the pair of
   * outer addresses. Zeek logs those parents in its own conn.log rows, with the
   * UDP traffic this view leaves out; here a uid names them consistently.
   */
  private addParents(c: Live, seg: Segment): void {
    c.parents ??= new Set();
    for (let i = 0; i < seg.tunnelDepth; i++) c.parents.add(this.tunnelUid(seg, i));
  }

  /** The uid of the segment's i-th tunnel (see addParents). */
  private tunnelUid(seg: Segment, i: number): string {
    const h = at(seg.tunnels, i);
    const s = `${formatAddr(h.ipVersion, h.src)}/${h.srcPort}`;
    const d = `${formatAddr(h.ipVersion, h.dst)}/${h.dstPort}`;
    const k = `${h.type}|${s < d ? `${s}|${d}` : `${d}|${s}`}`;
    let uid = this.tunnelUids.get(k);
    if (uid === undefined) {
      uid = `CT${(this.tunnelUids.size + 1).toString(36).padStart(5, '0')}`;
      this.tunnelUids.set(k, uid);
    }
    return uid;
  }

  /**
   * The packet's EncapsulationStack as Zeek compares it: each tunnel's identity
   * is its encapsulating connection (for UDP-borne tunnels the outer UDP
   * connection, whichever way the packet went; for IP and GRE tunnels, GRE in
   * UDP included, the pair of outer addresses), i.e. its uid here. GTP-U whose
   * uplink and downlink use different UDP ports is two outer connections, and
   * changes at every turn (TunnelEncapsulation.h operator==).
   */
  private encapsulation(seg: Segment): string {
    let k = '';
    for (let i = 0; i < seg.tunnelDepth; i++) {
      const h = at(seg.tunnels, i);
      // GRE in UDP is Zeek's GRE tunnel (the outer addresses): UDP only carries it to the GRE analyzer.
      const id =
        h.type === TunnelType.GreUdp
          ? `gre|${[formatAddr(h.ipVersion, h.src), formatAddr(h.ipVersion, h.dst)].sort().join('|')}`
          : this.tunnelUid(seg, i);
      k += i === 0 ? id : `,${id}`;
    }
    return k;
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
    tunnelParents: c.parents ? [...c.parents].sort() : [],
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
  'tunnel_parents',
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
  'set[string]',
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
    r.tunnelParents.length > 0 ? r.tunnelParents.join(',') : '-',
  ].join('\t')}\n`;
}
