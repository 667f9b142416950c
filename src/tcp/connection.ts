/**
 * Per-connection and per-endpoint records. One Connection is allocated per
 * 4-tuple incarnation; nothing is allocated per segment except the rare
 * state transition record.
 */
import { formatAddr, formatIPv4 } from '../decode/addr.js';
import type { Segment } from '../decode/segment.js';
import type { TunnelInfo } from '../model/report.js';
import { seqAdd } from './seq.js';
import { bit, defineAccessors, f64, type LayoutFields, newRow, rare, recordLayout } from './record-layout.js';
import { slabRelease, slabRow } from './slab.js';
import { State } from '../model/states.js';
import { at, internalError } from '../model/checked.js';

export const CLIENT = 0;
/** Where the capture point sits for a connection (SPEC.md `vantage`). */
export const Vantage = { UNKNOWN: 0, CLIENT: 1, SERVER: 2, PATH: 3, LOCAL: 4 } as const;
export type Vantage = (typeof Vantage)[keyof typeof Vantage];
/** The report's names, by Vantage. */
export const VANTAGE_NAMES = ['unknown', 'client', 'server', 'path', 'local'] as const;
export const SERVER = 1;
export type Side = 0 | 1;
/** Both sides, for loops over them (one shared array, not a literal per loop). */
export const SIDES: readonly Side[] = [CLIENT, SERVER];
/** The report's name of each side, by Side. */
export const SIDE_NAMES = ['client', 'server'] as const;

/** Zeek's conn_state/history emulation (zeek.ts), injected so the tracker does not depend on it. */
export interface ZeekLike {
  segment(fromA: boolean, seg: Segment, retrans: boolean, gap: boolean): void;
  readonly history: string;
  connState(): string;
  /** Gives back its slab rows (tcp/slab.ts): it is dropped and never read again. */
  release?(): void;
}

/** Used when no Zeek emulation is wanted (tests of the state machine alone). */
export const NO_ZEEK: ZeekLike = {
  segment() {},
  history: '',
  connState: () => 'OTH',
};

/**
 * What is left of a connection's Zeek emulation once the connection left the
 * flow table (no segment reaches it any more): its results, ~40 bytes instead
 * of ~800.
 */
class FrozenZeek implements ZeekLike {
  constructor(
    readonly history: string,
    private readonly state: string,
  ) {}
  segment(): void {}
  connState(): string {
    return this.state;
  }
}

/** `z`'s results; a live emulation is dropped and gives back its slab rows. */
export function freezeZeek(z: ZeekLike): ZeekLike {
  if (z === NO_ZEEK || z instanceof FrozenZeek) return z;
  const frozen = new FrozenZeek(z.history, z.connState());
  z.release?.();
  return frozen;
}

/**
 * IPv6 address bytes for endpoints, carved out of shared 4 KiB slabs: a Uint8Array
 * of its own costs an ArrayBuffer and an off-heap backing store each (~400
 * bytes for 4 bytes of address), two per connection. A slab lives as long as
 * one of its ~1000 addresses does; connections are dropped oldest first, so
 * slabs are freed in order.
 */
const ADDR_SLAB = 4096;
let slab = new Uint8Array(0);
let slabUsed = 0;

function addrBytes(n: number): Uint8Array {
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(ADDR_SLAB);
    slabUsed = 0;
  }
  const a = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return a;
}

/**
 * A segment captured on its way to an endpoint the capture point is not next
 * to: what it does to that endpoint waits for evidence that it arrived
 * (SPEC.md "Evidence, vantage point and capture quality").
 */
export interface Pending {
  ts: number;
  frame: number;
  flags: number;
  seq: number;
  ack: number;
  payloadLen: number;
  /**
   * The receiver's acknowledgement must reach this sequence number to prove
   * that it got the segment (its SYN, data or FIN), when `hasProof`. A bare
   * ACK (or one that only acknowledges) cannot be acknowledged: it is taken
   * as delivered at `settleAt` unless the receiver shows it was lost.
   */
  proof: number;
  hasProof: boolean;
  settleAt: number;
}

