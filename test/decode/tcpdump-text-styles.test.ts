/**
 * The "done when": one capture printed by tcpdump in each style
 * (-n with and without -S, every -t variant, --nano, -v, -vv, -e, -#, dumps)
 * parses back to the same segments, and those are the capture's own segments
 * as decoded from the pcap.
 *
 * tcpdump runs at test time (test/helpers/tools.ts: a missing tcpdump fails in
 * CI and skips, named, elsewhere); the reference
 * is the pcap read and decoded by the project (capture/reader.ts, decode/packet.ts).
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SKIP_REASON, TcpFlag } from '../../src/decode/segment.js';
import { describeWithTools } from '../helpers/tools.js';
import {
  CORPUS,
  corpusTcpCaptures,
  isNanoPcap,
  parseText,
  type Rec,
  tcpdump,
} from './tcpdump-text-helpers.js';
import { pcapReference } from './tcpdump-text-reference.js';

interface Style {
  name: string;
  args: string[];
  /** How times compare: absolute, relative to the first packet (deltas), not at all (-t). */
  time: 'abs' | 'rel' | 'none';
  nano?: boolean;
  /** Time of day: baseDate must be given. */
  tod?: boolean;
  /** How HH:MM:SS stamps are meant (the user says so: deltas cannot always be told apart). */
  hms?: 'delta-previous' | 'delta-first';
  ttl?: boolean;
}

const STYLES: Style[] = [
  { name: 'default', args: [], time: 'abs', tod: true },
  { name: '-S', args: ['-S'], time: 'abs', tod: true },
  { name: '-tt', args: ['-tt'], time: 'abs' },
  { name: '-ttt', args: ['-ttt'], time: 'rel', hms: 'delta-previous' },
  { name: '-tttt', args: ['-tttt'], time: 'abs' },
  { name: '-ttttt', args: ['-ttttt'], time: 'rel', hms: 'delta-first' },
  { name: '-t', args: ['-t'], time: 'none' },
  { name: '--nano -tt', args: ['--nano', '-tt'], time: 'abs', nano: true },
  { name: '--nano -ttt', args: ['--nano', '-ttt'], time: 'rel', nano: true, hms: 'delta-previous' },
  { name: '-v', args: ['-v', '-tttt'], time: 'abs', ttl: true },
  { name: '-vv', args: ['-vv'], time: 'abs', tod: true, ttl: true },
  { name: '-e', args: ['-e'], time: 'abs', tod: true },
  { name: '-#', args: ['-#', '-tttt'], time: 'abs' },
  {
    name: '-S -v -e -# --nano',
    args: ['-S', '-v', '-e', '-#', '--nano', '-tttt'],
    time: 'abs',
    nano: true,
    ttl: true,
  },
  { name: '-t -v -#', args: ['-t', '-v', '-#'], time: 'none', ttl: true },
  { name: '-x', args: ['-x', '-tt'], time: 'abs' },
  { name: '-X -v', args: ['-X', '-v', '-tt'], time: 'abs', ttl: true },
  { name: '-A', args: ['-A', '-tt'], time: 'abs' },
];

interface Diff {
  frame: number;
  field: string;
  text: unknown;
  pcap: unknown;
}

