/**
 * Robustness of the tcpdump text parser: no line, however made, throws or
 * leaves a segment out of range; no line takes more than linear time; the
 * parser keeps the pace a pipe from tcpdump needs. Plus its address scanner
 * against the project's address text functions (decode/addr.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddr, parseAddr as parseAddrText } from '../../src/decode/addr.js';
import { DecodeStatus, newSegment, type Segment } from '../../src/decode/segment.js';
import { TcpdumpTextParser } from '../../src/decode/tcpdump-text.js';
import { parseAddr, parseAddrPort } from '../../src/decode/tcpdump-text/addr.js';
import { CORPUS } from './tcpdump-text-helpers.js';
import { must } from '../../src/model/checked.js';

/** Every line of tcpdump's test-suite outputs in the corpus. */
function corpusLines(): string[] {
  const dir = join(CORPUS, 'tcpdump');
  const lines: string[] = [];
  for (const d of readdirSync(dir)) {
    if (!d.endsWith('.expect')) continue;
    for (const f of readdirSync(join(dir, d))) {
      if (f.endsWith('.out')) lines.push(...readFileSync(join(dir, d, f), 'utf8').split('\n'));
    }
  }
  return lines;
}

const LINES = corpusLines();
const STATUSES = new Set<number>(Object.values(DecodeStatus));

/** What holds for any segment the parser returns Ok with. */
function checkSegment(seg: Segment): void {
  const u32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  expect(u32(seg.seq) && u32(seg.ack)).toBe(true);
  expect(seg.srcPort >= 0 && seg.srcPort <= 65535 && seg.dstPort >= 0 && seg.dstPort <= 65535).toBe(true);
  expect(seg.ipVersion === 4 || seg.ipVersion === 6).toBe(true);
  expect(Number.isInteger(seg.tsSec) && Number.isInteger(seg.tsNsec)).toBe(true);
  expect(seg.tsNsec >= 0 && seg.tsNsec < 1e9).toBe(true);
  expect(seg.headerLen >= 20 && seg.headerLen <= 60).toBe(true);
  expect(Number.isInteger(seg.payloadLen) && seg.payloadLen >= 0).toBe(true);
  expect(seg.flags >= 0 && seg.flags <= 0x1ff).toBe(true);
  expect(seg.window >= 0 && seg.window <= 0xffff).toBe(true);
  expect(seg.sackCount >= 0 && seg.sackCount <= 4).toBe(true);
  expect(seg.otherOptions.length).toBeLessThanOrEqual(8);
  expect(seg.capturedPayload).toBe(0);
}

/** Feeds lines to one parser; checks every result. */
function feed(lines: string[], p = new TcpdumpTextParser()): TcpdumpTextParser {
  const seg = newSegment();
  for (const line of lines) {
    const st = p.parseLine(line, seg);
    expect(STATUSES.has(st)).toBe(true);
    if (st === DecodeStatus.Ok) checkSegment(seg);
  }
  expect(p.stats.lineErrors).toBe(0);
  return p;
}

/** Pieces of tcpdump's print, to build lines that reach deep into the parser. */
const PIECES = [
  '    1  ',
  '12:00:00.000000 ',
  '2020-06-10 09:21:03.720289 ',
  '1591780863.720289 ',
  ' 00:00:00.000001 ',
  '-00:00:01.000000 ',
  'IP ',
  'IP6 ',
  '(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)',
  '10.0.0.1.80',
  '2001:db8::1.443',
  '::ffff:1.2.3.4.80',
  ' > ',
  ': ',
  ': Flags [',
  'S.',
  'FSRP.UEWe',
  'none',
  ']',
  ', seq ',
  ', ack ',
  ', win ',
  ', urg ',
  ', cksum 0x1234 (correct)',
  ', options [',
  'mss 1460',
  'sack 2 {1:2}{3:4}',
  'TS val 1 ecr 2',
  'wscale 7',
  'exp-tfo cookie 0909',
  'tfo cookiereq',
  'mptcp 12 capable v0 flags [AH] csum {0x1,0x2}',
  'unknown-48 0x3030',
  'tcp-ao keyid 1 rnextkeyid 2 mac 0xabcd',
  '[len 5]',
  '[bad opt]',
  '[|tcp]',
  ',',
  '{',
  '}',
  ', length ',
  ': tcp ',
  ' [bad hdr length 8 - too short, < 20]',
  'HBH (jumbo: 80040)  ',
  'hlim 64, next-header TCP (6) payload length: 20) ',
  '4294967295',
  '99999999999999999999',
  '65535',
  '65536',
  '0',
  '.',
  ':',
  '\t',
  '\r',
];