/**
 * Per-endpoint state of the evidence model, for the endpoints that need it:
 * the Endpoint itself once evidence() was called (its fields live in the
 * endpoint's bits and rare row, see ENDPOINT_LAYOUT), null before. Not an
 * object of its own: every endpoint of a capture whose vantage point is not
 * next to it needs one, and at 10 M packets the ~40,000 held cost 150 bytes
 * each of V8's heap (docs/performance.md#heap-growth).
 */
export interface EndpointEvidence {
  /** Segments toward this endpoint not yet known to have arrived, in capture order. */
  pending: Pending[];
  /** A hole in its captured sequence space (data sent, not captured), not yet filled. */
  hole: boolean;
  holeStart: number;
  holeEnd: number;
  /** Times of its last two retransmissions of data (its retransmission backoff). */
  lastRtxTs: number;
  prevRtxTs: number;
  /**
   * Of an endpoint never captured sending (one-way): the peer's latest
   * acknowledgement of it, when that advanced by exactly one sequence number
   * past what was acknowledged before (a FIN, or one byte): its time, frame
   * and value; ackOneTs 0 when the latest advance was not one.
   */
  ackOneTs: number;
  ackOneFrame: number;
  ackOne: number;
  /**
   * Of an endpoint seen answering a peer never captured: an upper bound on
   * the round trip, from its SYN-ACK to its first acknowledgement of the
   * peer's data (which the peer sent only after the SYN-ACK reached it); 0
   * when not known.
   */
  rttBound: number;
  /** Of an endpoint never captured (one-way): its SYN-ACK resends that the peer's repeated ACKs show. */
  synAckResends: number;
  /** When a retransmitted FIN last restarted its TIME_WAIT timer (0: never); it entered TIME_WAIT at stateSince. */
  timeWaitRestart: number;
}

/**
 * The pending queue of an endpoint without evidence bookkeeping (ev null):
 * shared, replaced by evidence(), never written to.
 */
const NO_PENDING: Pending[] = [];

/**
 * What an Endpoint keeps in its `bits`, its slab row and its row of rarer
 * counts: each field's accessors are made from this (record-layout.ts).
 */
export const ENDPOINT_LAYOUT = recordLayout('Endpoint', {
  hasIsn: bit(),
  /** It sent a SYN without ACK (active or simultaneous open) / a SYN-ACK. */
  synSent: bit(),
  synAckSent: bit(),
  /** An ACK of its FIN is on its way to it (queued for delivery, or delivered). */
  ackOfFinQueued: bit(),
  /** It answers SYNs with SYN cookies and keeps no state for the connection (CLOSED). */
  stateless: bit(),
  /** An ACK of its SYN is on its way to it (queued for delivery, or delivered). */
  ackOfSynQueued: bit(),
  /** sndNxt is known (at least one segment seen). */
  seqKnown: bit(),
  finSent: bit(),
  finAcked: bit(),
  rstSent: bit(),
  ackKnown: bit(),
  sackPermitted: bit(),
  timestamps: bit(),
  /**
   * Its current state rests on an assumption, not on what the capture shows
   * (SPEC.md "Evidence": `stateEvidence: "inferred"`): a segment toward it
   * taken as delivered without its acknowledgement, a step the capture did
   * not show, a mid-stream pickup.
   */
  stateInferred: bit(),
  /** It sent a SYN or SYN-ACK again after an answer to it was captured (a lost SYN-ACK or final ACK). */
  handshakeRetried: bit(),
  /** It resent its FIN after an ACK of it was captured on the way: ACKs toward it get lost. */
  finResent: bit(),
  /** EndpointEvidence.hole. */
  hole: bit(),
  /** When it entered that state (capture time, seconds). */
  stateSince: f64(),
  /** IPv4 address as an unsigned 32-bit number (0 for IPv6). */
  addr4: f64(),
  /** Initial sequence number (from its SYN or SYN-ACK); hasIsn false when no SYN was seen. */
  isn: f64(),
  /** One past the highest sequence number this endpoint has sent (SYN and FIN count). */
  sndNxt: f64(),
  /** Timestamp of the segment that last advanced sndNxt (out-of-order vs retransmission). */
  sndNxtTs: f64(),
  /** Sequence number its FIN occupies; finSent false when none. */
  finSeq: f64(),
  /** Highest acknowledgement number this endpoint has sent. */
  lastAck: f64(),
  lastTsVal: f64(-1),
  /** Payload bytes sent (as carried, retransmissions included). */
  bytes: f64(),
  /** Time of the first duplicate ACK of the current run. */
  dupAckSince: f64(),
  /** Highest right edge of the SACK blocks it sent (= lastAck when none beyond it). */
  sackRight: f64(),
  /** Time of its last segment. */
  lastSeen: f64(),
  /** Zero-window episode in progress: start time (or -1). */
  zeroWindowSince: f64(-1),
  /** Capture time of its last segment's identity (`sig`). */
  sigTs: f64(),
  /** When it last sent (or resent) its FIN; 0 before. */
  lastFinTs: f64(),
  retransmissions: rare(),
  synRetransmissions: rare(),
  outOfOrder: rare(),
  dupAcks: rare(),
  zeroWindows: rare(),
  keepAlives: rare(),
  /** Zero-window probes (RFC 9293 3.8.6.1): same shape as keep-alives, sent while the peer's window is 0. */
  zeroWindowProbes: rare(),
  /** Duplicate ACKs in a row for its current lastAck (fast retransmit follows 2 or 3). */
  dupAckRun: rare(),
  /** Retransmissions since the peer last sent anything. */
  unansweredRtx: rare(),
  // The evidence model's numbers (EndpointEvidence): 0 until first set, which most endpoints never do.
  holeStart: rare(),
  holeEnd: rare(),
  lastRtxTs: rare(),
  prevRtxTs: rare(),
  ackOneTs: rare(),
  ackOneFrame: rare(),
  ackOne: rare(),
  rttBound: rare(),
  synAckResends: rare(),
  timeWaitRestart: rare(),
});