/** Field by field, what the text should agree on with the pcap. */
export function compareRecs(
  text: Rec,
  ref: Rec,
  style: Style,
  t0: Rec | undefined,
  r0: Rec | undefined,
): Diff[] {
  const d: Diff[] = [];
  const eq = (field: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) d.push({ frame: ref.frame, field, text: a, pcap: b });
  };
  for (const f of ['frame', 'ipVersion', 'src', 'dst', 'srcPort', 'dstPort', 'window'] as const) {
    eq(f, text[f], ref[f]);
  }
  // tcpdump 4.99 has no letter for AE (master prints `e`): the corpus .out test checks it.
  eq('flags', text.flags & 0xff, ref.flags & 0xff);
  eq('payloadLen', text.payloadLen, ref.payloadLen);
  // Numbers from a placeholder origin are checked for a constant offset by the caller.
  if (!text.seqInferred && !text.baseUnknown) eq('seq', text.seq, ref.seq);
  if (ref.flags & TcpFlag.ACK && !text.baseUnknown) eq('ack', text.ack, ref.ack);
  if (ref.flags & TcpFlag.URG) eq('urgent', text.urgent, ref.urgent);
  for (const f of ['mss', 'wscale', 'sackPermitted', 'tsVal', 'tsEcr', 'sack', 'tfo'] as const) {
    eq(f, text[f], ref[f]);
  }
  if (style.ttl) eq('ttl', text.ttl, ref.ttl);
  if (!text.headerLenEstimated) eq('headerLen', text.headerLen, ref.headerLen);
  const refNs = style.nano ? ref.tsNsec : ref.tsNsec - (ref.tsNsec % 1000);
  if (style.time === 'abs' && style.tod) {
    // A time of day says nothing of the day (captures here span years): the day is not compared.
    eq('time-of-day', [text.tsSec % 86400, text.tsNsec], [ref.tsSec % 86400, refNs]);
  } else if (style.time === 'abs') {
    eq('ts', [text.tsSec, text.tsNsec], [ref.tsSec, refNs]);
  } else if (style.time === 'rel' && t0 && r0) {
    const r0ns = style.nano ? r0.tsNsec : r0.tsNsec - (r0.tsNsec % 1000);
    // tcpdump 4.99 prints deltas as HH:MM:SS, dropping whole days.
    const day = 86400n * 1_000_000_000n;
    const dt = (BigInt(text.tsSec - t0.tsSec) * 1_000_000_000n + BigInt(text.tsNsec - t0.tsNsec)) % day;
    const dr = (BigInt(ref.tsSec - r0.tsSec) * 1_000_000_000n + BigInt(refNs - r0ns)) % day;
    eq('ts-delta', String((dt + day) % day), String((dr + day) % day));
  }
  return d;
}

/**
 * Captures tcpdump 4.99 stops reading with an error, and the error. A capture
 * listed here that reads through, or another error, is a failure. What tcpdump
 * printed before it stopped is compared unless `compare` is false (and why).
 */
const TCPDUMP_STOPS: Record<string, { error: string; compare: boolean }> = {
  // pcapng with several link types: tcpdump reads one link type a file. Not compared:
  // what it prints before stopping has frames it cannot stamp ("[Error converting time]").
  'pcapplusplus/many_interfaces-1.pcapng': {
    error: 'different from the type of the first interface',
    compare: false,
  },
  'pcapplusplus/pcapng-example.pcapng': {
    error: 'different from the type of the first interface',
    compare: false,
  },
  // The hand-damaged last record header (3,925,868,813 bytes): the 18 packets before it are printed.
  'suricata-verify/smtp-to-comma/10.7.29.101_49898-178.63.41.150_25.pcap': {
    error: 'invalid packet capture length',
    compare: true,
  },
};

const totals = { inferred: 0, wrong: 0 };
/** `text status / pcap status` of each packet line (-# style): how often. */
const statusPairs = new Map<string, number>();
const captures = corpusTcpCaptures();

