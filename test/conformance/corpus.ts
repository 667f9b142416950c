/**
 * Shared by the conformance tests: where the public corpus is, the real
 * pipeline's report for a capture (each capture analysed once per test file),
 * and which endpoint sent a connection's first segment.
 */
import { type AnalysisResult, type AnalyzeOptions, analyze } from '../../src/analyze.js';
import { readCaptureFile } from '../../src/capture/reader.js';
import { formatAddr } from '../../src/decode/addr.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment } from '../../src/decode/segment.js';
import type { ConnectionReport, EndpointReport, Report } from '../../src/model/report.js';
import { CORPUS, corpus } from '../helpers/corpus.mjs';
import { normAddr } from '../zeek/zeek-baselines.js';

export { CORPUS, corpus };

const reports = new Map<string, Promise<AnalysisResult>>();

/** `analyze(path)` with default settings, memoised per path. */
export function analyzed(path: string): Promise<Report> {
  let p = reports.get(path);
  if (!p) reports.set(path, (p = analyze(path)));
  return p.then((r) => r.report);
}

/** `analyze(path, opts)`, not memoised (ladders, other settings). */
export function analyzeWith(path: string, opts: AnalyzeOptions): Promise<AnalysisResult> {
  return analyze(path, opts);
}

export function epKey(addr: string, port: number): string {
  return `${normAddr(addr)}/${port}`;
}

/** The unordered 4-tuple of a connection, for matching across tools. */
export function tupleKey(a: string, ap: number, b: string, bp: number): string {
  const x = epKey(a, ap);
  const y = epKey(b, bp);
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

export function connTuple(c: ConnectionReport): string {
  return tupleKey(c.client.addr, c.client.port, c.server.addr, c.server.port);
}

/**
 * For each connection of the report, the endpoint that sent its first segment
 * (the report says who is client and server, not who spoke first). Found by
 * reading the capture again: the segment of the connection's 4-tuple at its
 * start time. The timestamp is computed as the engine computes it.
 */
export async function firstSenders(
  path: string,
  conns: readonly ConnectionReport[],
): Promise<EndpointReport[]> {
  const seg = newSegment();
  const first = new Map<string, string>();
  await readCaptureFile(path, {
    warning() {},
    record(rec) {
      if (decodePacket(rec.linkType, rec.buf, rec.offset, rec.capLen, rec.origLen, seg) !== DecodeStatus.Ok)
        return;
      const src = formatAddr(seg.ipVersion, seg.src);
      const dst = formatAddr(seg.ipVersion, seg.dst);
      const k = `${tupleKey(src, seg.srcPort, dst, seg.dstPort)}@${rec.tsSec + rec.tsNsec / 1e9}`;
      if (!first.has(k)) first.set(k, epKey(src, seg.srcPort));
    },
  });
  return conns.map((c) => {
    const sender = first.get(`${connTuple(c)}@${c.start}`);
    if (sender === undefined) throw new Error(`connection ${c.id}: no segment at its start time`);
    return sender === epKey(c.server.addr, c.server.port) ? c.server : c.client;
  });
}
