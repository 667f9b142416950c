/**
 * Zeek's per-connection `conn_state` and `history` (conn.log), emulated from
 * TCP headers alone so that users of Zeek can compare like with like.
 *
 * A port of the parts of Zeek (zeek/zeek, 8.x) that decide these two fields:
 * - src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc: Process(),
 *   update_history(), update_window(), update_last_seq(), init_endpoint(),
 *   init_peer(), the Update*State() state machine, ConnectionClosed(), IsReuse()
 *   and the analyzer timers (attempt, expire, delete);
 * - src/packet_analysis/protocol/tcp/TCP.cc and ip/IPBasedAnalyzer.cc:
 *   WantConnection() (flip a new connection whose first packet is not a SYN and
 *   whose source port is in `likely_server_ports`);
 * - src/analyzer/protocol/tcp/TCP_Endpoint.cc/.h: per-endpoint state, Size(),
 *   CheckHistory()/AddHistory() (upper case = originator), DidRxmit(),
 *   ZeroWindow(), Gap() with Connection::ScaledHistoryEntry (1, 10, 100, ...);
 * - src/analyzer/protocol/tcp/TCP_Reassembler.cc: content gaps ('g') are found
 *   when an ACK covers data never seen, only while both endpoints are cleanly
 *   established (or closing from there);
 * - src/Conn.cc FlipRoles(): swaps the endpoints and appends '^' (the
 *   hist_seen bits are not swapped);
 * - scripts/base/protocols/conn/main.zeek conn_state(): the state names.
 *
 * Also emulated: the flip of a connection that began with a SYN-ACK when an ACK
 * or data segment follows (zeek/zeek PR #2191; TCP_Endpoint::CheckHistory():
 * when the history is exactly "H" and the packet's letter is 'A' or 'D', the
 * roles flip and the history becomes "^h"). Zeek flips in the middle of the
 * packet; here the flip happens before the packet is processed (as Zeek's
 * baselines one-sided-2745 "^haf", flip-without-syn "^hADadFf" and missing-syn
 * show), and the SYN-ACK sender keeps SYN_ACK_SENT. Checksums: by
 * default we behave as `zeek -C` (no validation); with ZeekOptions.checksums,
 * as a run without -C (zeek-log.ts drops a bad IPv4 header, badChecksum() adds
 * 'C'/'c'). Not emulated: 'X' (an application analyzer's limit reached,
 * Conn.cc HIST_ANALYZER_LIMIT_REACHED) and anything else that depends on
 * application analyzers (e.g. a script calling skip_further_processing()).
 *
 * Memory: a few numbers per endpoint, the history string, and at most
 * MAX_OOO_BLOCKS out-of-order byte ranges per endpoint (for gap detection).
 *
 * This file is the state machine and the connection's timers; an endpoint and
 * its sequence arithmetic are in endpoint.ts, the history's letters and
 * strings in history.ts, the timers' values and the options in settings.ts.
 */
import { type Segment, TcpFlag } from '../decode/segment.js';
import { bit, defineAccessors, f64, type LayoutFields, newRow, recordLayout } from '../tcp/record-layout.js';
import { slabRelease } from '../tcp/slab.js';
import {
  Endpoint,
  ZeekTcpState,
  deliverBuffered,
  insertOoo,
  isClean,
  scaled,
  seqDelta,
  updateLast,
} from './endpoint.js';
import {
  HIST_ACK_PKT,
  HIST_ANALYZER_LIMIT_REACHED,
  HIST_DATA_PKT,
  HIST_FIN_PKT,
  HIST_FIN_RST_PKT,
  HIST_MULTI_FLAG_PKT,
  HIST_RST_PKT,
  HIST_SYN_PKT,
  HISTORY_FLIPPED_H,
  HISTORY_H,
  type History,
  NO_HISTORY,
  responderLetter,
} from './history.js';
import {
  ZEEK_DEFAULT_LIKELY_SERVER_PORTS,
  ZEEK_TIMEOUTS,
  type ZeekOptions,
  type ZeekTimeouts,
} from './settings.js';

const { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET } = ZeekTcpState;

const TOO_LARGE_SEQ_DELTA = 1048576;
/** updateStateMachine's result bits: Zeek's do_close and gen_event. */
const DO_CLOSE = 1;
const GEN_EVENT = 2;
/** init-bare.zeek tcp_max_above_hole_without_any_acks. */
const MAX_ABOVE_HOLE_WITHOUT_ACKS = 16384;

