/**
 * Simulated TCP endpoints, written from RFC 9293 section 3.10 (event
 * processing) with the Linux behaviours that show in captures (the values of
 * net.ipv4.tcp_* in comments). Test code only: it is the oracle the tracker is
 * judged against, so it shares no code with src/tcp/.
 *
 * Sequence numbers are kept unwrapped inside an endpoint (plain integers from
 * the ISN upwards) and wrapped to 32 bits only on the wire, so the endpoint
 * logic cannot get wrap-around wrong while the captures still wrap.
 */
import type { St } from './rfc9293.js';
import { at } from '../../src/model/checked.js';

export const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

/** A segment on the simulated wire (32-bit seq/ack, as on the wire). */
export interface Seg {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  len: number;
  /** MSS option (on SYNs). */
  mss?: number;
  /** IP identification, per sending host; copies of one packet share it. */
  ipId: number;
  /** Sent by this endpoint (undefined for spoofed packets), for targeted drops. */
  from?: Tcb;
}

/** What the endpoints need from the simulator. */
export interface World {
  now(): number;
  /** Run `fn` at `t` (timers); the returned function cancels it. */
  at(t: number, fn: () => void): () => void;
  transmit(host: Host, seg: Seg): void;
  /** A state change of an endpoint (the truth). */
  changed(tcb: Tcb, from: St, to: St, event: string): void;
  /** A coverage event that changed no state. */
  event(tcb: Tcb | null, state: string, event: string): void;
}

/** Linux defaults and per-socket options (setsockopt) the scripts may set. */
export interface SockOpts {
  /** tcp_syn_retries (6: SYN at 0, 1, 3, 7, 15, 31, 63 s, gives up at 127 s). */
  synRetries: number;
  /** tcp_synack_retries (5). */
  synackRetries: number;
  /** tcp_retries2 (15); tcp_orphan_retries is used for orphans (Linux: 8 when 0). */
  retries2: number;
  orphanRetries: number;
  /** TCP_USER_TIMEOUT in seconds, 0 = off. */
  userTimeout: number;
  /** SO_KEEPALIVE with TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT; null = off. */
  keepalive: { idle: number; intvl: number; probes: number } | null;
  /** tcp_fin_timeout: an orphan's FIN_WAIT_2 lifetime (60 s). */
  finTimeout: number;
  /** TIME_WAIT length, 2 x MSL (Linux: fixed 60 s). */
  timeWait: number;
  /** Receive buffer (the largest window advertised; no window scaling). */
  rcvBuf: number;
  mss: number;
}

export const LINUX: SockOpts = {
  synRetries: 6,
  synackRetries: 5,
  retries2: 15,
  orphanRetries: 8,
  userTimeout: 0,
  keepalive: null,
  finTimeout: 60,
  timeWait: 60,
  rcvBuf: 65535,
  mss: 1460,
};

const MOD = 2 ** 32;
const u32 = (x: number): number => ((x % MOD) + MOD) % MOD;
/** The unwrapped sequence number nearest `ref` whose low 32 bits are `x`. */
function unwrap(x: number, ref: number): number {
  return ref + ((x - u32(ref)) | 0);
}

let nextTcbId = 1;

/** One endpoint of one connection (a TCB, RFC 9293 section 3.3.1). */
export class Tcb {
  readonly id = nextTcbId++;
  state: St = 'CLOSED';
  /** Every state change: the truth. */
  readonly log: { t: number; from: St; to: St; event: string }[] = [];
  iss = 0;
  irs = 0;
  sndUna = 0;
  sndNxt = 0;
  /** The highest sequence number sent plus one. */
  sndMax = 0;
  sndWnd = 0;
  rcvNxt = 0;
  /** Bytes the application wrote (the data occupies iss+1 .. iss+1+written). */
  written = 0;
  /** shutdown(SHUT_WR) or close(): a FIN follows the data. */
  finQueued = false;
  /** close() was called: no application holds the socket (Linux "orphan"). */
  orphan = false;
  /** Received, not yet read by the application. */
  unread = 0;
  reading = true;
  /** Out-of-order data (and FIN) waiting for the hole before it. */
  private ooo: { seq: number; end: number; fin: boolean }[] = [];
  private rto = 1;
  private srtt = 0;
  private rttvar = 0;
  private rttProbe: { seq: number; t: number } | null = null;
  private retries = 0;
  private firstRtxAt = -1;
  private recover = -1;
  private dupAcks = 0;
  private lastAdvertised = 0;
  private lastHeard = 0;
  private kaProbes = 0;
  private cancelRtx: (() => void) | null = null;
  private cancelTimer: (() => void) | null = null;
  private cancelKa: (() => void) | null = null;
  private cancelPersist: (() => void) | null = null;
  private persistBackoff = 0;
  /** Made by a listener (passive open). */
  passive = false;

