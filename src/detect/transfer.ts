/**
 * The data transfer: retransmissions in a burst (retransmission-burst) or at
 * a high rate over the connection (high-retransmission-rate), an endpoint
 * that keeps resending to a silent peer (half-open), zero windows, keep-alive
 * probes, and data sent after the sender's own FIN or after a RST.
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import type { AnomalyReport } from '../model/report.js';
import type { SegInfo } from '../tcp/classify.js';
import { type Connection, SIDE_NAMES, SIDES, type Side } from '../tcp/connection.js';
import {
  type ConnDet,
  det,
  type DetectContext,
  type DetectorFamily,
  detOf,
  fmtSeconds,
  openAnomaly,
  sideOf,
  type ZeroWindowTrack,
} from './context.js';
import { f64Pair } from '../model/checked.js';

/** Linux's minimum retransmission timeout (TCP_RTO_MIN): how long a peer's answer may take when no round trip was timed. */
const MIN_RTO = 0.2;

function zeroWindowTrack(d: ConnDet): ZeroWindowTrack {
  if (d.zw === null) d.zw = { since: f64Pair(-1, -1), count: [0, 0], longest: f64Pair(0, 0) };
  return d.zw;
}

export class TransferDetectors implements DetectorFamily {
  readonly kinds = [
    'retransmission-burst',
    'high-retransmission-rate',
    'half-open',
    'zero-window',
    'keep-alive',
    'data-after-fin',
    'data-after-rst',
  ] as const;

  constructor(private readonly x: DetectContext) {}

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    const x = this.x;
    const side = info.side;
    const f = seg.flags;
    if (info.retransmission && (f & TcpFlag.SYN) === 0) this.onRetransmission(conn, side, seg, det(conn));
    // Its peer spoke after all (it acknowledges what the capture missed): a
    // half-open raised on that silence rested on the capture's gap.
    if (info.acksUncaptured && conn.anomalies.includes('half-open')) {
      const a = openAnomaly(conn, 'half-open', side);
      if (a !== undefined)
        x.withdraw(conn, a, `the ${SIDE_NAMES[side]} acknowledged what the capture never saw the peer send`);
    }
    if (info.keepAlive && !x.fired(conn, side, 'keep-alive')) {
      x.raise(conn, side, 'keep-alive', seg.ts, seg.frame, `keep-alive probes from the ${SIDE_NAMES[side]}`, {
        probes: conn.endpoint(side).keepAlives,
      });
    }
    if (info.dataAfterFin) {
      x.raise(
        conn,
        side,
        'data-after-fin',
        seg.ts,
        seg.frame,
        `the ${SIDE_NAMES[side]} sent ${seg.payloadLen} bytes of new data after its own FIN`,
        { bytes: seg.payloadLen },
      );
    }
    if (info.dataAfterRst && !info.retransmission) {
      x.raise(
        conn,
        side,
        'data-after-rst',
        seg.ts,
        seg.frame,
        `the ${SIDE_NAMES[side]} sent ${seg.payloadLen} bytes after a RST on this connection`,
        { bytes: seg.payloadLen },
      );
    }

