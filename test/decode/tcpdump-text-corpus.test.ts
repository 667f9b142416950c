/**
 * tcpdump's own expected outputs (corpus/tcpdump/*.expect/*.out, made by the
 * tcpdump test suite's TESTrun: `TZ=GMT0 tcpdump -# -n -r <pcap> -tttt <args>`,
 * without -tttt when the args hold SPECIAL_t) parse back to the pcap's segments
 * as the project's reader and decoder see them. These outputs come from a newer
 * tcpdump than the one installed here (AccECN `e` flag, BIG TCP lengths), so
 * they also cover what the installed one cannot print.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeStatus, TcpFlag } from '../../src/decode/segment.js';
import { CORPUS, parseText } from './tcpdump-text-helpers.js';
import { pcapReference } from './tcpdump-text-reference.js';
import { at } from '../../src/model/checked.js';

interface Case {
  name: string;
  pcap: string;
  out: string;
  args: string[];
}

function cases(): Case[] {
  const dir = join(CORPUS, 'tcpdump');
  const list: Case[] = [];
  for (const d of readdirSync(dir)) {
    if (!d.endsWith('.expect')) continue;
    const lines = readFileSync(join(dir, d, 'TESTLIST.lines'), 'utf8').split('\n');
    for (const line of lines) {
      const [name, input, output, ...args] = line.trim().split(/\s+/);
      if (!name || !input || !output) continue;
      list.push({ name, pcap: join(dir, input), out: join(dir, d, output), args });
    }
  }
  return list.sort((a, b) => a.name.localeCompare(b.name));
}

/** How the output's stamps read, from its args (TESTrun adds -tttt unless SPECIAL_t). */
function timeStyle(args: string[]): {
  time: 'abs' | 'tod' | 'rel-prev' | 'rel-first' | 'none';
  nano: boolean;
} {
  const nano = args.includes('--nano');
  if (!args.includes('SPECIAL_t') || args.includes('-tttt') || args.includes('-tt'))
    return { time: 'abs', nano };
  if (args.includes('-ttttt')) return { time: 'rel-first', nano };
  if (args.includes('-ttt')) return { time: 'rel-prev', nano };
  if (args.includes('-t')) return { time: 'none', nano };
  return { time: 'tod', nano };
}

const all = cases();

describe('tcpdump test-suite outputs = the pcap decoded', () => {
  it('finds the outputs', () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  it.each(all)('$name ($args)', async (c) => {
    const text = readFileSync(c.out, 'utf8');
    const { time, nano } = timeStyle(c.args);
    const ref = await pcapReference(c.pcap);
    const byFrame = new Map(ref.segs.map((r) => [r.frame, r]));
    const first = at(ref.segs, 0);
    const { recs, quiet, frameStatus, parser } = parseText(text, {
      baseDate: time === 'tod' ? first.tsSec - (first.tsSec % 86400) : 0,
      hms: time === 'rel-prev' ? 'delta-previous' : time === 'rel-first' ? 'delta-first' : 'auto',
    });
    expect(parser.stats.lineErrors).toBe(0);
    const isQuiet = c.args.includes('-q');
    const ok = isQuiet ? DecodeStatus.TcpNoHeader : DecodeStatus.Ok;
    const problems: string[] = [];
    // Every frame tcpdump printed that the pcap has as a TCP segment is one here, and no other.
    for (const [frame, st] of frameStatus) {
      const isTcp = byFrame.has(frame);
      if ((st === ok) !== isTcp) {
        problems.push(`frame ${frame}: text ${st}, pcap ${ref.status.get(frame)}`);
      }
    }
    const invalidTimes = c.pcap.includes('timestamp_invalid');
    let t0: { s: number; n: number } | null = null;
    let r0: { s: number; n: number } | null = null;
    for (const r of isQuiet ? quiet : recs) {
      const p = byFrame.get(r.frame);
      if (!p) continue;
      const d = (field: string, a: unknown, b: unknown) => {
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          problems.push(`frame ${r.frame} ${field}: text ${JSON.stringify(a)} pcap ${JSON.stringify(b)}`);
        }
      };
      for (const f of ['ipVersion', 'src', 'dst', 'srcPort', 'dstPort', 'payloadLen'] as const)
        d(f, r[f], p[f]);
      const pn = nano ? p.tsNsec : p.tsNsec - (p.tsNsec % 1000);
      if (!invalidTimes) {
        if (time === 'abs' || time === 'tod') d('ts', [r.tsSec, r.tsNsec], [p.tsSec, pn]);
        if (time === 'rel-prev' || time === 'rel-first') {
          t0 ??= { s: r.tsSec, n: r.tsNsec };
          r0 ??= { s: p.tsSec, n: pn };
          d('ts-delta', (r.tsSec - t0.s) * 1e9 + r.tsNsec - t0.n, (p.tsSec - r0.s) * 1e9 + pn - r0.n);
        }
      }
      if (isQuiet) continue;
      d('flags', r.flags, p.flags);
      d('window', r.window, p.window);
      if (!r.seqInferred && !r.baseUnknown) d('seq', r.seq, p.seq);
      if (p.flags & TcpFlag.ACK && !r.baseUnknown) d('ack', r.ack, p.ack);
      if (p.flags & TcpFlag.URG) d('urgent', r.urgent, p.urgent);
      for (const f of ['mss', 'wscale', 'sackPermitted', 'tsVal', 'tsEcr', 'sack', 'tfo'] as const)
        d(f, r[f], p[f]);
      if (c.args.some((a) => a.startsWith('-v'))) d('ttl', r.ttl, p.ttl);
      if (!r.headerLenEstimated) d('headerLen', r.headerLen, p.headerLen);
    }
    expect(problems).toEqual([]);
    // Something was compared: every TCP segment tcpdump printed.
    const n = (isQuiet ? quiet : recs).length;
    expect(n).toBe([...frameStatus.keys()].filter((f) => byFrame.has(f)).length);
    expect(n).toBeGreaterThan(0);
  });
});