// The layout's fields, typed; defineAccessors() below puts their accessors on the prototype.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Endpoint extends LayoutFields<typeof ENDPOINT_LAYOUT.fields> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Endpoint {
  /** The endpoint's RFC 793 state. */
  state: State = State.CLOSED;
  stateFrame = 0;

  /** IPv6 address bytes; null for IPv4, whose address is addr4 alone. */
  addr6: Uint8Array | null;
  port = 0;

  /** Last raw window it advertised. */
  lastWin = -1;
  /** Window scale it offered in its SYN (-1 none) and whether scaling is in effect. */
  wscale = -1;
  mss = -1;

  packets = 0;
  dataSegments = 0;
  /** IP TTL (hop limit) of its first segment, -1 unknown: an initial value (64, 128, 255) means no router between it and the capture point. */
  ttl = -1;
  /** IP TTL of the frame its identity (`sig`, `sigTs`) was taken from: the first of a run of copies. */
  lastTtl = -1;
  /** Identity of its last segment (sequence, ACK, flags, length, window, IP ID, TSval hashed) for spotting frames captured twice. */
  sig = 0;

  /** EndpointEvidence.pending: NO_PENDING until evidence() is first called. */
  pending: Pending[] = NO_PENDING;

  /** Its numbers: a slab row at `o` (see docs/performance.md#slab-rows); fields in ENDPOINT_LAYOUT. */
  private readonly d: Float64Array;
  private readonly o: number;

  /** Its yes/no facts (hasIsn, synSent, ...), one bit each. */
  private bits = ENDPOINT_LAYOUT.initBits;

  /** The counts of rarer events (retransmissions, duplicate ACKs, ...): a row made at the first count. */
  private cd: Float64Array | null = null;
  private co = 0;

  constructor(ipVersion: 4 | 6) {
    this.addr6 = ipVersion === 6 ? addrBytes(16) : null;
    const row = newRow(ENDPOINT_LAYOUT);
    this.d = row.d;
    this.o = row.o;
  }

  /** Gives back its slab rows: the endpoint is dropped and never read again (Connection.release). */
  release(): void {
    slabRelease(this.d);
    if (this.cd !== null) slabRelease(this.cd);
  }

  /**
   * Its state rests on an assumption (SPEC.md `stateEvidence: "inferred"`):
   * the step that put it there was inferred, or segments toward it wait for
   * evidence that it got them (it might have moved on).
   */
  get evidenceInferred(): boolean {
    return this.stateInferred || this.pending.length > 0;
  }

  /**
   * Its ISN from an acknowledgement of its SYN (ISN = ack - 1), when its SYN
   * was not captured: the next sequence number it sends is `ack`.
   */
  isnFromAck(ack: number): void {
    this.isn = seqAdd(ack, -1);
    this.hasIsn = true;
    this.sndNxt = ack;
    this.seqKnown = true;
  }

  /** When its TIME_WAIT timer last started: entering TIME_WAIT, or a retransmitted FIN restarting it. */
  get timeWaitStart(): number {
    const r = this.timeWaitRestart;
    return r > 0 ? r : this.stateSince;
  }

  /** The evidence model's bookkeeping (tcp/delivery.ts), null until first needed (evidence()). */
  get ev(): EndpointEvidence | null {
    return this.pending === NO_PENDING ? null : this;
  }

  /** Its evidence bookkeeping, started on first use. */
  evidence(): EndpointEvidence {
    if (this.pending === NO_PENDING) this.pending = [];
    return this;
  }

  /** The address as text (tcpdump's notation). */
  get addrText(): string {
    return this.addr6 !== null ? formatAddr(6, this.addr6) : formatIPv4(this.addr4);
  }

  /** The window it advertised, scaled when both sides negotiated window scaling. */
  scaledWindow(scalingOn: boolean): number {
    if (this.lastWin < 0) return 65535;
    return scalingOn && this.wscale >= 0 ? this.lastWin * 2 ** Math.min(this.wscale, 14) : this.lastWin;
  }
}