  constructor(
    readonly host: Host,
    readonly lport: number,
    readonly raddr: string,
    readonly rport: number,
    readonly opts: SockOpts,
    /** Script name of the socket ("c", "s0"), for the scripts and the reports. */
    readonly name: string,
  ) {}

  private get w(): World {
    return this.host.world;
  }

  set(to: St, event: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.log.push({ t: this.w.now(), from, to, event });
    this.w.changed(this, from, to, event);
    if (to === 'CLOSED') this.teardown();
  }

  /** Forget the TCB: timers off, out of the host's table. */
  private teardown(): void {
    this.stopRtx();
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.cancelKa?.();
    this.cancelKa = null;
    this.cancelPersist?.();
    this.cancelPersist = null;
    this.host.forget(this);
  }

  private get dataEnd(): number {
    return this.iss + 1 + this.written;
  }

  private window(): number {
    return Math.max(0, Math.min(65535, this.opts.rcvBuf - this.unread));
  }

  private emits = 0;

  private emit(seq: number, flags: number, len = 0, ack = this.rcvNxt): void {
    this.emits++;
    const win = this.window();
    this.lastAdvertised = win;
    this.host.send(this, {
      src: this.host.addr,
      dst: this.raddr,
      sport: this.lport,
      dport: this.rport,
      seq: u32(seq),
      ack: flags & F.ACK ? u32(ack) : 0,
      flags,
      win,
      len,
      mss: flags & F.SYN ? this.opts.mss : undefined,
      ipId: 0,
      from: this,
    });
  }

  private sendAck(): void {
    this.emit(this.sndNxt, F.ACK);
  }

  // --- user calls (RFC 9293 section 3.10.1 - 3.10.5) ---

  /** Active OPEN: SYN, SYN_SENT. */
  connect(isn: number): void {
    this.iss = isn;
    this.sndUna = isn;
    this.sndNxt = isn + 1;
    this.sndMax = isn + 1;
    this.set('SYN_SENT', 'connect');
    this.emit(isn, F.SYN);
    this.armRtx();
  }

  /** A listener's new TCB for a SYN (3.10.7.2): SYN_RECEIVED, SYN-ACK. */
  accept(seg: Seg, isn: number): void {
    this.passive = true;
    this.irs = seg.seq;
    this.rcvNxt = seg.seq + 1;
    this.iss = isn;
    this.sndUna = isn;
    this.sndNxt = isn + 1;
    this.sndMax = isn + 1;
    this.sndWnd = seg.win;
    this.set('SYN_RECEIVED', 'rcv SYN (listener)');
    this.emit(isn, F.SYN | F.ACK);
    this.armRtx();
  }

  /** A SYN cookie's final ACK (Linux tcp_get_cookie_sock): straight to ESTABLISHED. */
  fromCookie(seg: Seg, isn: number, irs: number): void {
    this.passive = true;
    this.iss = isn;
    this.irs = irs;
    this.sndUna = isn + 1;
    this.sndNxt = isn + 1;
    this.sndMax = isn + 1;
    this.rcvNxt = irs + 1;
    this.sndWnd = seg.win;
    this.lastHeard = this.w.now();
    this.set('ESTABLISHED', 'rcv ACK of SYN cookie');
    this.startKeepalive();
    this.segmentArrives(seg);
  }

  send(n: number): void {
    if (this.finQueued || !['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT'].includes(this.state)) {
      this.w.event(this, this.state, 'send refused');
      return;
    }
    this.written += n;
    this.output();
  }

