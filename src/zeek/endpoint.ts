/**
 * One endpoint of a connection as Zeek sees it (TCP_Endpoint, and the
 * reassembler's bookkeeping of byte ranges for content gaps), stored through
 * its declared layout (tcp/record-layout.ts), and the sequence arithmetic on
 * it that the state machine (conn-state.ts) uses.
 */
import {
  bit,
  defineAccessors,
  f64,
  type LayoutFields,
  newRow,
  rare,
  recordLayout,
} from '../tcp/record-layout.js';
import { slabRelease } from '../tcp/slab.js';
import type { ZeekTimers } from './settings.js';

/**
 * Zeek's EndpointState values (init-bare.zeek TCP_INACTIVE .. TCP_RESET). An
 * enum of its own: its CLOSED is 5, the tracker's State.CLOSED is 0, and the
 * compiler keeps the two apart (test/model/state-types.test.ts).
 */
export enum ZeekTcpState {
  INACTIVE = 0,
  SYN_SENT = 1,
  SYN_ACK_SENT = 2,
  PARTIAL = 3,
  ESTABLISHED = 4,
  CLOSED = 5,
  RESET = 6,
}

const { INACTIVE, SYN_SENT, SYN_ACK_SENT, ESTABLISHED, CLOSED, RESET } = ZeekTcpState;

const TWO32 = 4294967296;
/** Out-of-order ranges kept per endpoint; beyond that the highest is dropped. */
const MAX_OOO_BLOCKS = 4;

/** Signed 32-bit difference a - b (Zeek's seq_delta). */
export function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * What a Zeek Endpoint keeps in its `bits`, its slab row and its row of
 * rarer numbers: each field's accessors are made from this (tcp/record-layout.ts).
 */
export const ZEEK_ENDPOINT_LAYOUT = recordLayout('Zeek Endpoint', {
  didClose: bit(),
  /** HasDoneSomething(): a packet was seen from this endpoint. */
  active: bit(),
  skipDeliveries: bit(),
  didEof: bit(),
  /** Zeek's originator side. */
  isOrig: bit(),
  /** Zeek's int64 start_seq; always within uint32 here (Zeek's arithmetic is uint32). */
  startSeq: f64(),
  lastSeq: f64(),
  /** Highest acknowledgement the peer sent for this endpoint's data. */
  ackSeq: f64(),
  seqWraps: rare(),
  ackWraps: rare(),
  rxmtCnt: rare(),
  rxmtThresh: rare(1),
  win0Cnt: rare(),
  win0Thresh: rare(1),
  gapCnt: rare(),
  gapThresh: rare(1),
  chkCnt: rare(),
  chkThresh: rare(1),
});

// The layout's fields, typed; defineAccessors() below puts their accessors on the prototype.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Endpoint extends LayoutFields<typeof ZEEK_ENDPOINT_LAYOUT.fields> {}
/** One TCP endpoint (Zeek's TCP_Endpoint plus the reassembler's bookkeeping). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Endpoint {
  state: ZeekTcpState = INACTIVE;
  prevState: ZeekTcpState = INACTIVE;
  finCnt = 0;
  /** Relative sequence number just past the FIN. */
  finSeq = 0;
  histLastSyn = 0;
  histLastFin = 0;
  histLastRst = 0;
  // Reassembler (relative sequence numbers; data starts at 1).
  lastReassem = 1;
  trimSeq = 1;
  /** Out-of-order ranges above lastReassem: [start0, end0, start1, end1, ...], sorted. */
  ooo: number[] | null = null;
  peer!: Endpoint;

  /** Its sequence numbers: a slab row at `o` (see docs/performance.md#slab-rows). */
  private readonly d: Float64Array;
  private readonly o: number;

  /** Yes/no facts, one bit each. */
  private bits = ZEEK_ENDPOINT_LAYOUT.initBits;

  /**
   * Rarer numbers (sequence wraps and the scaled-history counters of
   * retransmissions, zero windows and gaps, with their thresholds), in a slab
   * row made when the first of them changes: most endpoints never need one.
   */
  private cd: Float64Array | null = null;
  private co = 0;

  constructor(isOrig: boolean) {
    if (isOrig) this.isOrig = true;
    const row = newRow(ZEEK_ENDPOINT_LAYOUT);
    this.d = row.d;
    this.o = row.o;
  }

  /** Gives back its slab rows (tcp/slab.ts): its connection is dropped (ZeekConn.release). */
  release(): void {
    slabRelease(this.d);
    if (this.cd !== null) slabRelease(this.cd);
  }

  setState(s: ZeekTcpState, conn: ZeekTimers): void {
    if (s === this.state) return;
    // TCP_Endpoint::SetState: leaving the handshake switches the inactivity timeout.
    if (!isHandshake(s) && isHandshake(this.state) && isHandshake(this.peer.state)) {
      conn.inactivityTimeout = conn.timeouts.tcpInactivityTimeout;
    }
    this.prevState = this.state;
    this.state = s;
  }

  fullLast(): number {
    return this.seqWraps * TWO32 + this.lastSeq;
  }

  fullAck(): number {
    return this.ackWraps * TWO32 + this.ackSeq;
  }

  /** ToRelativeSeqSpace. */
  rel(seq: number, wraps: number): number {
    return wraps * TWO32 + seq - this.startSeq;
  }

  noDataAcked(): boolean {
    const ack = this.fullAck();
    return ack === this.startSeq || ack === this.startSeq + 1;
  }

  /** TCP_Endpoint::Size(); negative stands for Zeek's uint64 underflow (non-zero). */
  size(): number {
    if (
      this.prevState === SYN_SENT &&
      this.state === RESET &&
      this.peer.state === INACTIVE &&
      !this.noDataAcked()
    ) {
      return 0;
    }
    const last = this.fullLast();
    const ack = this.fullAck();
    let size = Math.max(last, ack) - this.startSeq;
    if (size !== 0) size--;
    if (this.finCnt > 0 && size !== 0) size--;
    return size;
  }

  hasUndeliveredData(): boolean {
    return this.ooo !== null && this.ooo.length > 0;
  }

  /** TCP_Reassembler::DataPending(). */
  dataPending(): boolean {
    if (this.skipDeliveries) return false;
    const delivered = this.startSeq + this.lastReassem;
    const last = this.fullLast();
    if (last < delivered) return false;
    if (delivered !== last - 1 && delivered !== last) return true;
    if (this.state !== RESET && this.peer.hasUndeliveredData()) return true;
    return false;
  }
}