defineAccessors(Endpoint.prototype, ENDPOINT_LAYOUT);

export interface TransitionRecord {
  t: number;
  frame: number;
  side: Side;
  from: State;
  to: State;
  cause: string;
  /** A step the capture did not show directly but that must have happened, or a delivery taken without proof. */
  inferred: boolean;
}

/**
 * Causes by number: a transition stores its cause's index. Causes are the
 * tracker's own sentences, a few dozen of them (the index has no limit).
 */
const CAUSES: string[] = [];
const CAUSE_INDEX = new Map<string, number>();

/**
 * A transition's code: side + from * CODE_FROM + to * CODE_TO + inferred *
 * CODE_INFERRED + cause index * CODE_CAUSE (Connection.addTransition). An
 * integer below 2^53 (exact in a float) for any number of causes; the low
 * bits are taken apart with bit operations, the cause by division.
 */
const CODE_FROM = 2;
const CODE_TO = 32;
const CODE_INFERRED = 512;
const CODE_CAUSE = 1024;
const codeSide = (code: number): Side => (code & 1) as Side;
// The 4-bit fields hold a State (0..10): written from one by addTransition, read back as one.
const codeFrom = (code: number): State => (code >> 1) & 15;
const codeTo = (code: number): State => (code >> 5) & 15;
const codeInferred = (code: number): boolean => (code & CODE_INFERRED) !== 0;
const codeCause = (code: number): string => at(CAUSES, Math.floor(code / CODE_CAUSE));

/** The side, states, cause and inference flag a transitionCode() stands for. */
export function transitionParts(code: number): {
  side: Side;
  from: State;
  to: State;
  cause: string;
  inferred: boolean;
} {
  return {
    side: codeSide(code),
    from: codeFrom(code),
    to: codeTo(code),
    cause: codeCause(code),
    inferred: codeInferred(code),
  };
}

function causeIndex(cause: string): number {
  let i = CAUSE_INDEX.get(cause);
  if (i === undefined) {
    i = CAUSES.length;
    CAUSES.push(cause);
    CAUSE_INDEX.set(cause, i);
  }
  return i;
}

/**
 * An empty array for a shared "none yet" that is replaced by concat() copies
 * when it grows, with their array map (see docs/performance.md#array-maps).
 */
export function emptyList<T>(): T[] {
  // eslint-disable-next-line no-sparse-arrays
  const a: unknown[] = [, {}];
  a.length = 0;
  return a as T[];
}