  /** shutdown(SHUT_WR): queue a FIN (3.10.4 CLOSE without giving up the receive side). */
  shutdown(): void {
    switch (this.state) {
      case 'SYN_SENT':
        this.set('CLOSED', 'close');
        return;
      case 'SYN_RECEIVED':
      case 'ESTABLISHED':
        this.finQueued = true;
        this.set('FIN_WAIT_1', 'close');
        this.output();
        return;
      case 'CLOSE_WAIT':
        this.finQueued = true;
        this.set('LAST_ACK', 'close');
        this.output();
        return;
      default:
        this.w.event(this, this.state, 'close again');
    }
  }

  /** close(): as shutdown, but the socket is orphaned; unread data makes it a RST (RFC 9293 3.10.4 / RFC 2525 2.17). */
  close(): void {
    if (this.unread > 0 || this.ooo.length > 0) {
      if (['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'FIN_WAIT_2', 'SYN_RECEIVED'].includes(this.state)) {
        this.emit(this.sndNxt, F.RST | F.ACK);
        this.set('CLOSED', 'close with unread data');
        return;
      }
    }
    this.orphan = true;
    if (this.state === 'FIN_WAIT_2') this.startFinTimeout();
    else this.shutdown();
  }

  /** ABORT (3.10.5), close() with SO_LINGER 0: RST in synchronized states. */
  abort(): void {
    if (['SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT'].includes(this.state)) {
      this.emit(this.sndNxt, F.RST | F.ACK);
    }
    if (this.state !== 'CLOSED') this.set('CLOSED', 'abort');
  }

  /** The application starts or stops reading (a stopped reader fills the window: zero window). */
  setReading(on: boolean): void {
    this.reading = on;
    if (on && this.unread > 0) {
      const was = this.lastAdvertised;
      this.unread = 0;
      // Linux announces a window that opens from zero (tcp_cleanup_rbuf).
      if (was < this.opts.mss && this.state !== 'CLOSED') this.sendAck();
    }
  }

  /** The host lost its memory (crash): the TCB vanishes without a segment. */
  crash(): void {
    if (this.state !== 'CLOSED') this.set('CLOSED', 'host crash');
  }

  // --- sending (3.10.2, 3.8) ---

  output(): void {
    // CLOSING too: a close in SYN_RECEIVED holds its FIN until the SYN is
    // acknowledged, and the peer's FIN may come with that ACK (CLOSING before
    // ours left).
    if (!['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK'].includes(this.state)) return;
    // Nothing goes before our SYN is acknowledged (a close in SYN_RECEIVED waits for it).
    if (this.sndUna === this.iss) return;
    for (;;) {
      if (this.sndNxt < this.dataEnd) {
        const can = Math.min(
          this.opts.mss,
          this.dataEnd - this.sndNxt,
          this.sndUna + this.sndWnd - this.sndNxt,
        );
        if (can <= 0) {
          if (this.sndWnd === 0 && this.sndNxt === this.sndUna) this.armPersist();
          return;
        }
        const last = this.sndNxt + can === this.dataEnd;
        this.emit(this.sndNxt, F.ACK | (last ? F.PSH : 0), can);
        this.sent(this.sndNxt + can);
      } else if (this.finQueued && this.sndNxt === this.dataEnd) {
        this.emit(this.sndNxt, F.FIN | F.ACK);
        this.sent(this.sndNxt + 1);
        return;
      } else return;
    }
  }

  private sent(end: number): void {
    if (this.rttProbe === null && end > this.sndMax) this.rttProbe = { seq: end, t: this.w.now() };
    this.sndNxt = end;
    if (end > this.sndMax) this.sndMax = end;
    if (!this.cancelRtx) this.armRtx();
  }

  /** Retransmit the first unacknowledged segment (SYN, SYN-ACK, data or FIN). */
  private retransmitHead(): void {
    this.rttProbe = null;
    if (this.state === 'SYN_SENT') {
      this.emit(this.iss, F.SYN);
      return;
    }
    if (this.sndUna === this.iss) {
      this.emit(this.iss, F.SYN | F.ACK);
      return;
    }
    if (this.sndUna < this.dataEnd) {
      const len = Math.min(this.opts.mss, this.dataEnd - this.sndUna, Math.max(1, this.sndWnd));
      this.emit(this.sndUna, F.ACK | F.PSH, len);
    } else if (this.finQueued && this.sndUna < this.sndMax) {
      this.emit(this.sndUna, F.FIN | F.ACK);
    }
  }

  // --- timers (RFC 6298 retransmission timer, 3.8.1; Linux's give-up rules) ---

  private armRtx(): void {
    this.stopRtx();
    this.cancelRtx = this.w.at(this.w.now() + this.rto, () => this.onRtx());
  }

  private stopRtx(): void {
    this.cancelRtx?.();
    this.cancelRtx = null;
  }

  private onRtx(): void {
    this.cancelRtx = null;
    const limit =
      this.state === 'SYN_SENT'
        ? this.opts.synRetries
        : this.sndUna === this.iss
          ? this.opts.synackRetries
          : this.orphan
            ? this.opts.orphanRetries
            : this.opts.retries2;
    if (this.firstRtxAt < 0) this.firstRtxAt = this.w.now() - this.rto;
    const userTimedOut = this.opts.userTimeout > 0 && this.w.now() - this.firstRtxAt >= this.opts.userTimeout;
    if (this.retries >= limit || userTimedOut) {
      // ETIMEDOUT: Linux drops the TCB without a RST (tcp_write_err).
      this.set('CLOSED', this.state === 'SYN_SENT' ? 'SYN retries exhausted' : 'retransmissions exhausted');
      return;
    }
    this.retries++;
    this.recover = this.sndMax;
    this.retransmitHead();
    this.rto = Math.min(this.rto * 2, 120);
    this.armRtx();
  }

  private armPersist(): void {
    if (this.cancelPersist) return;
    const d = Math.min(Math.max(this.rto, 0.2) * 2 ** this.persistBackoff, 120);
    this.cancelPersist = this.w.at(this.w.now() + d, () => {
      this.cancelPersist = null;
      if (this.sndWnd > 0 || this.sndNxt >= this.dataEnd) return;
      // Linux's zero-window probe (tcp_xmit_probe_skb): an old sequence number, no data.
      this.persistBackoff++;
      this.w.event(this, this.state, 'window probe');
      this.emit(this.sndUna - 1, F.ACK);
      this.armPersist();
    });
  }

  private startFinTimeout(): void {
    this.cancelTimer?.();
    this.cancelTimer = this.w.at(this.w.now() + this.opts.finTimeout, () => {
      this.cancelTimer = null;
      if (this.state === 'FIN_WAIT_2') this.set('CLOSED', 'orphan FIN_WAIT_2 timeout');
    });
  }

  private startTimeWait(): void {
    this.stopRtx();
    this.cancelKa?.();
    this.cancelTimer?.();
    this.cancelTimer = this.w.at(this.w.now() + this.opts.timeWait, () => {
      this.cancelTimer = null;
      if (this.state === 'TIME_WAIT') this.set('CLOSED', '2MSL timeout');
    });
  }

  private startKeepalive(): void {
    const ka = this.opts.keepalive;
    if (!ka) return;
    this.cancelKa?.();
    const idleFor = this.w.now() - this.lastHeard;
    const wait = this.kaProbes === 0 ? Math.max(ka.idle - idleFor, 0.001) : ka.intvl;
    this.cancelKa = this.w.at(this.w.now() + wait, () => {
      this.cancelKa = null;
      if (!['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_2'].includes(this.state)) return;
      if (this.kaProbes === 0 && this.w.now() - this.lastHeard < ka.idle - 1e-9) {
        this.startKeepalive();
        return;
      }
      // Linux sends data, not probes, while data is outstanding.
      if (this.sndMax > this.sndUna) {
        this.kaProbes = 0;
        this.startKeepalive();
        return;
      }
      if (this.kaProbes >= ka.probes) {
        // tcp_keepalive_timer: gives up with a RST.
        this.emit(this.sndNxt, F.RST | F.ACK);
        this.set('CLOSED', 'keep-alive timeout');
        return;
      }
      this.kaProbes++;
      this.w.event(this, this.state, 'keep-alive probe');
      this.emit(this.sndUna - 1, F.ACK);
      this.startKeepalive();
    });
  }

  // --- SEGMENT ARRIVES (3.10.7.3 SYN-SENT, 3.10.7.4 other states) ---

  segmentArrives(seg: Seg): void {
    const w = this.w;
    if (this.state === 'SYN_SENT') {
      this.synSentArrives(seg);
      return;
    }
    const seq = unwrap(seg.seq, this.rcvNxt);
    const ack = unwrap(seg.ack, this.sndNxt);
    const syn = (seg.flags & F.SYN) !== 0;
    const fin = (seg.flags & F.FIN) !== 0;
    const rst = (seg.flags & F.RST) !== 0;
    const segLen = seg.len + (syn ? 1 : 0) + (fin ? 1 : 0);
    const wnd = this.window();
    // A retransmitted SYN in SYN_RECEIVED: the SYN-ACK again (Linux tcp_check_req).
    if (this.state === 'SYN_RECEIVED' && syn && !(seg.flags & F.ACK) && seg.seq === u32(this.irs)) {
      w.event(this, this.state, 'rcv SYN again');
      this.emit(this.iss, F.SYN | F.ACK);
      return;
    }
    // Simultaneous open (3.5 Figure 8, line 6): the peer's SYN-ACK, whose SYN we
    // already have, acknowledges ours: ESTABLISHED. The acceptability test alone
    // would drop it as old; Linux lets it pass (tcp_validate_incoming).
    // The same holds after a close in SYN_RECEIVED (FIN_WAIT_1, our SYN not yet acknowledged).
    if (
      this.passive === false &&
      this.sndUna === this.iss &&
      (this.state === 'SYN_RECEIVED' || this.state === 'FIN_WAIT_1') &&
      syn &&
      seg.flags & F.ACK &&
      !rst &&
      seq + 1 === this.rcvNxt &&
      ack === this.iss + 1
    ) {
      this.heard();
      this.sndUna = ack;
      this.sndWnd = seg.win;
      this.retries = 0;
      this.firstRtxAt = -1;
      this.stopRtx();
      if (this.state === 'SYN_RECEIVED') {
        this.set('ESTABLISHED', 'rcv SYN-ACK (simultaneous open)');
        this.startKeepalive();
      }
      this.output();
      if (this.sndMax > this.sndUna) this.armRtx();
      return;
    }

    // first: check sequence number (3.10.7.4 table).
    let acceptable: boolean;
    if (segLen === 0)
      acceptable = wnd === 0 ? seq === this.rcvNxt : seq >= this.rcvNxt && seq < this.rcvNxt + wnd;
    else
      acceptable =
        wnd > 0 &&
        ((seq >= this.rcvNxt && seq < this.rcvNxt + wnd) ||
          (seq + segLen - 1 >= this.rcvNxt && seq + segLen - 1 < this.rcvNxt + wnd));
    // A zero window still takes ACKs, RSTs and a FIN at its edge (3.10.7.4 "special allowance").
    if (!acceptable && wnd === 0 && seq === this.rcvNxt) acceptable = true;
    if (!acceptable) {
      if (rst) {
        w.event(this, this.state, 'rcv RST out of window');
        return;
      }
      if (this.state === 'TIME_WAIT' && fin) this.startTimeWait();
      w.event(
        this,
        this.state,
        this.state === 'TIME_WAIT' && fin
          ? 'rcv FIN again (2MSL restarted)'
          : seq === this.rcvNxt - 1 && segLen <= 1
            ? 'rcv keep-alive/probe'
            : 'rcv unacceptable',
      );
      this.heard();
      this.sendAck();
      return;
    }
    this.heard();

    // second: RST (RFC 5961 section 3: only an exact match resets; else a challenge ACK).
    if (rst) {
      if (seq !== this.rcvNxt) {
        w.event(this, this.state, 'rcv RST in window (challenge ACK)');
        this.sendAck();
        return;
      }
      this.set('CLOSED', 'rcv RST');
      return;
    }

    // fourth: SYN in a synchronized state (RFC 5961 section 4: challenge ACK).
    if (syn) {
      w.event(this, this.state, 'rcv SYN in window (challenge ACK)');
      this.sendAck();
      return;
    }

    // fifth: ACK.
    if (!(seg.flags & F.ACK)) return;
    if (this.state === 'SYN_RECEIVED') {
      if (ack > this.sndUna && ack <= this.sndNxt) {
        this.sndUna = this.iss + 1;
        this.retries = 0;
        this.firstRtxAt = -1;
        this.stopRtx();
        this.set('ESTABLISHED', 'rcv ACK of SYN');
        this.startKeepalive();
      } else {
        this.host.send(this, this.rstFor(seg));
        return;
      }
    }
    if (ack > this.sndMax) {
      w.event(this, this.state, 'rcv ACK of unsent');
      this.sendAck();
      return;
    }
    if (ack > this.sndUna) this.acked(ack, seg.win);
    else {
      if (
        ack === this.sndUna &&
        seg.len === 0 &&
        !fin &&
        this.sndMax > this.sndUna &&
        seg.win === this.sndWnd &&
        ++this.dupAcks === 3
      ) {
        // Fast retransmit (RFC 5681 section 3.2).
        w.event(this, this.state, 'fast retransmit');
        this.recover = this.sndMax;
        this.retransmitHead();
      }
      const opened = this.sndWnd === 0 && seg.win > 0;
      this.sndWnd = seg.win;
      if (opened) {
        this.cancelPersist?.();
        this.cancelPersist = null;
        this.persistBackoff = 0;
        this.output();
      }
    }
    if (this.state === 'CLOSED') return;
    const finAcked = this.finQueued && this.sndUna === this.dataEnd + 1;
    switch (this.state) {
      case 'FIN_WAIT_1':
        // A FIN that also acknowledges ours goes straight to TIME_WAIT (eighth step, below).
        if (finAcked && !(fin && seq <= this.rcvNxt && seq + seg.len >= this.rcvNxt)) {
          this.set('FIN_WAIT_2', 'rcv ACK of FIN');
          if (this.orphan) this.startFinTimeout();
        }
        break;
      case 'CLOSING':
        if (finAcked) {
          this.set('TIME_WAIT', 'rcv ACK of FIN');
          this.startTimeWait();
        }
        return;
      case 'LAST_ACK':
        if (finAcked) this.set('CLOSED', 'rcv ACK of FIN');
        return;
      case 'TIME_WAIT':
        if (fin) {
          this.startTimeWait();
          this.sendAck();
        }
        return;
    }

    // seventh: segment text.
    const emitsBefore = this.emits;
    let ackNow = false;
    if (seg.len > 0 || fin) {
      if (['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2'].includes(this.state)) {
        if (this.orphan && seq + seg.len > this.rcvNxt) {
          // Data for a socket no application holds: Linux resets (tcp_rcv_state_process, "data after close").
          this.emit(this.sndNxt, F.RST | F.ACK);
          this.set('CLOSED', 'rcv data after close');
          return;
        }
        this.ooo.push({ seq, end: seq + seg.len, fin });
        ackNow = true;
      } else if (seg.len > 0) ackNow = true;
    }
    const gotFin = this.deliver();
    // eighth: FIN.
    if (gotFin) {
      switch (this.state) {
        case 'ESTABLISHED':
          this.set('CLOSE_WAIT', 'rcv FIN');
          // An application that closes at once on EOF: its FIN carries the ACK.
          if (!this.orphan) this.host.world.onEof(this);
          break;
        case 'FIN_WAIT_1':
          if (this.finQueued && this.sndUna === this.dataEnd + 1) {
            this.set('TIME_WAIT', 'rcv FIN with ACK of FIN');
            this.startTimeWait();
          } else this.set('CLOSING', 'rcv FIN');
          break;
        case 'FIN_WAIT_2':
          this.set('TIME_WAIT', 'rcv FIN');
          this.startTimeWait();
          break;
      }
    }
    if (ackNow && this.emits === emitsBefore) this.sendAck();
    this.output();
  }

  /** Move in-order data out of the reassembly queue; true when the FIN was reached. */
  private deliver(): boolean {
    for (;;) {
      const i = this.ooo.findIndex((s) => s.seq <= this.rcvNxt);
      if (i < 0) return false;
      const s = at(this.ooo.splice(i, 1), 0);
      if (s.end > this.rcvNxt) {
        // What does not fit the receive buffer is dropped (the sender retransmits it).
        const take = Math.min(s.end - this.rcvNxt, Math.max(this.opts.rcvBuf - this.unread, 0));
        this.rcvNxt += take;
        if (!this.reading) this.unread += take;
        if (this.rcvNxt < s.end) continue;
      }
      if (s.fin && this.rcvNxt === s.end) {
        this.rcvNxt += 1;
        this.ooo = [];
        return true;
      }
    }
  }

  private acked(ack: number, win: number): void {
    if (this.rttProbe && ack >= this.rttProbe.seq) {
      const r = this.w.now() - this.rttProbe.t;
      if (this.srtt === 0) {
        this.srtt = r;
        this.rttvar = r / 2;
      } else {
        this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
        this.srtt = 0.875 * this.srtt + 0.125 * r;
      }
      this.rttProbe = null;
    }
    if (this.srtt > 0) this.rto = Math.min(Math.max(0.2, this.srtt + Math.max(0.001, 4 * this.rttvar)), 120);
    else this.rto = 1;
    this.sndUna = ack;
    if (this.sndNxt < ack) this.sndNxt = ack;
    this.sndWnd = win;
    this.retries = 0;
    this.firstRtxAt = -1;
    this.dupAcks = 0;
    if (win > 0) {
      this.cancelPersist?.();
      this.cancelPersist = null;
      this.persistBackoff = 0;
    }
    this.stopRtx();
    if (this.sndUna < this.sndMax) {
      // A partial ACK after a loss: the next hole goes now (RFC 6582 NewReno).
      if (this.sndUna < this.recover) this.retransmitHead();
      this.armRtx();
    }
  }

  private heard(): void {
    this.lastHeard = this.w.now();
    this.kaProbes = 0;
  }

  private synSentArrives(seg: Seg): void {
    const w = this.w;
    const hasAck = (seg.flags & F.ACK) !== 0;
    const ack = unwrap(seg.ack, this.sndNxt);
    if (hasAck && (ack <= this.iss || ack > this.sndNxt)) {
      if (!(seg.flags & F.RST)) this.host.send(this, this.rstFor(seg));
      w.event(this, 'SYN_SENT', 'rcv bad ACK');
      return;
    }
    if (seg.flags & F.RST) {
      if (hasAck) this.set('CLOSED', 'rcv RST (refused)');
      return;
    }
    if (!(seg.flags & F.SYN)) return;
    this.irs = seg.seq;
    this.rcvNxt = seg.seq + 1;
    this.sndWnd = seg.win;
    this.heard();
    if (hasAck) {
      this.sndUna = ack;
      this.retries = 0;
      this.firstRtxAt = -1;
      this.stopRtx();
      this.rto = 1;
      this.set('ESTABLISHED', 'rcv SYN-ACK');
      this.sendAck();
      this.startKeepalive();
      this.output();
    } else {
      // Simultaneous open (3.5, Figure 8).
      this.set('SYN_RECEIVED', 'rcv SYN (simultaneous open)');
      this.emit(this.iss, F.SYN | F.ACK);
      this.armRtx();
    }
  }

  /** The RST answering an unacceptable segment (3.10.7.1 / 3.10.7.4 "reset generation"). */
  rstFor(seg: Seg): Seg {
    return rstReply(this.host, seg);
  }
}

/** RST for a segment that has no home (3.5.2 reset generation, group 1). */
export function rstReply(host: Host, seg: Seg): Seg {
  const base = { src: host.addr, dst: seg.src, sport: seg.dport, dport: seg.sport, win: 0, len: 0, ipId: 0 };
  if (seg.flags & F.ACK) return { ...base, seq: seg.ack, ack: 0, flags: F.RST };
  const n = seg.len + (seg.flags & F.SYN ? 1 : 0) + (seg.flags & F.FIN ? 1 : 0);
  return { ...base, seq: 0, ack: u32(seg.seq + n), flags: F.RST | F.ACK };
}

export interface Listener {
  port: number;
  /** SYN queue length (tcp_max_syn_backlog / the listen backlog). */
  backlog: number;
  /** net.ipv4.tcp_syncookies: when the queue is full, answer with a cookie and keep no state. */
  synCookies: boolean;
  opts: SockOpts;
  /** Children accepted so far (their script names are s0, s1, ...). */
  accepted: number;
  /** What the application does when a child reads EOF (null: nothing, close-wait-stuck). */
  onEof: { close: number } | null;
}

/** A host: an address, its TCBs and listeners. */
export class Host {
  readonly tcbs = new Map<string, Tcb>();
  readonly listeners = new Map<number, Listener>();
  /** silent: the link is cut (the kernel runs on, nothing enters or leaves). */
  silent = false;
  private ipId = 1;