/** The expire-timer chains of a connection that has none (shared; replaced, not pushed to). */
const NO_CHAINS: number[] = [];

/** What a ZeekConn keeps in its `bits` and its slab row (network times, seconds). */
export const ZEEK_CONN_LAYOUT = recordLayout('ZeekConn', {
  /** Zeek's originator is A (false after an odd number of flips). */
  origIsA: bit(true),
  isPartial: bit(),
  started: bit(),
  isActive: bit(true),
  closeDeferred: bit(),
  deferredGenEvent: bit(),
  removedFlag: bit(),
  lastTime: f64(),
  attemptAt: f64(Number.NaN),
  deleteAt: f64(Number.NaN),
  /** Time of the segment being processed. */
  segTime: f64(),
});

/**
 * One TCP connection as Zeek sees it. Feed it every segment of the connection
 * in capture order; read `history` and `connState()` at any time (Zeek computes
 * them when the connection is removed). Endpoint A is the first sender.
 */
// The layout's fields, typed; defineAccessors() below puts their accessors on the prototype.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface ZeekConn extends LayoutFields<typeof ZEEK_CONN_LAYOUT.fields> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ZeekConn {
  private a: Endpoint;
  private b: Endpoint;
  private hist: History = NO_HISTORY;
  private histSeen = 0;
  private firstPacketSeen = 0; // 1 = orig, 2 = resp
  private readonly likelyServerPorts: ReadonlySet<number>;
  /** @internal */ readonly timeouts: Readonly<ZeekTimeouts>;

  // Session / analyzer timers (network time, seconds).
  /** @internal */ inactivityTimeout: number;
  /** Next firing time of each ExpireTimer chain (it re-arms every tcp_session_timer). */
  /** NO_CHAINS is shared: it is replaced, never written to (being empty, nothing indexes or splices it). */
  private expireChains: number[] = NO_CHAINS;

  /** Yes/no facts, one bit each. */
  private bits = ZEEK_CONN_LAYOUT.initBits;

  /** Network times (lastTime, attemptAt, deleteAt, segTime): a slab row at `o` (see docs/performance.md#slab-rows). */
  private readonly d: Float64Array;
  private readonly o: number;

  constructor(opts: ZeekOptions = {}) {
    const row = newRow(ZEEK_CONN_LAYOUT);
    this.d = row.d;
    this.o = row.o;
    this.likelyServerPorts = opts.likelyServerPorts ?? ZEEK_DEFAULT_LIKELY_SERVER_PORTS;
    // Shared unless overridden: a connection holds no copy of the defaults.
    this.timeouts = opts.timeouts ? { ...ZEEK_TIMEOUTS, ...opts.timeouts } : ZEEK_TIMEOUTS;
    this.inactivityTimeout = this.timeouts.udpInactivityTimeout;
    this.a = new Endpoint(true);
    this.b = new Endpoint(false);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  /**
   * Gives back its slab rows and its endpoints' (tcp/slab.ts): it is dropped
   * and never fed or read again (the connection left the flow table,
   * tcp/connection.ts freezeZeek).
   */
  release(): void {
    slabRelease(this.d);
    this.a.release();
    this.b.release();
  }

  private get orig(): Endpoint {
    return this.origIsA ? this.a : this.b;
  }

  private get resp(): Endpoint {
    return this.origIsA ? this.b : this.a;
  }

  /** Zeek's history string as conn.log shows it. */
  get history(): string {
    return this.hist.s;
  }

  /** true when Zeek's originator is endpoint B. */
  get flipped(): boolean {
    return !this.origIsA;
  }

  get origState(): ZeekTcpState {
    return this.orig.state;
  }

  get respState(): ZeekTcpState {
    return this.resp.state;
  }

  /** c$orig$size / c$resp$size (payload bytes from sequence numbers; negative = Zeek's underflow). */
  get origSize(): number {
    return this.orig.size();
  }

  get respSize(): number {
    return this.resp.size();
  }

  /** Zeek would have removed this connection (see expire()). */
  get removed(): boolean {
    return this.removedFlag;
  }

  /** conn_state() of scripts/base/protocols/conn/main.zeek. */
  connState(): string {
    const os = this.orig.state;
    const rs = this.resp.state;
    const oInactive = os === INACTIVE || os === PARTIAL;
    const rInactive = rs === INACTIVE || rs === PARTIAL;
    if (rs === RESET) {
      if (
        os === SYN_SENT ||
        os === SYN_ACK_SENT ||
        (os === RESET && this.orig.size() === 0 && this.resp.size() === 0)
      ) {
        return 'REJ';
      }
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (os === RESET) {
      if (rInactive) return /^\^?S[^HAFGIQ]*R.*$/s.test(this.hist.s) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (rs === CLOSED && os === CLOSED) return 'SF';
    if (os === CLOSED) return rInactive ? 'SH' : 'S2';
    if (rs === CLOSED) return oInactive ? 'SHR' : 'S3';
    if (os === SYN_SENT && rs === INACTIVE) return 'S0';
    if (os === ESTABLISHED && rs === ESTABLISHED) return 'S1';
    return 'OTH';
  }

  /**
   * Zeek's IsReuse(): whether this segment (a SYN) starts a new connection on
   * the same 4-tuple. Ask before feeding the segment; when true, end this
   * connection and feed the segment to a new ZeekConn.
   */
  isReuse(fromA: boolean, seg: Segment): boolean {
    if (!this.started) return false;
    const flags = seg.flags;
    if (!(flags & TcpFlag.SYN)) return false;
    let connOrig = this.orig;
    const resp = this.resp;
    if (flags & TcpFlag.ACK) {
      if (this.orig.state !== INACTIVE) return false;
      connOrig = resp;
    }
    void fromA;
    if (!(this.orig.didClose || resp.didClose)) {
      const base = seg.seq >>> 0;
      if (base === connOrig.startSeq >>> 0) return false;
      if (
        !(flags & TcpFlag.ACK) &&
        connOrig.state === SYN_ACK_SENT &&
        resp.state === INACTIVE &&
        base === resp.startSeq >>> 0
      ) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs Zeek's connection timers up to network time `t` (the time of the next
   * packet of this 4-tuple). Returns true when Zeek would have removed the
   * connection by then (attempt timer, close/delete timer, expire timer,
   * inactivity timeout): the next packet then belongs to a new connection.
   */
  expire(t: number): boolean {
    if (this.removedFlag) return true;
    if (!this.started) return false;
    const to = this.timeouts;
    if (!Number.isNaN(this.deleteAt) && this.deleteAt <= t) return this.remove();
    if (this.lastTime + this.inactivityTimeout <= t) return this.remove();
    if (!Number.isNaN(this.attemptAt) && this.attemptAt <= t) {
      this.attemptAt = Number.NaN;
      const os = this.orig.state;
      if (this.isActive && (os === SYN_SENT || os === SYN_ACK_SENT) && this.resp.state === INACTIVE) {
        return this.remove();
      }
    }
    for (let i = 0; i < this.expireChains.length; i++) {
      let next = this.expireChains[i];
      if (next === undefined || next > t) continue;
      if (!this.isActive) {
        // ExpireTimer returns without re-arming once the analyzer is inactive.
        this.expireChains.splice(i--, 1);
        continue;
      }
      // The latest firing at or before t decides (the condition only grows with time).
      const k = Math.floor((t - next) / to.tcpSessionTimer);
      const last = next + k * to.tcpSessionTimer;
      if (this.expireCondition(last)) return this.remove();
      next = last + to.tcpSessionTimer;
      this.expireChains[i] = next;
    }
    return false;
  }

  private expireCondition(t: number): boolean {
    // TCPSessionAdapter::ExpireTimer.
    if (!(this.lastTime + this.timeouts.tcpConnectionLinger < t)) return false;
    const o = this.orig;
    const r = this.resp;
    if (o.didClose || r.didClose) {
      if (
        (o.didClose && r.didClose) ||
        o.state === RESET ||
        r.state === RESET ||
        o.state === INACTIVE ||
        r.state === INACTIVE
      ) {
        return true;
      }
    }
    return r.state === INACTIVE && o.state === INACTIVE;
  }

  private remove(): boolean {
    this.removedFlag = true;
    return true;
  }

  /**
   * A segment whose TCP checksum is bad, in a run that validates checksums
   * (TCPAnalyzer::ValidateChecksum): the connection exists (it may be this
   * packet that made it) but the segment is not processed, only counted in the
   * history ('C'/'c', scaled: TCP_Endpoint::ChecksumError).
   */
  badChecksum(fromA: boolean, seg: Segment): void {
    this.open(fromA, seg);
    const ep = fromA === this.origIsA ? this.orig : this.resp;
    if (scaled(ep, 'chk')) this.addHistory(ep.isOrig ? 'C' : 'c');
  }

  /**
   * Connection::CheckHistory(HIST_ANALYZER_LIMIT_REACHED, 'X'): a limit was
   * reached (zeek-log.ts: too many changes of the encapsulation). Once.
   */
  analyzerLimitReached(): void {
    if ((this.histSeen & HIST_ANALYZER_LIMIT_REACHED) !== 0) return;
    this.histSeen = (this.histSeen | HIST_ANALYZER_LIMIT_REACHED) >>> 0;
    this.addHistory('X');
  }

  /**
   * The connection's first packet, processed or not: Zeek's originator (its
   * sender) and WantConnection()'s flip. Nothing once started.
   */
  open(fromA: boolean, seg: Segment): void {
    if (this.started) return;
    this.started = true;
    this.lastTime = seg.ts;
    // A literal of one (see docs/performance.md#array-maps).
    this.expireChains = [seg.ts + this.timeouts.tcpSynTimeout];
    if (!fromA) this.origIsA = false; // A is the first sender by definition
    if (this.wantFlip(seg.srcPort, seg.dstPort, seg.flags)) this.flipRoles();
  }

  /**
   * One segment. fromA: sent by the connection's first sender. `retrans` and
   * `gap` (the tracker's own judgement) are accepted for the caller's
   * convenience but not used: Zeek's 't' and 'g' have their own definitions
   * (a payload that does not advance the highest sequence number sent; an ACK
   * for data never seen), which are computed here from seq/ack.
   */
  segment(fromA: boolean, seg: Segment, retrans = false, gap = false): void {
    void retrans;
    void gap;
    const flags = seg.flags;
    const syn = (flags & TcpFlag.SYN) !== 0;
    const fin = (flags & TcpFlag.FIN) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    const t = seg.ts;
    const len = seg.payloadLen;
    if (!this.started) this.open(fromA, seg);
    let isOrig = fromA === this.origIsA;

    // TCP_Endpoint::CheckHistory(): a connection that began with a SYN-ACK is
    // flipped when an ACK or a data segment follows (stealth scans do not send
    // those): when the history is exactly "H" and this packet is an 'A' or a 'D'
    // (no SYN, FIN or RST). A bad-checksum 'c' in between ("Hc") prevents it.
    if (!syn && !fin && !rst && (ack || len > 0) && this.hist === HISTORY_H) {
      this.flipRoles();
      // Connection::ReplaceHistory("^h"): the SYN-ACK now belongs to the responder.
      // hist_seen stays as it is (ReplaceHistory() replaces the string only).
      this.hist = HISTORY_FLIPPED_H;
      this.firstPacketSeen |= 1;
      isOrig = fromA === this.origIsA;
    }

    const endpoint = isOrig ? this.orig : this.resp;
    const peer = endpoint.peer;
    this.setPartialStatus(syn, ack, isOrig);

    let segLen = len;
    if (syn) segLen++;
    if (fin) segLen++;
    if (rst) segLen -= len;
    const ackSeq = seg.ack >>> 0;

    // Only a SYN or a first segment changes the numbering (see docs/performance.md#boxing).
    if (syn || endpoint.state === INACTIVE) this.initEndpoint(endpoint, seg, segLen);

    const relSeq = relativeSeq(endpoint, seg, false);
    const seqUnderflow = relUnderflow;

    this.updateHistory(endpoint, syn, fin, rst, ack, relSeq, len);

    // update_window(): only the zero-window test matters here (0 << scale == 0).
    if (seg.window === 0 && !rst && peer.state !== CLOSED && endpoint.state !== RESET) {
      if (scaled(endpoint, 'win0')) this.addHistory(endpoint.isOrig ? 'W' : 'w');
    }

    if (!this.orig.didClose || !this.resp.didClose) this.lastTime = t;

    if (fin) {
      endpoint.finCnt++;
      endpoint.finSeq = relSeq + segLen;
    }

    let relAck = 0;
    if (ack) {
      if (peer.state === INACTIVE) {
        relAck = 1;
        // init_peer(): number the peer as if its SYN had been seen.
        const s = (ackSeq - 1) >>> 0;
        peer.startSeq = s;
        peer.ackSeq = s;
        peer.lastSeq = s;
      } else {
        const r = relativeSeq(peer, seg, true);
        if (relUnderflow) relAck = 0;
        else {
          relAck = r;
          if (!rst) {
            const deltaAck = seqDelta(ackSeq, peer.ackSeq);
            if (!(ackSeq === 0 && deltaAck > TOO_LARGE_SEQ_DELTA) && deltaAck > 0) {
              if (ackSeq < peer.ackSeq) peer.ackWraps++;
              peer.ackSeq = ackSeq;
            }
          }
        }
      }
    }

    this.updateLastSeq(endpoint, seg, segLen);
    endpoint.active = true;

    this.segTime = t;
    const closing = this.updateStateMachine(endpoint, peer, seg, isOrig);
    const doClose = (closing & DO_CLOSE) !== 0;
    const genEvent = (closing & GEN_EVENT) !== 0;

    if (ack) this.ackReceived(peer, relAck);

    this.firstPacketSeen |= isOrig ? 1 : 2;

    const relDataSeq = syn ? relSeq + 1 : relSeq;
    if (len > 0 && !rst && !seqUnderflow) {
      // A payload cut by the snaplen never reaches Zeek's reassembler.
      if (seg.capturedPayload >= len) this.dataSent(endpoint, relDataSeq, len);
    }
    this.checkEof(endpoint);

    if (doClose) this.connectionClosed(endpoint, peer, genEvent);
  }

  private wantFlip(srcPort: number, dstPort: number, flags: number): boolean {
    // TCPAnalyzer::WantConnection().
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    if (syn && !ack) return false;
    if (!this.likelyServerPorts.has(srcPort)) return false;
    if (this.likelyServerPorts.has(dstPort)) return !syn && srcPort < dstPort;
    return true;
  }

  private flipRoles(): void {
    // Connection::FlipRoles + TCPSessionAdapter::FlipRoles. hist_seen stays as is.
    this.origIsA = !this.origIsA;
    this.orig.isOrig = true;
    this.resp.isOrig = false;
    const f = this.firstPacketSeen;
    this.firstPacketSeen = (f & 1 ? 2 : 0) | (f & 2 ? 1 : 0);
    this.isPartial = false;
    this.hist = this.hist.plus('^');
  }

  private setPartialStatus(syn: boolean, ack: boolean, isOrig: boolean): void {
    if (isOrig) {
      if (!(this.firstPacketSeen & 1)) this.isPartial = !syn || ack;
    } else if (!(this.firstPacketSeen & 2) && !this.isPartial) {
      this.isPartial = !syn;
    }
  }

  /**
   * init_endpoint(): numbering from a SYN or a first segment (`segLen`: the
   * sequence space it occupies). Takes the segment, not its numbers (see
   * docs/performance.md#boxing).
   */
  private initEndpoint(ep: Endpoint, seg: Segment, segLen: number): void {
    const syn = (seg.flags & TcpFlag.SYN) !== 0;
    const firstSeq = seg.seq >>> 0;
    let lastSeq = (firstSeq + segLen) >>> 0;
    let reinit = false;
    switch (ep.state) {
      case INACTIVE:
        if (syn) {
          ep.ackSeq = firstSeq;
          ep.startSeq = firstSeq;
        } else {
          // A partial connection: number as though a SYN had been seen.
          ep.ackSeq = (firstSeq - 1) >>> 0;
          ep.startSeq = (firstSeq - 1) >>> 0;
          lastSeq = firstSeq; // first packet is not a duplicate
        }
        ep.lastSeq = lastSeq;
        break;
      case SYN_SENT:
      case SYN_ACK_SENT:
        reinit = syn && firstSeq !== ep.startSeq >>> 0;
        break;
      case ESTABLISHED:
      case PARTIAL:
        reinit = syn;
        break;
      case RESET:
        reinit = syn && ep.prevState === INACTIVE;
        break;
    }
    if (reinit) {
      ep.startSeq = firstSeq;
      ep.ackSeq = firstSeq;
      ep.lastSeq = lastSeq;
    }
  }

  private checkHistory(ep: Endpoint, mask: number, code: string): boolean {
    if (!ep.isOrig) mask = (mask << 16) >>> 0;
    if ((this.histSeen & mask) === 0) {
      this.histSeen = (this.histSeen | mask) >>> 0;
      this.hist = this.hist.plus(ep.isOrig ? code : responderLetter(code));
      return false;
    }
    return true;
  }

  private addEndpointHistory(ep: Endpoint, code: string): void {
    this.hist = this.hist.plus(ep.isOrig ? code : responderLetter(code));
  }

  private addHistory(code: string): void {
    this.hist = this.hist.plus(code);
  }

  private updateHistory(
    ep: Endpoint,
    syn: boolean,
    fin: boolean,
    rst: boolean,
    ack: boolean,
    relSeq: number,
    len: number,
  ): void {
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) this.checkHistory(ep, HIST_FIN_RST_PKT, 'I');
      else this.checkHistory(ep, HIST_MULTI_FLAG_PKT, 'Q');
    } else if (bits === 1) {
      if (syn) {
        const code = ack ? 'H' : 'S';
        if (this.checkHistory(ep, HIST_SYN_PKT, code) && relSeq !== ep.histLastSyn)
          this.addEndpointHistory(ep, code);
        ep.histLastSyn = relSeq;
      }
      if (fin) {
        // A FIN's sequence number is at the end of the packet's data.
        if (this.checkHistory(ep, HIST_FIN_PKT, 'F') && relSeq + len !== ep.histLastFin) {
          this.addEndpointHistory(ep, 'F');
        }
        ep.histLastFin = relSeq + len;
      }
      if (rst) {
        if (this.checkHistory(ep, HIST_RST_PKT, 'R') && relSeq !== ep.histLastRst)
          this.addEndpointHistory(ep, 'R');
        ep.histLastRst = relSeq;
      }
    } else if (len) {
      this.checkHistory(ep, HIST_DATA_PKT, 'D');
    } else if (ack) {
      this.checkHistory(ep, HIST_ACK_PKT, 'A');
    }
  }

  /**
   * update_last_seq() for a segment occupying `segLen` of sequence space; a
   * payload that does not advance last_seq is a retransmission ('t'). Takes
   * the segment, not its numbers (see docs/performance.md#boxing).
   */
  private updateLastSeq(ep: Endpoint, seg: Segment, segLen: number): void {
    const f = seg.flags;
    const syn = (f & TcpFlag.SYN) !== 0;
    const fin = (f & TcpFlag.FIN) !== 0;
    const rst = (f & TcpFlag.RST) !== 0;
    const len = seg.payloadLen;
    const lastSeq = (seg.seq + segLen) >>> 0;
    const delta = seqDelta(lastSeq, ep.lastSeq);
    if ((syn || rst) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA)) {
      // untrusted jump
    } else if (fin && ep.lastSeq === (ep.startSeq + 1) >>> 0) {
      updateLast(ep, lastSeq | 0);
    } else if (ep.state === RESET) {
      // don't trust sequence numbers after a RST
    } else if (delta > 0) {
      updateLast(ep, lastSeq | 0);
    } else if (len > 0) {
      if (scaled(ep, 'rxmt')) this.addHistory(ep.isOrig ? 'T' : 't');
    }
  }

  /** Takes the segment, not its numbers (see docs/performance.md#boxing); its time is segTime. */
  private updateStateMachine(ep: Endpoint, peer: Endpoint, seg: Segment, isOrig: boolean): number {
    const len = seg.payloadLen;
    const flags = seg.flags;
    const t = this.segTime;
    const baseSeq = seg.seq >>> 0;
    const syn = (flags & TcpFlag.SYN) !== 0;
    const fin = (flags & TcpFlag.FIN) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    let doClose = false;
    let genEvent = false;
    switch (ep.state) {
      case INACTIVE: {
        if (syn) {
          if (isOrig) {
            ep.setState(ack ? SYN_ACK_SENT : SYN_SENT, this);
            if (this.timeouts.tcpAttemptDelay) this.attemptAt = t + this.timeouts.tcpAttemptDelay;
          } else {
            if (!ack && peer.state === SYN_ACK_SENT && baseSeq === ep.startSeq >>> 0) {
              // SYN/SYN-ACK reversal: flip and establish.
              this.isPartial = false;
              this.flipRoles();
              peer.setState(ESTABLISHED, this);
              this.firstPacketSeen |= 1;
              // Zeek keeps using the stale is_orig for the rest of this packet.
            }
            if (peer.state === SYN_SENT) peer.setState(ESTABLISHED, this);
            ep.setState(ESTABLISHED, this);
          }
        }
        if (fin) {
          ep.setState(CLOSED, this);
          doClose = genEvent = true;
        }
        if (rst) {
          ep.setState(RESET, this);
          let isReject = false;
          if (isOrig) {
            if (peer.state === ESTABLISHED) isReject = true;
          } else if (peer.state === SYN_SENT || peer.state === SYN_ACK_SENT) {
            isReject = true;
          }
          doClose = true;
          genEvent = !isReject;
        }
        if (ep.state === INACTIVE) {
          if (!isOrig && len === 0 && this.orig.state === SYN_SENT) {
            // An ACK of the SYN before the SYN-ACK: not a partial connection.
          } else if (ack && peer.state === ESTABLISHED) {
            // SYN-ACK seen but not the SYN: establish rather than partial.
            ep.setState(ESTABLISHED, this);
            this.isPartial = false;
            this.firstPacketSeen |= isOrig ? 1 : 2;
          } else {
            ep.setState(PARTIAL, this);
          }
        }
        break;
      }
      case SYN_SENT:
      case SYN_ACK_SENT:
        if (fin) {
          ep.setState(CLOSED, this);
          doClose = genEvent = true;
        }
        if (rst) {
          ep.setState(RESET, this);
          this.isActive = false; // ConnectionReset()
          doClose = true;
        }
        break;
      case ESTABLISHED:
      case PARTIAL:
        if (syn && ep.state === PARTIAL && peer.state === INACTIVE && !ack) ep.setState(SYN_SENT, this);
        if (fin && !rst) {
          ep.setState(CLOSED, this);
          // A FIN after the peer's FIN+RST: that RST was normal termination.
          if (peer.state === RESET && peer.prevState === CLOSED) peer.setState(CLOSED, this);
          doClose = genEvent = true;
        }
        if (rst) {
          ep.setState(RESET, this);
          doClose = true;
          if (peer.state !== RESET || peer.prevState !== ESTABLISHED) this.isActive = false;
        }
        break;
      case CLOSED:
        // After both FINs a RST does not change the state.
        if (rst && peer.state !== CLOSED) {
          ep.setState(RESET, this);
          if (!ep.didClose) doClose = true; // RST after FIN
        }
        break;
      case RESET:
        break;
    }
    return (doClose ? DO_CLOSE : 0) | (genEvent ? GEN_EVENT : 0);
  }

  private dataSent(ep: Endpoint, seq: number, len: number): void {
    // TCP_Reassembler::DataSent + Reassembler::NewBlock, on byte ranges only.
    if (ep.skipDeliveries) return;
    const ackRel = ep.rel(ep.ackSeq, ep.ackWraps);
    const upper = seq + len;
    if (seq < ackRel) {
      if (upper <= ackRel) return; // already delivered and acked
      seq = ackRel;
    }
    if (upper <= ep.trimSeq) return;
    if (seq < ep.trimSeq) seq = ep.trimSeq;
    if (seq <= ep.lastReassem) {
      if (upper > ep.lastReassem) {
        ep.lastReassem = upper;
        deliverBuffered(ep);
      }
    } else {
      insertOoo(ep, seq, upper);
    }
    const last = ep.ooo?.at(-1);
    if (ep.noDataAcked() && last !== undefined) {
      const undelivered = last - ep.lastReassem;
      if (undelivered > MAX_ABOVE_HOLE_WITHOUT_ACKS) {
        ep.ooo = null;
        ep.skipDeliveries = true;
      }
    }
  }

  /** TCP_Reassembler::AckReceived(): data acked but never seen is a content gap. */
  private ackReceived(ep: Endpoint, seq: number): void {
    if (ep.finCnt > 0 && seq >= ep.finSeq) seq = ep.finSeq - 1;
    if (seq <= ep.trimSeq) return;
    if (seq > ep.lastReassem) this.undelivered(ep, seq);
    // Trim: everything below seq is done with.
    if (ep.ooo !== null) {
      const o = ep.ooo;
      for (let end = o[1]; end !== undefined && end <= seq; end = o[1]) o.splice(0, 2);
      const first = o[0];
      if (first !== undefined && first < seq) o[0] = seq;
    }
    ep.trimSeq = seq;
    this.checkEof(ep);
  }

  private undelivered(ep: Endpoint, upTo: number): void {
    if (upTo <= 2 && this.isPartial) return; // faked ISN of a partial connection
    if (ep.skipDeliveries) {
      ep.lastReassem = Math.max(ep.lastReassem, upTo);
      return;
    }
    const o = ep.ooo;
    for (let first = o?.[0]; first !== undefined && first < upTo; first = o?.[0]) {
      if (first > ep.lastReassem) this.gap(ep);
      ep.lastReassem = Math.max(ep.lastReassem, first);
      deliverBuffered(ep);
    }
    if (upTo > ep.lastReassem) this.gap(ep);
    if (upTo > ep.lastReassem) ep.lastReassem = upTo;
  }

  private gap(ep: Endpoint): void {
    // Only while both sides are cleanly established (or closing from there).
    if (isClean(ep) && isClean(ep.peer)) {
      if (scaled(ep, 'gap')) this.addHistory(ep.isOrig ? 'G' : 'g');
    }
  }

  private checkEof(ep: Endpoint): void {
    if (ep.didEof) return;
    if (!(ep.finCnt > 0 || ep.state === CLOSED || ep.state === RESET)) return;
    if (ep.dataPending()) return;
    ep.didEof = true;
    if (this.closeDeferred) {
      this.closeDeferred = false;
      this.connectionClosed(ep, ep.peer, this.deferredGenEvent);
    }
  }

  private connectionClosed(ep: Endpoint, peer: Endpoint, genEvent: boolean): void {
    if (ep.dataPending()) {
      this.closeDeferred = true;
      if (!this.deferredGenEvent) this.deferredGenEvent = genEvent;
      return;
    }
    this.closeDeferred = false;
    if (ep.didClose) return;
    ep.didClose = true;
    const closeComplete = ep.state === RESET || peer.didClose || peer.state === INACTIVE;
    if (closeComplete) {
      if (ep.prevState !== INACTIVE || peer.state !== INACTIVE) {
        if (this.deferredGenEvent) {
          genEvent = true;
          this.deferredGenEvent = false;
        }
        if (genEvent) this.isActive = false; // ConnectionFinished()
      }
      // CancelTimers(), then the delete timer.
      this.attemptAt = Number.NaN;
      this.expireChains = NO_CHAINS;
      this.deleteAt = this.lastTime + this.timeouts.tcpCloseDelay;
    } else if (ep.prevState !== INACTIVE) {
      this.expireChains = this.expireChains.concat(this.lastTime + this.timeouts.tcpSessionTimer);
    }
  }
}