/** Shared by every connection without anomalies (most of them); replaced, never written to. */
const NO_ANOMALIES: readonly string[] = emptyList<string>();
/** The transitions of a connection that has none yet: an empty row, so trD is never null. */
const NO_TRANSITIONS = new Float64Array(0);

/**
 * A transition record, one in a connection's row of them: its time, its
 * frame and its code (side, states, inference, cause: see CODE_CAUSE). Three
 * words, so that neither frame numbers (an endless capture) nor causes have a
 * limit.
 */
export const TRANSITION_LAYOUT = recordLayout('transition', { t: f64(), frame: f64(), code: f64() });
const TR = TRANSITION_LAYOUT.at;
const TR_WORDS = TRANSITION_LAYOUT.rowInit.length;
/** Transitions a connection's first slab row holds (a whole handshake and close, and TIME_WAIT's end). */
const TR_FIRST = 12;

/**
 * What a Connection keeps in its `bits` and its slab row: each field's
 * accessors are made from this (record-layout.ts).
 */
export const CONNECTION_LAYOUT = recordLayout('Connection', {
  /** Client and server were inferred (no SYN seen). */
  roleInferred: bit(),
  midstream: bit(),
  /** Window scaling in effect (both SYNs carried the option). */
  scaling: bit(),
  /** Both endpoints closed (or one in TIME_WAIT and the other closed): reported as ended. */
  ended: bit(),
  /** Removed from the flow table (replaced by a new incarnation, or timed out). */
  evicted: bit(),
  /** Closed by inactivity timeout on an endless stream. */
  timedOut: bit(),
  /** The 4-tuple was reused by a new connection before this one's end was captured. */
  endNotCaptured: bit(),
  /** Its server's SYN_RECEIVED counts toward a SYN flood (detectors). */
  synFloodCounted: bit(),
  /**
   * Its client (server) started a new connection on the 4-tuple with a new
   * ISN before this handshake completed: it had given up on this one.
   */
  clientStartedOver: bit(),
  serverStartedOver: bit(),
  /**
   * The capture starts during its teardown (the first segment carries a FIN):
   * whether the peer had sent its FIN before cannot be known, so every state
   * of this connection rests on the reading taken (inferred).
   */
  teardownPickup: bit(),
  start: f64(),
  end: f64(),
  /** Handshake timing: SYN, SYN-ACK, final ACK (0 when not seen). */
  synTs: f64(),
  synAckTs: f64(),
  establishedTs: f64(),
  /** The handshake's final ACK (the ACK of the SYN-ACK), 0 when not seen. */
  ackTs: f64(),
  /** The client's last SYN before the first SYN-ACK (the one it answered, as far as the capture can tell). */
  lastSynTs: f64(),
  /** The last SYN-ACK before the final ACK (the one that ACK answered). */
  lastSynAckTs: f64(),
});

