/**
 * Shared by the tcpdump text tests: run tcpdump / tshark, parse text into
 * plain segment records, and get the same records from a capture file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatAddr } from '../../src/decode/addr.js';
import { DecodeStatus, newSegment, type Segment, TcpFlag } from '../../src/decode/segment.js';
import { TcpdumpTextParser, type TcpdumpTextOptions } from '../../src/decode/tcpdump-text.js';
import { CORPUS } from '../helpers/corpus.mjs';
import { toolPath } from '../helpers/tools.js';
import { at } from '../../src/model/checked.js';

export { CORPUS };

/** A segment as a plain record, for comparisons. */
export interface Rec {
  frame: number;
  tsSec: number;
  tsNsec: number;
  ipVersion: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  urgent: number;
  payloadLen: number;
  headerLen: number;
  ttl: number;
  mss: number;
  wscale: number;
  sackPermitted: boolean;
  tsVal: number;
  tsEcr: number;
  sack: number[];
  tfo: boolean;
  /** Text only: seq was not printed (pure ACK). */
  seqInferred?: boolean;
  /** Text only: seq/ack counted from a placeholder origin (Unavailable.AbsoluteSeq). */
  baseUnknown?: boolean;
  /** Text only: headerLen is an estimate (Unavailable.HeaderLength). */
  headerLenEstimated?: boolean;
}

export function rec(seg: Segment): Rec {
  return {
    frame: seg.frame,
    tsSec: seg.tsSec,
    tsNsec: seg.tsNsec,
    ipVersion: seg.ipVersion,
    src: formatAddr(seg.ipVersion, seg.src),
    dst: formatAddr(seg.ipVersion, seg.dst),
    srcPort: seg.srcPort,
    dstPort: seg.dstPort,
    seq: seg.seq,
    ack: seg.ack,
    flags: seg.flags,
    window: seg.window,
    urgent: seg.urgent,
    payloadLen: seg.payloadLen,
    headerLen: seg.headerLen,
    ttl: seg.ttl,
    mss: seg.mss,
    wscale: seg.wscale,
    sackPermitted: seg.sackPermitted,
    tsVal: seg.tsVal,
    tsEcr: seg.tsEcr,
    sack: Array.from(seg.sackBlocks.subarray(0, 2 * seg.sackCount)),
    tfo: seg.tfo,
  };
}

export interface TextResult {
  recs: Rec[];
  /** -q lines (DecodeStatus.TcpNoHeader): endpoints, time and payload length only. */
  quiet: Rec[];
  /** Per line. */
  statuses: DecodeStatus[];
  /** Per packet (frame number): the status of its packet (Pending and Continuation lines left out). */
  frameStatus: Map<number, DecodeStatus>;
  parser: TcpdumpTextParser;
}

export function parseText(text: string, opts?: TcpdumpTextOptions): TextResult {
  const parser = new TcpdumpTextParser(opts);
  const seg = newSegment();
  const recs: Rec[] = [];
  const quiet: Rec[] = [];
  const statuses: DecodeStatus[] = [];
  const frameStatus = new Map<number, DecodeStatus>();
  for (const line of text.split('\n')) {
    const st = parser.parseLine(line, seg);
    statuses.push(st);
    if (st !== DecodeStatus.Pending && st !== DecodeStatus.Continuation)
      frameStatus.set(parser.frameNumber, st);
    if (st === DecodeStatus.TcpNoHeader) quiet.push(rec(seg));
    if (st === DecodeStatus.Ok) {
      recs.push({
        ...rec(seg),
        seqInferred: parser.lastSeqInferred,
        baseUnknown: parser.lastBaseUnknown,
        headerLenEstimated: !parser.lastHeaderLenExact,
      });
    }
  }
  return { recs, quiet, statuses, frameStatus, parser };
}

/** tcpdump's path, or null when it is not installed. */
export function tcpdumpBin(): string | null {
  return toolPath('tcpdump');
}

/**
 * `tcpdump -n -r pcap args...` as TESTrun runs it (TZ=GMT0): what it printed,
 * and its `tcpdump: ...` error line when it stopped on an error (what it
 * printed before the error is still there).
 */
export function tcpdump(pcap: string, args: string[]): { out: string; error: string | null } {
  const bin = tcpdumpBin();
  if (bin === null) throw new Error('tcpdump not installed (apt-get install tcpdump)');
  const r = spawnSync(bin, ['-n', '-r', pcap, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'GMT0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status === 0) return { out: r.stdout, error: null };
  const line = r.stderr.split('\n').find((l) => l.startsWith('tcpdump: '));
  return { out: r.stdout, error: line ?? `exit ${r.status}: ${r.stderr.trim()}` };
}

const TSHARK_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.window_size_value',
  'tcp.urgent_pointer',
  'tcp.len',
  'tcp.hdr_len',
  'ip.ttl',
  'ipv6.hlim',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.options.sack_le',
  'tcp.options.sack_re',
];

/** Segments of a capture as tshark decodes them (absolute numbers; first value of repeated fields). */
export function tsharkSegments(pcap: string): Rec[] {
  const args = ['-r', pcap, '-o', 'tcp.relative_sequence_numbers:FALSE', '-Y', 'tcp && !icmp && !icmpv6'];
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  let out: string;
  try {
    out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    // A damaged capture: tshark fails at the damage, after printing what came before it.
    out = String((e as { stdout?: unknown }).stdout ?? '');
  }
  const recs: Rec[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const c = line.split('\t');
    const first = (i: number) => (c[i] ?? '').split(',')[0] ?? '';
    const n = (i: number, dflt = -1) => (first(i) === '' ? dflt : Number(first(i)));
    const [sec, frac = '0'] = first(1).split('.');
    const v6 = first(2) === '';
    const le = (c[22] ?? '').split(',').filter((x) => x !== '');
    const re = (c[23] ?? '').split(',').filter((x) => x !== '');
    const sack: number[] = [];
    for (let k = 0; k < le.length && k < 4; k++) sack.push(Number(le[k]), Number(re[k]));
    recs.push({
      frame: n(0),
      tsSec: Number(sec),
      tsNsec: Number(frac.padEnd(9, '0').slice(0, 9)),
      ipVersion: v6 ? 6 : 4,
      src: v6 ? first(4) : first(2),
      dst: v6 ? first(5) : first(3),
      srcPort: n(6),
      dstPort: n(7),
      seq: n(8),
      ack: n(9),
      flags: n(10) & 0x1ff,
      window: n(11),
      urgent: n(12, 0),
      payloadLen: n(13),
      headerLen: n(14),
      ttl: v6 ? n(16) : n(15),
      mss: n(17),
      wscale: n(18),
      sackPermitted: first(19) !== '',
      tsVal: n(20),
      tsEcr: n(21),
      sack,
      tfo: false,
    });
  }
  return recs;
}

/** Corpus captures that have TCP (MANIFEST tcp_connections > 0), paths relative to CORPUS. */
export function corpusTcpCaptures(): string[] {
  const rows = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  const out: string[] = [];
  for (const row of rows) {
    const c = row.split('\t');
    if (Number(c[6]) > 0) out.push(at(c, 0));
  }
  return out;
}

/** Nanosecond-resolution capture: pcap magic a1b23c4d (either order), or pcapng (whose resolution varies). */
export function isNanoPcap(path: string): boolean {
  const b = readFileSync(path).subarray(0, 4);
  const m = b.length === 4 ? b.readUInt32LE(0) : 0;
  return m === 0xa1b23c4d || m === 0x4d3cb2a1;
}

export const ACK = TcpFlag.ACK;
