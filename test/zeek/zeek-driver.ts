/**
 * A capture's TCP connections as Zeek splits them, through the product's Zeek
 * view (src/zeek/conn-log.ts, `--zeek`), with the likely-server ports of the Zeek
 * run a baseline came from (`zeek -b` loads fewer) and its checksum validation
 * (a run without -C).
 */
import { readCaptureFile } from '../../src/capture/reader.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment } from '../../src/decode/segment.js';
import type { ZeekOptions } from '../../src/zeek/settings.js';
import { ZeekLog, type ZeekRow } from '../../src/zeek/conn-log.js';
import type { OurConn } from './zeek-baselines.js';

export function rowToOurs(r: ZeekRow): OurConn {
  return {
    origH: r.origH,
    origP: r.origP,
    respH: r.respH,
    respP: r.respP,
    start: r.ts,
    history: r.history,
    connState: r.connState,
    origState: r.origState,
    respState: r.respState,
  };
}

/** The capture's TCP connections, in order of their first packet. */
export async function zeekConnections(path: string, opts: ZeekOptions = {}): Promise<OurConn[]> {
  const seg = newSegment();
  const rows: ZeekRow[] = [];
  const log = new ZeekLog((r) => rows.push(r), opts);
  await readCaptureFile(path, {
    warning() {},
    record(rec) {
      const st = decodePacket(rec.linkType, rec.buf, rec.offset, rec.capLen, rec.origLen, seg);
      if (st !== DecodeStatus.Ok) return;
      seg.frame = rec.frame;
      seg.tsSec = rec.tsSec;
      seg.tsNsec = rec.tsNsec;
      seg.ts = rec.tsSec + rec.tsNsec / 1e9;
      log.segment(seg);
    },
  });
  log.finish();
  return rows.sort((p, q) => p.ts - q.ts).map(rowToOurs);
}