// The layout's fields, typed; defineAccessors() below puts their accessors on the prototype.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Connection extends LayoutFields<typeof CONNECTION_LAYOUT.fields> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Connection {
  readonly id: number;
  readonly ipVersion: 4 | 6;
  /** The endpoints (fields, not an array: one object fewer per connection). */
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** Hash of the canonical 4-tuple, and the next connection in the same hash bucket. */
  hash = 0;
  nextInBucket: Connection | null = null;
  /** The side that sent the first captured segment. */
  firstSender: Side = CLIENT;
  /**
   * The tunnel part of the connection's identity (Segment.tunnelKey): 0 for
   * untunnelled traffic; the chain as the report shows it, set by the analysis
   * from the connection's first segment (decode/tunnel.ts), else null.
   */
  tunnelKey = 0;
  tunnel: readonly TunnelInfo[] | null = null;
  /**
   * The incarnation this connection replaced on its 4-tuple while an endpoint
   * of that one still held it (Tracker.linkOld): a segment of that
   * connection's sequence spaces still goes there (a challenge ACK, the RST
   * answering it). null once both of its endpoints are CLOSED or TIME_WAIT.
   */
  supersedes: Connection | null = null;

  firstFrame = 0;
  lastFrame = 0;

  /**
   * Where the capture point sits (Vantage): next to the client, next to the
   * server, on the path between them, both ends on the capturing host, or
   * unknown. Judged from the link's packet directions where the capture
   * records them (linkDirs), else from the handshake's timing (answers from
   * the near side come at once, the far side's after a round trip) and the TTLs.
   */
  vantage: Vantage = Vantage.UNKNOWN;
  /**
   * The directions each side's segments were seen going past the capturing
   * host (Segment.linkDir; Linux cooked captures): bit 0 the client's seen
   * coming in, bit 1 going out, bit 2 the server's coming in, bit 3 going out.
   */
  linkDirs = 0;
  /** Segments the capture missed although the endpoints' behaviour proves they existed. */
  captureGaps = 0;
  /** Frames captured twice (link duplicates, `-i any` on a router): not retransmissions. */
  duplicates = 0;

  /**
   * Each endpoint's state changes, TR_WORDS numbers each, in a slab row of
   * room for trCap of them, at trO; a full row is copied to one twice the
   * size (see docs/performance.md#slab-rows).
   */
  private trD: Float64Array = NO_TRANSITIONS;
  private trO = 0;
  private trCap = 0;
  private trN = 0;
  /** Anomaly kinds raised on this connection (set by the detectors). */
  anomalies: readonly string[] = NO_ANOMALIES;
  zeek: ZeekLike;
  /**
   * Per-connection scratch of the detectors (detect/detectors.ts owns its shape);
   * null until a detector needs it, so most connections never allocate one.
   */
  det: unknown = null;

  /** Its times: a slab row at `o` (see docs/performance.md#slab-rows); fields in CONNECTION_LAYOUT. */
  private readonly d: Float64Array;
  private readonly o: number;

  /** Yes/no facts, one bit each. */
  private bits = CONNECTION_LAYOUT.initBits;

  constructor(id: number, ipVersion: 4 | 6, zeek: ZeekLike) {
    const row = newRow(CONNECTION_LAYOUT);
    this.d = row.d;
    this.o = row.o;
    this.id = id;
    this.ipVersion = ipVersion;
    this.client = new Endpoint(ipVersion);
    this.server = new Endpoint(ipVersion);
    this.zeek = zeek;
  }

  /**
   * Gives back its slab rows and its endpoints' (tcp/slab.ts) for other
   * connections to use: it was dropped (its report written to the spill file,
   * engine/connection-store.ts) and nothing reads or writes it again.
   */
  release(): void {
    slabRelease(this.d);
    this.client.release();
    this.server.release();
    if (this.trCap > 0) slabRelease(this.trD);
    this.zeek = freezeZeek(this.zeek);
  }
  /** The endpoint of a side (CLIENT or SERVER). */
  endpoint(side: number): Endpoint {
    return side === CLIENT ? this.client : this.server;
  }

  /**
   * The side the capture point is next to (-1: neither, or not known): what
   * reaches that side is delivered when captured.
   */
  get nearSide(): -1 | Side {
    const v = this.vantage;
    return v === Vantage.CLIENT ? CLIENT : v === Vantage.SERVER ? SERVER : -1;
  }

  /** Only one direction was captured, though the other one demonstrably exists. */
  get oneWay(): boolean {
    const c = this.client;
    const s = this.server;
    if (c.packets > 0 && s.packets > 0) return false;
    // A lone SYN (or SYNs) proves no answer: that is not a one-way capture.
    const seen = c.packets > 0 ? c : s;
    return seen.ackKnown;
  }

  /** Number of state changes recorded. */
  get transitionCount(): number {
    return this.trN;
  }

  /**
   * Record a state change. Kept in time order: a delivery taken as settled
   * after the fact is stamped with its segment's (earlier) time and goes in
   * its place.
   */
  addTransition(
    t: number,
    frame: number,
    side: Side,
    from: State,
    to: State,
    cause: string,
    inferred = false,
  ): void {
    const code =
      side +
      from * CODE_FROM +
      to * CODE_TO +
      (inferred ? CODE_INFERRED : 0) +
      causeIndex(cause) * CODE_CAUSE;
    this.insertTransition(t, frame, code);
  }

  /** Keep the records in time order (a change stamped at its evidence can come late). */
  private insertTransition(t: number, frame: number, code: number): void {
    if (this.trN === this.trCap) this.growTransitions();
    const d = this.trD;
    let i = this.trO + this.trN * TR_WORDS;
    while (i > this.trO && (d[i - TR_WORDS + TR.t] ?? t) > t) {
      d.copyWithin(i, i - TR_WORDS, i);
      i -= TR_WORDS;
    }
    d[i + TR.t] = t;
    d[i + TR.frame] = frame;
    d[i + TR.code] = code;
    this.trN++;
  }

  /**
   * Move `side`'s latest recorded change to time `t` (frame `frame`), no
   * earlier than it was: a segment the endpoint sent later shows the change
   * had not happened yet (a RST taken as received had not reached it).
   */
  restampLast(side: Side, t: number, frame: number): void {
    const d = this.trD;
    const r = this.lastRecord(side);
    const code = d[r + TR.code];
    if (r < 0 || code === undefined || (d[r + TR.t] ?? t) >= t) return;
    d.copyWithin(r, r + TR_WORDS, this.trO + this.trN * TR_WORDS);
    this.trN--;
    this.insertTransition(t, frame, code);
  }

  /** Where `side`'s latest recorded change starts in trD, or -1. */
  private lastRecord(side: Side): number {
    const d = this.trD;
    for (let r = this.trO + (this.trN - 1) * TR_WORDS; r >= this.trO; r -= TR_WORDS) {
      const code = d[r + TR.code];
      if (code !== undefined && codeSide(code) === side) return r;
    }
    return -1;
  }

  /** Whether `cause` made `side`'s latest recorded change. */
  lastMadeBy(side: Side, cause: string): boolean {
    const r = this.lastRecord(side);
    const code = this.trD[r + TR.code];
    return r >= 0 && code !== undefined && codeCause(code) === cause;
  }

  /**
   * Mark `side`'s latest recorded change inferred if `cause` made it: the
   * capture ended without the evidence that would show it (its endpoint never
   * acknowledged the segment that made it). True when so.
   */
  inferLast(side: Side, cause: string): boolean {
    const r = this.lastRecord(side);
    const code = this.trD[r + TR.code];
    if (r < 0 || code === undefined || codeCause(code) !== cause) return false;
    if (!codeInferred(code)) this.trD[r + TR.code] = code + CODE_INFERRED;
    return true;
  }

  /** Whether `side`'s latest recorded change left a handshake state (SYN_SENT, SYN_RECEIVED) for `cause`. */
  leftHandshakeBy(side: Side, cause: string): boolean {
    const r = this.lastRecord(side);
    const code = this.trD[r + TR.code];
    if (r < 0 || code === undefined) return false;
    const from = codeFrom(code);
    return (from === State.SYN_SENT || from === State.SYN_RECEIVED) && codeCause(code) === cause;
  }

  /**
   * Undo `side`'s latest recorded change (what it did later proves it had
   * not happened yet): its record goes, and the endpoint is back in the
   * state it left, since its change before. False when it has none, or
   * when `cause` is given and did not make it.
   */
  retractLast(side: Side, cause?: string): boolean {
    const d = this.trD;
    const end = this.trO + this.trN * TR_WORDS;
    let prevT = 0;
    let prevFrame = 0;
    let prevInferred = false;
    let last = -1;
    for (let r = this.trO; r < end; r += TR_WORDS) {
      const code = d[r + TR.code];
      if (code === undefined || codeSide(code) !== side) continue;
      if (last >= 0) {
        prevT = d[last + TR.t] ?? 0;
        prevFrame = d[last + TR.frame] ?? 0;
        prevInferred = codeInferred(d[last + TR.code] ?? 0);
      }
      last = r;
    }
    const code = d[last + TR.code];
    if (last < 0 || code === undefined || (cause !== undefined && codeCause(code) !== cause)) return false;
    d.copyWithin(last, last + TR_WORDS, end);
    this.trN--;
    const ep = this.endpoint(side);
    ep.state = codeFrom(code);
    ep.stateSince = prevT;
    ep.stateFrame = prevFrame;
    ep.stateInferred = prevInferred;
    return true;
  }

  /**
   * Forget the state changes recorded for `side`: what the capture showed
   * later proves the endpoint never made them (a server that answered with a
   * SYN cookie kept no socket, so it never was in SYN_RECEIVED).
   */
  retractTransitions(side: Side): void {
    const d = this.trD;
    const end = this.trO + this.trN * TR_WORDS;
    let w = this.trO;
    for (let r = this.trO; r < end; r += TR_WORDS) {
      const code = d[r + TR.code];
      if (code === undefined || codeSide(code) === side) continue;
      if (w !== r) d.copyWithin(w, r, r + TR_WORDS);
      w += TR_WORDS;
    }
    this.trN = (w - this.trO) / TR_WORDS;
  }

  private growTransitions(): void {
    const cap = this.trCap === 0 ? TR_FIRST : this.trCap * 2;
    const row = slabRow(cap * TR_WORDS);
    // Copied by a loop: a subarray() for set() is an object per growth (most connections grow twice).
    const d = row.d;
    const o = row.o;
    const from = this.trD;
    const n = this.trN * TR_WORDS;
    for (let i = 0; i < n; i++) d[o + i] = from[this.trO + i] ?? 0;
    if (this.trCap > 0) slabRelease(from);
    this.trD = d;
    this.trO = o;
    this.trCap = cap;
  }

  /** Word `w` (TR.t, .frame, .code) of the i-th state change, i < transitionCount. */
  private trWord(i: number, w: number): number {
    const v = this.trD[this.trO + i * TR_WORDS + w];
    if (v === undefined || i >= this.trN) return internalError(`transition ${i} of ${this.trN}`);
    return v;
  }

  /** The i-th state change's fields (no object made). */
  transitionT(i: number): number {
    return this.trWord(i, TR.t);
  }
  transitionFrame(i: number): number {
    return this.trWord(i, TR.frame);
  }
  /**
   * The i-th state change's side, states, inference flag and cause as one
   * integer (see transitionParts).
   */
  transitionCode(i: number): number {
    return this.trWord(i, TR.code);
  }
  transitionSide(i: number): Side {
    return codeSide(this.transitionCode(i));
  }
  transitionFrom(i: number): number {
    return codeFrom(this.transitionCode(i));
  }
  transitionTo(i: number): number {
    return codeTo(this.transitionCode(i));
  }
  transitionInferred(i: number): boolean {
    return codeInferred(this.transitionCode(i));
  }

  /**
   * The connection left the flow table (replaced by a new incarnation, timed
   * out or evicted): no segment reaches it any more, so only results are kept.
   */
  leaveTable(): void {
    this.evicted = true;
    this.zeek = freezeZeek(this.zeek);
  }

  /** The state changes as records (reports, tests; not for the hot path). */
  get transitions(): TransitionRecord[] {
    const out: TransitionRecord[] = [];
    for (let i = 0; i < this.transitionCount; i++) {
      out.push({
        t: this.transitionT(i),
        frame: this.transitionFrame(i),
        ...transitionParts(this.transitionCode(i)),
      });
    }
    return out;
  }

  /**
   * The round trip between the capture point and the server (the SYN-ACK
   * after the SYN it answered), 0 when not known. A SYN resent before the
   * answer does not count its timer in.
   */
  get rttToServer(): number {
    const a = this.synAckTs - this.lastSynTs;
    return this.lastSynTs > 0 && this.synAckTs > 0 && a > 0 ? a : 0;
  }

  /** The round trip between the capture point and the client (the final ACK after the SYN-ACK it answered), 0 when not known. */
  get rttToClient(): number {
    const b = this.ackTs - this.lastSynAckTs;
    return this.lastSynAckTs > 0 && this.ackTs > 0 && b > 0 ? b : 0;
  }

  /** The round trip between the capture point and `side` (rttToClient, rttToServer), 0 when not known. */
  rttTo(side: Side): number {
    return side === SERVER ? this.rttToServer : this.rttToClient;
  }
}

defineAccessors(Connection.prototype, CONNECTION_LAYOUT);