defineAccessors(Endpoint.prototype, ZEEK_ENDPOINT_LAYOUT);

function isHandshake(s: ZeekTcpState): boolean {
  return s === INACTIVE || s === SYN_SENT || s === SYN_ACK_SENT;
}

export function scaled(ep: Endpoint, which: 'rxmt' | 'win0' | 'gap' | 'chk'): boolean {
  // Connection::ScaledHistoryEntry with scaling base 10.
  if (which === 'chk') {
    if (++ep.chkCnt !== ep.chkThresh) return false;
    ep.chkThresh *= 10;
  } else if (which === 'rxmt') {
    if (++ep.rxmtCnt !== ep.rxmtThresh) return false;
    ep.rxmtThresh *= 10;
  } else if (which === 'win0') {
    if (++ep.win0Cnt !== ep.win0Thresh) return false;
    ep.win0Thresh *= 10;
  } else {
    if (++ep.gapCnt !== ep.gapThresh) return false;
    ep.gapThresh *= 10;
  }
  return true;
}

export function isClean(ep: Endpoint): boolean {
  return ep.state === ESTABLISHED || (ep.state === CLOSED && ep.prevState === ESTABLISHED);
}

/** `seqI32` is the sequence number as an int32, `x | 0` (see docs/performance.md#boxing). */
export function updateLast(ep: Endpoint, seqI32: number): void {
  const seq = seqI32 >>> 0;
  if (seq < ep.lastSeq) ep.seqWraps++;
  ep.lastSeq = seq;
}

/** Moves lastReassem over the buffered ranges it now reaches. */
export function deliverBuffered(ep: Endpoint): void {
  const o = ep.ooo;
  if (o === null) return;
  // o holds [start, end) pairs, lowest first.
  for (
    let s = o[0], e = o[1];
    s !== undefined && e !== undefined && s <= ep.lastReassem;
    s = o[0], e = o[1]
  ) {
    if (e > ep.lastReassem) ep.lastReassem = e;
    o.splice(0, 2);
  }
}

export function insertOoo(ep: Endpoint, s: number, e: number): void {
  if (ep.ooo === null) ep.ooo = [];
  const o = ep.ooo;
  let i = 0;
  for (let end = o[i + 1]; end !== undefined && end < s; end = o[i + 1]) i += 2;
  // Merge with every range that overlaps or touches [s, e).
  let j = i;
  for (let a = o[j], b = o[j + 1]; a !== undefined && b !== undefined && a <= e; a = o[j], b = o[j + 1]) {
    s = Math.min(s, a);
    e = Math.max(e, b);
    j += 2;
  }
  o.splice(i, j - i, s, e);
  if (o.length > MAX_OOO_BLOCKS * 2) o.length = MAX_OOO_BLOCKS * 2;
}