defineAccessors(ZeekConn.prototype, ZEEK_CONN_LAYOUT);

/** relativeSeq's second result (Zeek's underflow flag): a module variable, so no tuple per segment. */
let relUnderflow = false;

/**
 * get_relative_seq(): the relative sequence number of the segment's seq (`ack`
 * false: against the sender `ep`'s last sequence number and its wraps) or of its
 * ack (`ack` true: against the peer `ep`'s acknowledged number and wraps); the
 * underflow flag is left in `relUnderflow`. Takes the segment, not its numbers
 * (see docs/performance.md#boxing).
 */
function relativeSeq(ep: Endpoint, seg: Segment, ack: boolean): number {
  const cur = (ack ? seg.ack : seg.seq) >>> 0;
  const last = (ack ? ep.ackSeq : ep.lastSeq) >>> 0;
  let wraps = ack ? ep.ackWraps : ep.seqWraps;
  const d = seqDelta(cur, last);
  if (d < 0) {
    if (wraps && cur > last) wraps--;
  } else if (d > 0) {
    if (cur < last) wraps++;
  }
  if (wraps === 0) {
    const rel = seqDelta(cur, ep.startSeq >>> 0);
    relUnderflow = rel < 0;
    return rel;
  }
  relUnderflow = false;
  return ep.rel(cur, wraps);
}
