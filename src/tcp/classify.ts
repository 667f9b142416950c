/**
 * The segment classifier: what one segment is, as its sender's history
 * tells, before any state changes. A copy of the previous frame (captured
 * twice), a retransmission, a reordered segment, a hole in the captured
 * sequence space, a keep-alive or zero-window probe, a duplicate ACK, a zero
 * window; its options (window scale, timestamps, SACK); and where the
 * capture point sits (vantage, from the handshake's timing). The result is
 * the SegInfo the observers receive; no state changes here.
 */
import type { Segment } from '../decode/segment.js';
import { LinkDir, TcpFlag } from '../decode/segment.js';
import { CLIENT, type Connection, type Endpoint, type Side, Vantage } from './connection.js';
import { seqAdd, seqGe, seqGt, seqLe, seqLt } from './seq.js';
import { u16be } from '../capture/bytes.js';
import { State } from '../model/states.js';

const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;

/** What the tracker concluded about one segment, handed to observers (reused object). */
export interface SegInfo {
  /** The sender's side (CLIENT or SERVER). */
  side: Side;
  /** Payload (or SYN/FIN) below the highest sequence already sent. */
  retransmission: boolean;
  /** Below the highest sequence, but soon after it: reordered rather than resent. */
  outOfOrder: boolean;
  /** Sequence number beyond the next expected one: data missing from the capture. */
  gap: boolean;
  keepAlive: boolean;
  /** A keep-alive-shaped probe sent while the peer advertises a zero window. */
  zeroWindowProbe: boolean;
  dupAck: boolean;
  zeroWindow: boolean;
  /** For RST: acceptable to the receiver (RFC 9293 3.10.7.x / RFC 5961). */
  rstAcceptable: boolean;
  /** New data sent after this endpoint's own FIN. */
  dataAfterFin: boolean;
  /** Data sent after a RST on the connection. */
  dataAfterRst: boolean;
  /** It acknowledges what the capture never saw its peer send: the peer spoke, uncaptured. */
  acksUncaptured: boolean;
  /** This segment created the connection. */
  opened: boolean;
  /** Each side's state before the segment. */
  clientBefore: State;
  serverBefore: State;
  /** A copy of the sender's previous frame (captured twice): counted, not applied. */
  duplicate: boolean;
}

export function newSegInfo(): SegInfo {
  return {
    side: CLIENT,
    retransmission: false,
    outOfOrder: false,
    gap: false,
    keepAlive: false,
    zeroWindowProbe: false,
    dupAck: false,
    zeroWindow: false,
    rstAcceptable: false,
    dataAfterFin: false,
    dataAfterRst: false,
    acksUncaptured: false,
    opened: false,
    clientBefore: 0,
    serverBefore: 0,
    duplicate: false,
  };
}

/** Clears the reused per-segment record for a segment from `side` (all but `opened`). */
export function resetInfo(info: SegInfo, conn: Connection, side: Side): void {
  info.side = side;
  info.retransmission = false;
  info.outOfOrder = false;
  info.gap = false;
  info.keepAlive = false;
  info.zeroWindowProbe = false;
  info.dupAck = false;
  info.zeroWindow = false;
  info.rstAcceptable = false;
  info.dataAfterFin = false;
  info.dataAfterRst = false;
  info.acksUncaptured = false;
  info.duplicate = false;
  info.clientBefore = conn.client.state;
  info.serverBefore = conn.server.state;
}

/** One step of a 32-bit hash: the field xored in, multiplied, the high bits folded down. */
function mix(h: number, v: number): number {
  const x = Math.imul(h ^ v, 0x9e3779b1);
  return x ^ (x >>> 15);
}

/**
 * Is `seg` the sender's previous frame captured twice? Identical (sequence
 * and acknowledgement numbers, flags, length, window, IP ID, TSval and SACK
 * blocks) within 50 ms: a link that duplicates frames, or `-i any` on a
 * router that records each forwarded packet on the way in and out. A
 * retransmission carries a new IP ID (Linux) and, with timestamps, a new
 * TSval. Records the frame's identity for the next one.
 */