describeWithTools(['tcpdump'], 'tcpdump text in every style = the capture decoded', () => {
  afterAll(() => {
    console.log(`inferred pure-ACK seqs: ${totals.inferred}, wrong: ${totals.wrong}`);
    console.log('text / pcap status of packet lines:', Object.fromEntries([...statusPairs].sort()));
  });
  it.each(captures)('%s', async (path) => {
    const pcap = join(CORPUS, path);
    const { segs: ref, status: refStatus } = await pcapReference(pcap);
    const byFrame = new Map(ref.map((r) => [r.frame, r]));
    const nanoFile = isNanoPcap(pcap);
    const problems: string[] = [];
    const wrongInferences: string[] = [];
    // tcpdump prints fractions of a second that are not below one second raw, differently in each style.
    const invalidTimes = path.includes('timestamp_invalid');
    const stops = TCPDUMP_STOPS[path];
    for (const style of STYLES) {
      if (style.nano && !nanoFile && style.name.startsWith('--nano')) continue;
      const { out, error } = tcpdump(pcap, style.args);
      if (error !== null && (stops === undefined || !error.includes(stops.error)))
        problems.push(`${style.name}: tcpdump failed: ${error}`);
      if (error === null && stops !== undefined)
        problems.push(`${style.name}: tcpdump read it through (drop it from TCPDUMP_STOPS)`);
      if (stops?.compare === false) continue;
      // Frames after the one tcpdump stopped at are not in its text.
      const lastPrinted = error === null ? Infinity : (parseText(out).recs.at(-1)?.frame ?? 0);
      let inferred = 0;
      let inferredWrong = 0;
      if (style.name === '-#') {
        // Completeness: every TCP segment of the pcap is found in the text.
        const seen = new Set<number>();
        const parsed = parseText(out);
        for (const r of parsed.recs) seen.add(r.frame);
        for (const r of ref) {
          if (seen.has(r.frame) || r.frame > lastPrinted) continue;
          const line = out.split('\n').find((l) => l.startsWith(`${String(r.frame).padStart(5)}  `)) ?? '';
          // tcpdump 4.99.3 prints TSO / BIG TCP datagrams (IP length 0) as `IP bad-len 0` without -v.
          if (line.includes(' IP bad-len 0')) continue;
          // A tunnel tcpdump does not open (Teredo to a relay's own port, not 3544, which the
          // binary decoder finds by its content, as Zeek does): the text shows UDP, not the TCP.
          if (/: UDP, length \d+$/.test(line)) continue;
          problems.push(`-#: frame ${r.frame} missing: ${line.slice(0, 160)}`);
        }
        for (const [frame, st] of parsed.frameStatus) {
          const key = `${SKIP_REASON[st]} / ${SKIP_REASON[refStatus.get(frame) ?? 0]}`;
          statusPairs.set(key, (statusPairs.get(key) ?? 0) + 1);
        }
      }
      const first = ref[0];
      const baseDate = style.tod && first ? Math.floor(first.tsSec / 86400) * 86400 : undefined;
      const { recs, parser } = parseText(out, { baseDate, ...(style.hms ? { hms: style.hms } : {}) });
      if (parser.stats.lineErrors > 0)
        problems.push(`${style.name}: ${parser.stats.lineErrors} internal errors`);
      const offsets = new Map<string, number>();
      const t0 = recs[0];
      const r0 = t0 ? byFrame.get(t0.frame) : undefined;
      for (const r of recs) {
        const p = byFrame.get(r.frame);
        if (!p) {
          problems.push(`${style.name}: frame ${r.frame} is not a TCP segment in the pcap`);
          continue;
        }
        if (r.baseUnknown) {
          // The same offset from the wire value for every number of that direction.
          const k = `${r.src}.${r.srcPort}>${r.dst}.${r.dstPort}`;
          const off = (r.seq - p.seq) >>> 0;
          const known = offsets.get(k);
          if (r.seqInferred) {
            inferred++;
            if (known !== undefined && known !== off) inferredWrong++;
          } else if (known !== undefined && known !== off) {
            problems.push(`${style.name}: frame ${r.frame} placeholder offset ${off} != ${known}`);
          }
          if (!r.seqInferred) offsets.set(k, off);
        } else if (r.seqInferred) {
          inferred++;
          if (r.seq !== p.seq) inferredWrong++;
        }
        for (const x of compareRecs(r, p, invalidTimes ? { ...style, time: 'none' } : style, t0, r0)) {
          problems.push(
            `${style.name}: frame ${x.frame} ${x.field}: text ${JSON.stringify(x.text)} pcap ${JSON.stringify(x.pcap)}`,
          );
        }
      }
      // Pure ACKs without -vv: the seq is the sender's next one as far as seen; nearly always
      // right (keep-alives, which send next - 1, and odd crafted captures are not).
      totals.inferred += inferred;
      totals.wrong += inferredWrong;
      if (inferredWrong > Math.max(1, inferred * 0.1)) {
        wrongInferences.push(`${style.name}: ${inferredWrong} of ${inferred} inferred seqs wrong`);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(wrongInferences).toEqual([]);
  });
});
