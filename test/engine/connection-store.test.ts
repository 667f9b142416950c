/**
 * Issue 22: ended connections leave memory for a spill file
 * (src/engine/connection-store.ts) and the `--json` report is unchanged by it.
 * Every fixture and every corpus capture is analysed three ways: held in
 * memory (the reference), and with the store forced on from the first
 * connection (storeEnded: 1), written the way `--json` writes it (deferred
 * connections, JSON records streamed back from the spill file) and built as
 * report objects (records read back with JSON.parse). The three JSON texts
 * must be the same bytes. Each capture runs at the default settings and with
 * short timers (MSL 0.5 s, idle timeouts 5 s), under which most connections
 * of these short captures settle before the capture ends.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analysis, type AnalyzeOptions } from '../../src/analyze.js';
import { readCaptureFiles } from '../../src/capture/reader.js';
import { writeJson } from '../../src/cli/json-out.js';
import { run } from '../../src/cli/main.js';
import { makeIo } from '../cli/harness.js';
import { corpus, manifest } from '../helpers/corpus.mjs';
import { PcapWriter, type TcpPacket } from '../helpers/pcap-writer.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const captures = [
  ...readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(FIXTURES, f)),
  ...manifest().map((r) => corpus(r.path)),
];

interface Run {
  json: string;
  stored: number;
}

/** The `--json` text of one capture (or the one-line error it gives). */
async function jsonOf(file: string, opts: AnalyzeOptions, defer: boolean): Promise<Run> {
  // Text captures are dated by the file; one fixed day keeps the runs comparable.
  const a = new Analysis({ ...opts, textDate: 1_700_000_000, textTimeZone: 'UTC' });
  try {
    const stats = await readCaptureFiles([file], a.sink, {});
    const res = a.finish(stats, { deferConnections: defer });
    const parts: string[] = [];
    writeJson((t) => parts.push(t), res.report, res.deferred && { key: 'connections', ...res.deferred });
    return { json: parts.join(''), stored: a.storedConnections };
  } catch (e) {
    return { json: `error: ${(e as Error).message}`, stored: a.storedConnections };
  }
}

describe('ended connections out of memory: --json unchanged (issue 22)', () => {
  let storedTotal = 0;
  let withStored = 0;

  const SHORT = { msl: 0.5, idleTimeout: 5, handshakeIdleTimeout: 5 };
  it.each(captures.map((c) => [c.replace(/^.*\/(fixtures|corpus)\//, '$1/'), c]))(
    '%s',
    async (_name, file) => {
      for (const settings of [{}, SHORT]) {
        const reference = await jsonOf(file, { settings }, true);
        expect(reference.stored).toBe(0);
        const streamed = await jsonOf(file, { settings, storeEnded: 1 }, true);
        const built = await jsonOf(file, { settings, storeEnded: 1 }, false);
        expect(streamed.json).toBe(reference.json);
        expect(built.json).toBe(reference.json);
        expect(built.stored).toBe(streamed.stored);
        storedTotal += streamed.stored;
        if (streamed.stored > 0) withStored++;
      }
    },
  );

  // Not vacuous: the store was really used on the real traffic above.
  it('the store took connections out of memory on many of these captures', () => {
    console.log(
      `connection store: ${storedTotal} connections stored, over ${withStored} of ${captures.length} captures`,
    );
    expect(withStored).toBeGreaterThanOrEqual(15);
    expect(storedTotal).toBeGreaterThanOrEqual(50);
  });
});

describe('the CLI --json with the spill file (issue 22)', () => {
  it('30,000 short connections in 30 s (MSL 1 s): the same report as in memory, nothing left in TMPDIR, a clear error without one', async () => {
    // One connection a millisecond, each closed within 40 ms: past 2 x MSL and
    // the flow table's sweep (~12 s) they settle, and the CLI holds over its
    // 5,000 connections, so thousands go to the spill file.
    const packets: TcpPacket[] = [];
    for (let i = 0; i < 30_000; i++) {
      const t = 1_700_000_000 + i * 0.001;
      const c = {
        src: `10.1.${(i >> 8) & 255}.${i & 255}`,
        dst: '10.2.0.1',
        sport: 20_000 + (i % 30_000),
        dport: 80,
      };
      const s = { src: c.dst, dst: c.src, sport: c.dport, dport: c.sport };
      packets.push(
        { ...c, t, seq: 100, flags: 'S' },
        { ...s, t: t + 0.005, seq: 500, ack: 101, flags: 'S.' },
        { ...c, t: t + 0.01, seq: 101, ack: 501, flags: '.' },
        { ...c, t: t + 0.015, seq: 101, ack: 501, flags: 'P.', payload: 20 },
        { ...s, t: t + 0.02, seq: 501, ack: 121, flags: 'F.' },
        { ...c, t: t + 0.03, seq: 121, ack: 502, flags: 'F.' },
        { ...s, t: t + 0.04, seq: 502, ack: 122, flags: '.' },
      );
    }
    const w = new PcapWriter();
    for (const p of packets.sort((a, b) => a.t - b.t)) w.tcp(p);
    const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
    const file = join(dir, 'short.pcap');
    writeFileSync(file, w.bytes());
    const spill = join(dir, 'tmp');
    mkdirSync(spill);
    try {
      const settings = { msl: 1 };
      const reference = await jsonOf(file, { settings }, false);
      const stored = await jsonOf(file, { settings, storeEnded: 5000 }, true);
      expect(stored.stored).toBeGreaterThan(5000);
      expect(stored.json).toBe(reference.json);

      const saved = process.env.TMPDIR;
      process.env.TMPDIR = spill;
      try {
        const { io, stdout } = makeIo();
        expect(await run(['--json', '--msl', '1s', file], io)).toBe(0);
        expect(stdout.text).toBe(reference.json);
        // A temporary directory that cannot take the file: one line, exit 2.
        process.env.TMPDIR = join(dir, 'missing');
        const bad = makeIo();
        expect(await run(['--json', '--msl', '1s', file], bad.io)).toBe(2);
        expect(bad.stderr.text).toMatch(
          /^tcptrace-ts: cannot write the spill file of ended connections in .*missing .*set TMPDIR/,
        );
        expect(bad.stderr.text.trim().split('\n')).toHaveLength(1);
      } finally {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
      }
      expect(readdirSync(spill)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