export function isCopy(ep: Endpoint, seg: Segment): boolean {
  let ipId = 0;
  if (seg.ipVersion === 4 && seg.buf.length >= seg.ipOffset + 6) {
    ipId = u16be(seg.buf, seg.ipOffset + 4);
  }
  // Each field mixed in on its own (xor then multiply and shift): two fields
  // that differ in the same bit (an ACK one higher and a FIN flag more) must
  // not cancel out.
  let h = mix(
    mix(mix(mix(mix(0x811c9dc5, seg.seq | 0), seg.ack | 0), seg.flags), seg.payloadLen),
    seg.window,
  );
  h = mix(mix(mix(h, ipId), seg.tsVal | 0), seg.sackCount);
  // Duplicate ACKs of one loss episode differ only in their SACK blocks.
  for (let i = 0; i < 2 * seg.sackCount; i++) h = mix(h, (seg.sackBlocks[i] ?? 0) | 0); // i < the blocks' length
  h |= 1;
  let dup = ep.sig === h && ep.packets > 0;
  if (dup) {
    const dt = seg.ts - ep.sigTs;
    if (ipId !== 0) dup = dt <= 0.05;
    else {
      // No IP ID to tell transmissions apart (IPv6, or IPv4 with ID 0, as
      // Linux sends SYN-ACKs): a copy at the very same instant, the same
      // packet on the way in and out of a router (TTL one lower), or a copy
      // of a data segment or FIN within 2 ms (no stack resends one that soon;
      // a SYN-ACK answering a resent SYN can follow its timer's copy within
      // microseconds).
      dup =
        dt <= 0.05 &&
        (dt === 0 ||
          Math.abs(seg.ttl - ep.lastTtl) === 1 ||
          (dt <= 0.002 &&
            seg.tsVal >= 0 &&
            (seg.flags & SYN) === 0 &&
            (seg.payloadLen > 0 || (seg.flags & FIN) !== 0)));
    }
  }
  ep.sig = h;
  // Like its time, the TTL of the first frame of a run of copies: a link that
  // doubles frames past a router gives two in and two out (64, 64, 63, 63).
  if (!dup) {
    ep.sigTs = seg.ts;
    ep.lastTtl = seg.ttl;
  }
  return dup;
}

/**
 * The sender's options and sequence space: retransmission, out-of-order,
 * holes in the capture, keep-alives and zero-window probes, data after FIN
 * or RST. `oooThreshold`: how soon a segment below the highest sequence
 * counts as reordered when the handshake's round trip is unknown.
 */