describe('never throws, never out of range', () => {
  it('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 20 }), (lines) => {
        feed(lines);
      }),
      { numRuns: 2000 },
    );
  });

  it('lines made of pieces of tcpdump print', () => {
    const line = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        feed(lines);
      }),
      { numRuns: 5000 },
    );
  });

  it('real lines, mutated', () => {
    const mutate = fc.oneof(
      // cut a range out
      fc.record({ at: fc.nat(), len: fc.nat(40) }).map(({ at, len }) => (s: string) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + s.slice(i + len);
      }),
      // insert a piece
      fc.record({ at: fc.nat(), p: fc.constantFrom(...PIECES) }).map(({ at, p }) => (s: string) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + p + s.slice(i);
      }),
      // change one character
      fc
        .record({ at: fc.nat(), c: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) })
        .map(({ at, c }) => (s: string) => {
          const i = at % (s.length + 1);
          return s.slice(0, i) + c + s.slice(i + 1);
        }),
      // keep the head only (a line cut by the pipe)
      fc.nat().map((n) => (s: string) => s.slice(0, n % (s.length + 1))),
    );
    const realLine = fc.constantFrom(...LINES);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(realLine, fc.array(mutate, { maxLength: 4 })), { minLength: 1, maxLength: 30 }),
        (items) => {
          feed(items.map(([l, ms]) => ms.reduce((s, m) => m(s), l)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('every corpus line in order, and all of them shuffled through one parser', () => {
    // One parser learns the first file's line prefix (-# -tttt): lines of other styles are then continuations.
    const p = feed(LINES);
    expect(p.stats.tcp).toBeGreaterThan(100);
    fc.assert(
      fc.property(fc.shuffledSubarray(LINES, { minLength: 1, maxLength: 200 }), (lines) => {
        feed(lines);
      }),
      { numRuns: 200 },
    );
  });
});

describe('linear time', () => {
  // Lines built to make a backtracking or rescanning parser go quadratic.
  const N = 200_000;
  const hostile: [string, string][] = [
    [
      'many " > "',
      `12:00:00.000000 IP ${'1.2.3.4 > '.repeat(N / 10)}1.2.3.4.1 > 5.6.7.8.2: Flags [S], seq 1, win 1, length 0`,
    ],
    [
      'many options',
      `12:00:00.000000 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S], seq 1, win 1, options [${'nop,'.repeat(N / 4)}nop], length 0`,
    ],
    [
      'many bracketed options',
      `12:00:00.000000 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S], seq 1, options [${'x[len 3],'.repeat(N / 9)}`,
    ],
    [
      'many tcp-ao',
      `12:00:00.000000 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S], seq 1, options [${'tcp-ao keyid 1,'.repeat(N / 15)}]`,
    ],
    ['open brackets', `12:00:00.000000 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S], options [${'['.repeat(N)}`],
    ['many ": Flags ["', `12:00:00.000000 ${': Flags ['.repeat(N / 9)}`],
    ['long flags', `12:00:00.000000 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [${'S'.repeat(N)}]`],
    ['many fields', `12:00:00.000000 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S]${', win 1'.repeat(N / 7)}`],
    ['digits', `${'1'.repeat(N)}:00:00.000000 IP`],
    ['spaces', `${' '.repeat(N)}x`],
    ['addresses', `12:00:00.000000 IP ${'1:'.repeat(N / 2)}.1 > ::.2: Flags [S]`],
  ];
  it.each(hostile)('%s', (_name, line) => {
    const p = new TcpdumpTextParser();
    const seg = newSegment();
    const t = performance.now();
    for (let k = 0; k < 5; k++) p.parseLine(line, seg);
    // 5 x 200 kB: a linear scan takes a few ms; quadratic would take minutes.
    expect(performance.now() - t).toBeLessThan(1000);
    expect(p.stats.lineErrors).toBe(0);
  });
});

describe('address scanner = decode/addr.ts', () => {
  it('reads back what formatAddr prints, as parseAddr does', () => {
    const seg = newSegment();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => [4, b] as const),
          fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => [6, b] as const),
          // zero runs and IPv4-mapped forms
          fc
            .tuple(fc.nat(7), fc.nat(8), fc.uint8Array({ minLength: 16, maxLength: 16 }))
            .map(([at, n, b]) => [6, b.map((v, i) => (i >= 2 * at && i < 2 * (at + n) ? 0 : v))] as const),
          fc
            .uint8Array({ minLength: 4, maxLength: 4 })
            .map((b) => [6, Uint8Array.from([...new Uint8Array(10), 255, 255, ...b])] as const),
        ),
        fc.nat(65535),
        ([v, bytes], port) => {
          const text = formatAddr(v as 4 | 6, bytes);
          expect(parseAddr(text, 0, text.length, seg.src)).toBe(v);
          expect(Array.from(seg.src.subarray(0, bytes.length))).toEqual(Array.from(bytes));
          expect(parseAddrText(text)?.bytes).toEqual(bytes);
          const tp = `${text}.${port}`;
          expect(parseAddrPort(tp, 0, tp.length, seg.dst)).toBe(port);
          expect(Array.from(seg.dst.subarray(0, bytes.length))).toEqual(Array.from(bytes));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('accepts nothing parseAddr refuses, and agrees on what both accept', () => {
    const out = new Uint8Array(16);
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''));
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 45 }).map((a) => a.join('')),
        (text) => {
          const v = parseAddr(text, 0, text.length, out);
          const theirs = parseAddrText(text);
          if (v === 0) return;
          expect(theirs?.ipVersion).toBe(v);
          expect(Array.from(out.subarray(0, v === 4 ? 4 : 16))).toEqual(
            Array.from(must(theirs, 'theirs').bytes),
          );
        },
      ),
      { numRuns: 20000 },
    );
  });
});