  constructor(
    readonly world: World & { isn(): number; adopt(tcb: Tcb): void; onEof(tcb: Tcb): void },
    readonly addr: string,
  ) {}

  private key(lport: number, raddr: string, rport: number): string {
    return `${lport}|${raddr}|${rport}`;
  }

  add(tcb: Tcb): void {
    this.tcbs.set(this.key(tcb.lport, tcb.raddr, tcb.rport), tcb);
  }

  forget(tcb: Tcb): void {
    const k = this.key(tcb.lport, tcb.raddr, tcb.rport);
    if (this.tcbs.get(k) === tcb) this.tcbs.delete(k);
  }

  send(tcb: Tcb | null, seg: Seg): void {
    seg.ipId = this.ipId++ & 0xffff;
    if (tcb) seg.from = tcb;
    this.world.transmit(this, seg);
  }

  /** A SYN cookie: a function of the 4-tuple and the client's ISN (no state kept). */
  cookie(seg: Seg, clientIsn: number): number {
    let h = 2166136261;
    for (const ch of `${seg.src}:${seg.sport}>${seg.dport}:${u32(clientIsn)}`)
      h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    return h >>> 0;
  }

  receive(seg: Seg): void {
    if (this.silent) return;
    const tcb = this.tcbs.get(this.key(seg.dport, seg.src, seg.sport));
    const l = this.listeners.get(seg.dport);
    const syn = (seg.flags & (F.SYN | F.ACK | F.RST)) === F.SYN;
    if (tcb) {
      // Linux TIME_WAIT takeover (tcp_timewait_state_process, RFC 6191): a SYN with a
      // higher ISN than the old connection's ends TIME_WAIT and goes to the listener.
      if (
        tcb.state === 'TIME_WAIT' &&
        syn &&
        l &&
        seg.seq !== u32(tcb.rcvNxt - 1) &&
        ((seg.seq - u32(tcb.rcvNxt)) | 0) > 0
      ) {
        tcb.set('CLOSED', 'TIME_WAIT takeover by a new SYN');
      } else {
        tcb.segmentArrives(seg);
        if (tcb.state === 'CLOSE_WAIT' && !tcb.orphan) this.world.onEof(tcb);
        return;
      }
    }
    if (l) {
      if (syn) {
        const pending = [...this.tcbs.values()].filter(
          (t) => t.lport === l.port && t.state === 'SYN_RECEIVED' && t.passive,
        ).length;
        if (pending >= l.backlog) {
          if (!l.synCookies) {
            this.world.event(null, 'LISTEN', 'SYN dropped (queue full)');
            return;
          }
          this.world.event(null, 'LISTEN', 'SYN cookie sent');
          const isn = this.cookie(seg, seg.seq);
          this.send(null, {
            src: this.addr,
            dst: seg.src,
            sport: seg.dport,
            dport: seg.sport,
            seq: isn,
            ack: u32(seg.seq + 1),
            flags: F.SYN | F.ACK,
            win: 65535,
            len: 0,
            mss: l.opts.mss,
            ipId: 0,
          });
          return;
        }
        const child = new Tcb(this, seg.dport, seg.src, seg.sport, l.opts, `s${l.accepted++}`);
        this.world.adopt(child);
        this.add(child);
        child.accept(seg, this.world.isn());
        return;
      }
      if (l.synCookies && (seg.flags & (F.ACK | F.SYN | F.RST)) === F.ACK) {
        const clientIsn = seg.seq - 1 - 0;
        const isn = this.cookie(seg, u32(clientIsn));
        if (u32(seg.ack - 1) === isn) {
          const child = new Tcb(this, seg.dport, seg.src, seg.sport, l.opts, `s${l.accepted++}`);
          this.world.adopt(child);
          this.add(child);
          child.fromCookie(seg, isn, u32(clientIsn));
          return;
        }
      }
    }
    // CLOSED (3.10.7.1): no connection; every segment but a RST gets a RST.
    if (seg.flags & F.RST) return;
    this.world.event(null, 'CLOSED', syn ? 'rcv SYN on closed port' : 'rcv segment for no connection');
    this.send(null, rstReply(this, seg));
  }

  crash(): void {
    for (const t of [...this.tcbs.values()]) t.crash();
  }
}