export function classifySent(
  conn: Connection,
  side: Side,
  seg: Segment,
  info: SegInfo,
  oooThreshold: number,
): void {
  const snd = conn.endpoint(side);
  const rcv = conn.endpoint(1 - side);
  const f = seg.flags;
  const syn = (f & SYN) !== 0;
  const fin = (f & FIN) !== 0;
  const hasAck = (f & ACK) !== 0;
  const len = seg.payloadLen;
  const t = seg.ts;

  // --- options (RFC 7323 window scale and timestamps, RFC 2018 SACK) ---
  if (syn) {
    if (seg.mss >= 0) snd.mss = seg.mss;
    snd.wscale = seg.wscale;
    if (seg.sackPermitted) snd.sackPermitted = true;
    if (seg.tsVal >= 0) snd.timestamps = true;
    if (hasAck) conn.scaling = snd.wscale >= 0 && rcv.wscale >= 0;
  }
  if (seg.tsVal >= 0) snd.lastTsVal = seg.tsVal;

  // --- sequence space: retransmission, out-of-order, gaps, keep-alives ---
  const seqEnd = seqAdd(seg.seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
  if (syn) {
    const again = hasAck ? snd.synAckSent : snd.synSent;
    if (snd.hasIsn && seg.seq === snd.isn) {
      // The same ISN again: a retransmission, except the first SYN-ACK after our
      // own SYN in a simultaneous open.
      if (again) {
        snd.synRetransmissions++;
        info.retransmission = true;
      }
    } else {
      snd.isn = seg.seq;
      snd.hasIsn = true;
      snd.sndNxt = seqEnd;
      snd.seqKnown = true;
      snd.sndNxtTs = t;
    }
    if (hasAck) {
      snd.synAckSent = true;
      // A SYN-ACK answers a SYN: its acknowledgement gives the peer's ISN
      // even when that SYN was not captured (the peer's SYN_SENT waits for
      // the SYN-ACK's delivery: StateMachine.received).
      if (!rcv.hasIsn && !rcv.seqKnown) {
        rcv.isnFromAck(seg.ack);
        rcv.sndNxtTs = t;
      }
    } else snd.synSent = true;
  } else if ((f & RST) !== 0) {
    // A RST's sequence number says nothing about data: leave sndNxt alone.
  } else if (!snd.seqKnown) {
    snd.sndNxt = seqEnd;
    snd.seqKnown = true;
    snd.sndNxtTs = t;
  } else if (len > 0 || fin) {
    if (seqGe(seg.seq, snd.sndNxt)) {
      if (seqGt(seg.seq, snd.sndNxt)) {
        info.gap = true;
        // A hole in what the capture holds of this sender: sent (the
        // sequence number jumped), not captured. A later retransmission that
        // fills it shows a loss before the capture point; an acknowledgement
        // past it without one shows the capture missed it (classifyAck).
        const ev = snd.evidence();
        if (!ev.hole) {
          ev.hole = true;
          ev.holeStart = snd.sndNxt;
          ev.holeEnd = seg.seq;
        }
      }
      snd.sndNxt = seqEnd;
      snd.sndNxtTs = t;
    } else if (len <= 1 && !fin && seqAdd(seg.seq, 1) === snd.sndNxt && isIdleProbe(snd, rcv, seg)) {
      probe(snd, rcv, info);
    } else {
      // The handshake's round trip, without the backoff of a resent SYN or SYN-ACK.
      const rtt = conn.ackTs > 0 && conn.lastSynTs > 0 ? conn.rttToServer + conn.rttToClient : 0;
      const threshold = rtt > 0 ? rtt : oooThreshold;
      // A segment that fills the hole the peer's duplicate ACKs point at is a
      // fast retransmission (RFC 5681 3.2), however soon it comes; otherwise a
      // segment below the highest sequence that comes within one RTT of it was
      // reordered on the way (Wireshark's rule), later it was resent.
      // The first duplicate ACK at least half a round trip earlier is enough (RACK
      // retransmits on one SACK): a reordered original would have come sooner.
      const fastRetransmit =
        rcv.ackKnown &&
        (seg.seq === rcv.lastAck ||
          (rcv.sackRight !== rcv.lastAck && seqGt(seg.seq, rcv.lastAck) && seqLt(seg.seq, rcv.sackRight))) &&
        (rcv.dupAckRun >= 2 || (rcv.dupAckRun >= 1 && rtt > 0 && t - rcv.dupAckSince >= rtt / 2));
      if (
        !fastRetransmit &&
        conn.nearSide !== side &&
        len > 0 &&
        t - snd.sndNxtTs < threshold &&
        seqLe(seqEnd, snd.sndNxt)
      ) {
        info.outOfOrder = true;
        snd.outOfOrder++;
      } else {
        info.retransmission = true;
        snd.retransmissions++;
      }
      const ev = snd.ev;
      if (ev !== null && ev.hole && seqLe(seg.seq, ev.holeStart) && seqGt(seqEnd, ev.holeStart)) {
        ev.hole = false;
      }
      if (seqGt(seqEnd, snd.sndNxt)) {
        snd.sndNxt = seqEnd;
        snd.sndNxtTs = t;
      }
    }
  } else if (
    hasAck &&
    seg.seq !== snd.sndNxt &&
    seqAdd(seg.seq, 1) === snd.sndNxt &&
    isIdleProbe(snd, rcv, seg)
  ) {
    // Linux keep-alive: no data, sequence number one below the next one (RFC 9293 3.8.4).
    // `seg.seq !== snd.sndNxt` first: docs/performance.md#inlining.
    probe(snd, rcv, info);
  }
  if (len > 0 && snd.finSent && seqGe(seg.seq, snd.finSeq)) info.dataAfterFin = true;
  if (len > 0 && (snd.rstSent || rcv.rstSent)) info.dataAfterRst = true;
}

/**
 * The acknowledgement and window of a segment other than a RST from `snd`:
 * duplicate ACKs, the highest ACK and SACK edge, zero windows, and a hole in
 * the peer's captured data acknowledged past (the capture missed it). True
 * when it acknowledges sequence numbers of `rcv` beyond anything captured
 * (Deliveries.ackedUncaptured says what that proves). Kept out of
 * classifySent(): docs/performance.md#inlining.
 */
export function classifyAck(
  conn: Connection,
  snd: Endpoint,
  rcv: Endpoint,
  seg: Segment,
  info: SegInfo,
): boolean {
  const f = seg.flags;
  const syn = (f & SYN) !== 0;
  let beyond = false;
  if ((f & ACK) !== 0 && !syn) {
    if (
      seg.payloadLen === 0 &&
      (f & FIN) === 0 &&
      !info.keepAlive &&
      snd.ackKnown &&
      seg.ack === snd.lastAck &&
      seg.window === snd.lastWin &&
      rcv.seqKnown &&
      seqLt(seg.ack, rcv.sndNxt)
    ) {
      info.dupAck = true;
      snd.dupAcks++;
      if (snd.dupAckRun++ === 0) snd.dupAckSince = seg.ts;
      // The holes it reports lie below the right edge of its SACK blocks (RFC 2018).
      for (let i = 0; i < seg.sackCount; i++) {
        const right = seg.sackBlocks[2 * i + 1] ?? snd.sackRight; // i < sackCount: always there
        if (seqGt(right, snd.sackRight)) snd.sackRight = right;
      }
    }
  }
  if ((f & ACK) !== 0 && (!snd.ackKnown || seqGt(seg.ack, snd.lastAck))) {
    snd.lastAck = seg.ack;
    snd.ackKnown = true;
    // A partial ACK (still below what it SACKed) keeps the loss episode going.
    if (seqGe(seg.ack, snd.sackRight)) {
      snd.dupAckRun = 0;
      snd.sackRight = seg.ack;
    }
    beyond = rcv.seqKnown && seqGt(seg.ack, rcv.sndNxt);
    const ev = rcv.ev;
    if (ev !== null && ev.hole && seqGe(seg.ack, ev.holeEnd)) {
      // Acknowledged past a hole never filled in the capture: the capture missed it.
      ev.hole = false;
      conn.captureGaps++;
    }
  }
  if (seg.window === 0 && !syn) {
    info.zeroWindow = true;
    snd.zeroWindows++;
    if (snd.zeroWindowSince < 0) snd.zeroWindowSince = seg.ts;
  } else if (seg.window > 0) {
    snd.zeroWindowSince = -1;
  }
  snd.lastWin = seg.window;
  return beyond;
}

/**
 * Where the capture point sits, from the handshake (RFC 9293 figure 6):
 * next to the client, the SYN-ACK comes a round trip after the SYN and the
 * final ACK at once; next to the server, the reverse; in between, both
 * take part of the round trip. Where timing cannot tell (no delay on the
 * path), a TTL still at its initial value (64, 128, 255) on one side only
 * says no router stood between that side and the capture point.
 */
export function judgeVantage(conn: Connection): void {
  // The link's packet directions are direct evidence; timing only a reading.
  if (conn.linkDirs !== 0 && vantageFromLink(conn.linkDirs) !== Vantage.UNKNOWN) return;
  // In a simultaneous open both sides send a SYN and a SYN-ACK: no exchange
  // is one side's answer to the other, so the timing says nothing.
  if (conn.client.synSent && conn.server.synSent) return;
  // From the SYN the SYN-ACK answered and the SYN-ACK the ACK answered: a
  // SYN or SYN-ACK resent on its timer (lost past the capture point) would
  // count a second of backoff as distance.
  const a = conn.synAckTs - conn.lastSynTs;
  const b = conn.ackTs - conn.lastSynAckTs;
  if (conn.lastSynTs <= 0 || a < 0 || b < 0) return;
  const c = conn.client;
  const s = conn.server;
  if (conn.ipVersion === 4 ? isLoopback4(c.addr4) && isLoopback4(s.addr4) : false) {
    conn.vantage = Vantage.LOCAL;
  } else if (a > 4 * b && a > 0.0002) conn.vantage = Vantage.CLIENT;
  else if (b > 4 * a && b > 0.0002) conn.vantage = Vantage.SERVER;
  else if (a > 0.001 && b > 0.001) conn.vantage = Vantage.PATH;
  else {
    const ci = isInitialTtl(c.ttl);
    const si = isInitialTtl(s.ttl);
    if (ci && !si) conn.vantage = Vantage.CLIENT;
    else if (si && !ci) conn.vantage = Vantage.SERVER;
  }
}

/**
 * Where the capture point sits, from the directions the capturing host's
 * link layer recorded (Linux cooked captures, `tcpdump -i any`): the side
 * whose segments go out of the host, and only out, is on it. A side seen
 * both coming in and going out passed through it: a router forwarding the
 * connection (or loopback, where each segment is seen leaving and arriving).
 * Only incoming segments so far says nothing yet: the host may be the
 * receiver, or a router whose outgoing copy is still to come.
 */
export function vantageFromLink(dirs: number): Vantage {
  const clientIn = (dirs & 1) !== 0;
  const clientOut = (dirs & 2) !== 0;
  const serverIn = (dirs & 4) !== 0;
  const serverOut = (dirs & 8) !== 0;
  if ((clientIn && clientOut) || (serverIn && serverOut)) return Vantage.PATH;
  if (clientOut && !serverOut) return Vantage.CLIENT;
  if (serverOut && !clientOut) return Vantage.SERVER;
  return Vantage.UNKNOWN;
}

/**
 * Records the link direction of a segment `side` sent (Segment.linkDir) and
 * judges the vantage point from it when that says more than before. Inside
 * a tunnel the direction is the outer packet's, which says nothing of the
 * inner endpoints.
 */
export function noteLinkDir(conn: Connection, side: Side, seg: Segment): void {
  if (seg.linkDir === LinkDir.UNKNOWN || seg.tunnelDepth !== 0) return;
  const dirs = conn.linkDirs | (seg.linkDir << (2 * side));
  if (dirs === conn.linkDirs) return;
  conn.linkDirs = dirs;
  const v = vantageFromLink(dirs);
  if (v === Vantage.UNKNOWN) return;
  // Both ends on 127.0.0.0/8 stay `local` (every segment leaves and arrives there).
  if (
    v === Vantage.PATH &&
    conn.ipVersion === 4 &&
    isLoopback4(conn.client.addr4) &&
    isLoopback4(conn.server.addr4)
  )
    conn.vantage = Vantage.LOCAL;
  else conn.vantage = v;
}

/**
 * A probe one byte below the next sequence number is a keep-alive (RFC 9293
 * 3.8.4), unless the peer's window is closed: then it is a zero-window probe
 * (3.8.6.1), which Linux sends in the same shape.
 */
function probe(snd: Endpoint, rcv: Endpoint, info: SegInfo): void {
  if (rcv.lastWin === 0) {
    info.zeroWindowProbe = true;
    snd.zeroWindowProbes++;
  } else {
    info.keepAlive = true;
    snd.keepAlives++;
  }
}

/** Idle probe (keep-alive): the sender has nothing outstanding and the peer is idle too. */
function isIdleProbe(snd: Endpoint, rcv: Endpoint, seg: Segment): boolean {
  return rcv.ackKnown && rcv.lastAck === snd.sndNxt && seg.ts - snd.sndNxtTs > 0.5;
}

/** 127.0.0.0/8: both endpoints on the capturing host. */
function isLoopback4(a: number): boolean {
  return a >>> 24 === 127;
}

/** A TTL (hop limit) as the sender set it: no router between it and the capture point. */
function isInitialTtl(ttl: number): boolean {
  return ttl === 64 || ttl === 128 || ttl === 255;
}
