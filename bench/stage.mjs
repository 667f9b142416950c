#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The engine cut off after one stage, as a whole process: where a cold run's
 * time goes, stage by stage (`npm run bench -- --stages`). Each stage does
 * everything the one before it does, plus one part of the engine:
 *
 *   read       the capture reader hands over every record (nothing decoded)
 *   decode     + Ethernet/VLAN/IP/TCP decoding into the reused Segment
 *   tracker    + the dual-endpoint state tracker (no Zeek emulation, no observer)
 *   zeek       + the Zeek conn_state/history emulation of every connection
 *   engine     the whole Analysis: + detectors, compaction and finish() (no JSON written)
 *
 * The last step, `tcptrace-ts --json`, is the CLI itself. The stages use
 * dist/'s modules, not the CLI's bundle; loading them costs a few ms more.
 *
 *   node bench/stage.mjs <stage> <capture.pcap>
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist');
const STAGES = ['read', 'decode', 'tracker', 'zeek', 'engine'];
const [stage, capture] = process.argv.slice(2);
if (!STAGES.includes(stage) || !capture) {
  console.error(`usage: node bench/stage.mjs <${STAGES.join('|')}> <capture>`);
  process.exit(2);
}

const { readCaptureFiles } = await import(join(dist, 'capture', 'reader.js'));
const at = STAGES.indexOf(stage);

if (stage === 'engine') {
  const { Analysis } = await import(join(dist, 'analyze.js'));
  const a = new Analysis({});
  const stats = await readCaptureFiles([capture], a.sink, {});
  const r = a.finish(stats, { deferConnections: true });
  console.log(`${a.packets} packets, ${r.deferred.count} connections`);
} else {
  const { decodePacket } = await import(join(dist, 'decode', 'packet.js'));
  const { newSegment, DecodeStatus } = await import(join(dist, 'decode', 'segment.js'));
  const { Tracker } = await import(join(dist, 'tcp', 'tracker.js'));
  const { ZeekConn } = await import(join(dist, 'zeek', 'conn-state.js'));
  const none = () => {};
  const observer = { segment: none, transition: none, portReuse: none, connectionEnded: none };
  const tracker = at >= 2 ? new Tracker(observer, at >= 3 ? { newZeek: () => new ZeekConn() } : {}) : null;
  const seg = newSegment();
  let records = 0;
  let segments = 0;
  const sink = {
    record(rec) {
      records++;
      if (at < 1) return;
      if (decodePacket(rec.linkType, rec.buf, rec.offset, rec.capLen, rec.origLen, seg) !== DecodeStatus.Ok) {
        return;
      }
      segments++;
      seg.frame = rec.frame;
      seg.tsSec = rec.tsSec;
      seg.tsNsec = rec.tsNsec;
      seg.ts = rec.tsSec + rec.tsNsec / 1e9;
      if (tracker !== null) tracker.segment(seg);
    },
    warning() {},
  };
  await readCaptureFiles([capture], sink, {});
  console.log(`${records} records, ${segments} segments, ${tracker ? tracker.conns.length : 0} connections`);
}