    // Zero window: an episode starts with the first zero window and ends when the
    // same endpoint advertises a non-zero window again.
    if ((f & (TcpFlag.RST | TcpFlag.SYN)) === 0) {
      // Most connections never see a zero window: their detector state is not made for it.
      const z = info.zeroWindow ? zeroWindowTrack(det(conn)) : (detOf(conn)?.zw ?? null);
      if (z === null) {
        // No zero window was ever seen on this connection.
      } else if (info.zeroWindow) {
        if (z.since[side] < 0) {
          z.since[side] = seg.ts;
          z.count[side]++;
          x.raise(
            conn,
            side,
            'zero-window',
            seg.ts,
            seg.frame,
            `the ${SIDE_NAMES[side]} advertised a zero window`,
            {
              episodes: z.count[side],
            },
          );
        }
      } else if (z.since[side] >= 0 && seg.window > 0) {
        const stall = seg.ts - z.since[side];
        if (stall > z.longest[side]) z.longest[side] = stall;
        z.since[side] = -1;
      }
    }
  }

  /** The connection ended (or the capture did): its retransmission rate. */
  rateCheck(conn: Connection): void {
    const s = this.x.s;
    for (const side of SIDES) {
      const ep = conn.endpoint(side);
      if (ep.dataSegments < s.highRetransmissionMinSegments) continue;
      const rate = ep.retransmissions / ep.dataSegments;
      if (rate > s.highRetransmissionRate) {
        this.x.raise(
          conn,
          side,
          'high-retransmission-rate',
          conn.end,
          conn.lastFrame,
          `${(rate * 100).toFixed(1)}% of the ${SIDE_NAMES[side]}'s ${ep.dataSegments} data segments were retransmissions (${ep.retransmissions})`,
          { rate, retransmissions: ep.retransmissions, dataSegments: ep.dataSegments },
        );
      }
    }
  }

  update(conn: Connection, d: ConnDet, a: AnomalyReport, end: number): void {
    const side = sideOf(a);
    const ep = conn.endpoint(side);
    if (a.kind === 'zero-window') {
      const z = zeroWindowTrack(d);
      let longest = z.longest[side];
      const open = z.since[side] >= 0;
      if (open) longest = Math.max(longest, end - z.since[side]);
      a.message = `the ${SIDE_NAMES[side]} advertised a zero window ${ep.zeroWindows} time${ep.zeroWindows === 1 ? '' : 's'} in ${z.count[side]} episode${z.count[side] === 1 ? '' : 's'}; the peer stalled up to ${fmtSeconds(longest)}${open ? ' (still closed at the end)' : ''}`;
      a.details = {
        episodes: z.count[side],
        zeroWindowSegments: ep.zeroWindows,
        longestStall: longest,
        stillClosed: open,
      };
    } else if (a.kind === 'keep-alive') {
      a.message = `${ep.keepAlives} keep-alive probe${ep.keepAlives === 1 ? '' : 's'} from the ${SIDE_NAMES[side]}`;
      a.details = { probes: ep.keepAlives };
    }
  }

  private onRetransmission(conn: Connection, side: Side, seg: Segment, d: ConnDet): void {
    const { count, window } = this.x.s.retransmissionBurst;
    const rings = d.rtx ?? (d.rtx = [null, null]);
    let ring = rings[side];
    if (!ring) ring = rings[side] = [];
    ring.push(seg.ts);
    if (ring.length > count) ring.shift();
    const first = ring[0];
    if (first !== undefined && ring.length >= count && seg.ts - first <= window) {
      this.x.raise(
        conn,
        side,
        'retransmission-burst',
        seg.ts,
        seg.frame,
        `${count} retransmissions from the ${SIDE_NAMES[side]} within ${fmtSeconds(seg.ts - first)}`,
        { count, within: seg.ts - first },
      );
    }
    // Half-open: the endpoint keeps retransmitting and the peer sends nothing
    // back. Judged only where the peer had time to answer the retransmission
    // before this one (two round trips through the capture point; Linux's
    // minimum RTO when no handshake timed one): the answer to one just sent
    // may come after the capture's end, or may be missing from a lossy capture.
    const snd = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    const prevRtx = snd.ev?.prevRtxTs ?? 0;
    const rtt = conn.rttTo((1 - side) as Side);
    if (
      snd.unansweredRtx >= 3 &&
      peer.packets > 0 &&
      !conn.oneWay &&
      seg.ts - peer.lastSeen > 1 &&
      seg.ts - prevRtx >= (rtt > 0 ? 2 * rtt : MIN_RTO)
    ) {
      this.x.raise(
        conn,
        side,
        'half-open',
        seg.ts,
        seg.frame,
        `the ${SIDE_NAMES[side]} retransmitted ${snd.unansweredRtx} times and the peer sent nothing for ${fmtSeconds(seg.ts - peer.lastSeen)}`,
        { retransmissions: snd.unansweredRtx, silence: seg.ts - peer.lastSeen },
      );
    }
  }
}
