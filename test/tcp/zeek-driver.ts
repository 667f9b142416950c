/**
 * Test-only: a capture's TCP connections as Zeek would split them, each fed to
 * a ZeekConn. Until the project's tracker exists this stands in for it: a
 * 4-tuple starts a new connection when Zeek's timers would have removed the
 * previous one (ZeekConn.expire) or a SYN reuses it (ZeekConn.isReuse).
 */
import { readCaptureFile } from '../../src/capture/reader.js';
import { decodePacket } from '../../src/decode/packet.js';
import { formatAddr } from '../../src/decode/addr.js';
import { DecodeStatus, newSegment } from '../../src/decode/segment.js';
import { ZeekConn, type ZeekOptions } from '../../src/tcp/zeek.js';
import type { OurConn } from './zeek-baselines.js';

interface Live {
  zc: ZeekConn;
  aH: string;
  aP: number;
  bH: string;
  bP: number;
  start: number;
}

function toOurs(c: Live): OurConn {
  const f = c.zc.flipped;
  return {
    origH: f ? c.bH : c.aH,
    origP: f ? c.bP : c.aP,
    respH: f ? c.aH : c.bH,
    respP: f ? c.aP : c.bP,
    start: c.start,
    history: c.zc.history,
    connState: c.zc.connState(),
    origState: c.zc.origState,
    respState: c.zc.respState,
  };
}

/** The capture's TCP connections, in order of their first packet. */
export async function zeekConnections(path: string, opts: ZeekOptions = {}): Promise<OurConn[]> {
  const seg = newSegment();
  const live = new Map<string, Live>();
  const done: Live[] = [];
  await readCaptureFile(path, {
    warning() {},
    record(rec) {
      const st = decodePacket(rec.linkType, rec.buf, rec.offset, rec.capLen, rec.origLen, seg);
      if (st !== DecodeStatus.Ok) return;
      seg.frame = rec.frame;
      seg.tsSec = rec.tsSec;
      seg.tsNsec = rec.tsNsec;
      seg.ts = rec.tsSec + rec.tsNsec / 1e9;
      const src = formatAddr(seg.ipVersion, seg.src);
      const dst = formatAddr(seg.ipVersion, seg.dst);
      const x = `${src}/${seg.srcPort}`;
      const y = `${dst}/${seg.dstPort}`;
      const key = x < y ? `${x}|${y}` : `${y}|${x}`;
      let c = live.get(key);
      if (c !== undefined) {
        const fromA = c.aH === src && c.aP === seg.srcPort;
        if (c.zc.expire(seg.ts) || c.zc.isReuse(fromA, seg)) {
          done.push(c);
          c = undefined;
        }
      }
      if (c === undefined) {
        c = { zc: new ZeekConn(opts), aH: src, aP: seg.srcPort, bH: dst, bP: seg.dstPort, start: seg.ts };
        live.set(key, c);
      }
      c.zc.segment(c.aH === src && c.aP === seg.srcPort, seg, false, false);
    },
  });
  done.push(...live.values());
  return done.sort((p, q) => p.start - q.start).map(toOurs);
}
