/**
 * The public capture corpus (test/corpus, see its README.md): every
 * file reads the number of packets capinfos counts; libpcap's reject files are
 * refused with libpcap's words; timestamps and lengths agree with pcap-parser
 * and tshark; the same traffic re-containered by editcap reads identically.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { readCaptureFile, readCaptureFiles } from '../../src/capture/reader.js';
import { CaptureError } from '../../src/capture/record.js';
import { CORPUS } from '../helpers/corpus.mjs';
import { describeWithTools, itWithTools } from '../helpers/tools.js';
import { collector, type Got } from './helpers.js';
import { at, must } from '../../src/model/checked.js';

interface Row {
  path: string;
  format: string;
  packets: number;
}

function manifest(): Row[] {
  const lines = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = at(lines, 0).split('\t');
  const col = (name: string) => head.indexOf(name);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return { path: at(c, col('path')), format: at(c, col('format')), packets: Number(c[col('packets')]) };
  });
}

const rows = manifest();
const rejects = rows.filter((r) => r.path.startsWith('libpcap/'));
const readable = rows.filter((r) => !r.path.startsWith('libpcap/'));
const DAMAGED = 'suricata-verify/smtp-to-comma/10.7.29.101_49898-178.63.41.150_25.pcap';

async function read(path: string) {
  const c = collector();
  const stats = await readCaptureFile(path, c);
  return { c, stats };
}

describe('corpus', () => {
  test('the manifest lists the corpus files', () => {
    expect(readable.length).toBeGreaterThan(100);
    expect(rejects).toHaveLength(6);
  });

  test.each(readable.map((r) => [r.path, r.packets, r.format] as const))(
    '%s: %d packets',
    async (path, packets, format) => {
      const { c, stats } = await read(join(CORPUS, path));
      expect(c.records).toHaveLength(packets);
      expect(stats.packets).toBe(packets);
      expect(c.records.map((r) => r.frame)).toEqual(Array.from({ length: packets }, (_, i) => i + 1));
      const expectFormat = format.startsWith('pcapng') ? 'pcapng' : / nsec/.test(format) ? 'pcap-ns' : 'pcap';
      expect(stats.format).toBe(expectFormat);
      // No file is cut; only the hand-modified one is damaged.
      expect(stats.truncated).toBe(false);
      expect(stats.damaged).toBe(path === DAMAGED);
      for (const w of c.warnings)
        expect(['damaged', 'time-backwards', 'invalid-timestamp']).toContain(w.kind);
    },
  );

  test.each(rejects.map((r) => [r.path]))('%s is refused with libpcap’s message', async (path) => {
    const excerpt = readFileSync(join(CORPUS, `${path}.expect/TESTrun.excerpt`), 'utf8');
    const m = /errstr => '(?:Failed opening: )?((?:[^'\\]|\\.)*)'/.exec(excerpt);
    const want = at(must(m, 'm'), 1).replace(/\\'/g, "'");
    const err = await read(join(CORPUS, path)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as Error).message).toContain(want);
    expect((err as Error).message).not.toContain('\n');
  });

  test('smtp-to-comma: the 18 good packets, then a damaged warning at the garbage record header', async () => {
    const path = join(CORPUS, DAMAGED);
    const { c, stats } = await read(path);
    expect(c.records).toHaveLength(18);
    const end = 24 + c.records.reduce((a, r) => a + 16 + r.capLen, 0);
    expect(c.warnings).toEqual([
      expect.objectContaining({
        kind: 'damaged',
        offset: end,
        message: expect.stringContaining('3925868813'),
      }),
    ]);
    expect(stats.damaged).toBe(true);
  });

  test('timestamp_invalid_nano: fractions >= 1e9 carried, one invalid-timestamp warning', async () => {
    const { c } = await read(join(CORPUS, 'tcpdump/timestamp_invalid_nano.pcap'));
    for (const r of c.records) expect(r.tsNsec).toBeLessThan(1e9);
    expect(c.warnings).toEqual([expect.objectContaining({ kind: 'invalid-timestamp', frame: 2 })]);
  });

  test('network field 0x30000001 (FCS bits) reads as Ethernet; modified pcap; BIG TCP caplen', async () => {
    const fcs = await read(join(CORPUS, 'tcpdump/heapoverflow-tcp_print.pcap'));
    expect(at(fcs.c.records, 0).linkType).toBe(1);
    const mod = await read(join(CORPUS, 'rusticata-pcap-parser/modified-format.pcap'));
    expect(mod.c.records.map((r) => [r.capLen, r.tsSec])).toEqual([[98, 1712763541]]);
    const big = await read(join(CORPUS, 'tcpdump/bigtcp-ipv4.pcap'));
    expect(at(big.c.records, 0).capLen).toBeGreaterThan(65535);
    const multi = await read(join(CORPUS, 'pcapplusplus/many_interfaces-1.pcapng'));
    expect(new Set(multi.c.records.map((r) => r.iface)).size).toBeGreaterThan(1);
    expect(multi.stats.linkTypes).toEqual(expect.arrayContaining([1, 0, 12]));
  });

  test('pcap-parser agrees on classic pcap (count, lengths, timestamps)', async () => {
    const require = createRequire(import.meta.url);
    const pcapp = require('pcap-parser') as {
      parse(path: string): {
        on(ev: 'packet', f: (p: { header: PcapParserHeader }) => void): void;
        on(ev: 'end' | 'error', f: (e?: Error) => void): void;
      };
    };
    interface PcapParserHeader {
      timestampSeconds: number;
      timestampMicroseconds: number;
      capturedLength: number;
      originalLength: number;
    }
    const files = [
      'zeek/wikipedia.pcap',
      'tcpreplay/test.rewrite_sequence', // big-endian
      'pcapplusplus/raw_ip.pcap',
      'zeek/ssh/ssh.client-side-half-duplex.pcap',
      'tcpdump/bigtcp-ipv6-hbh.pcap',
    ];
    for (const f of files) {
      const path = join(CORPUS, f);
      const theirs = await new Promise<PcapParserHeader[]>((resolve, reject) => {
        const out: PcapParserHeader[] = [];
        const p = pcapp.parse(path);
        p.on('packet', (pk) => out.push(pk.header));
        p.on('end', () => resolve(out));
        p.on('error', (e) => reject(e));
      });
      const { c } = await read(path);
      expect(c.records.map((r) => [r.tsSec, r.tsNsec, r.capLen, r.origLen])).toEqual(
        theirs.map((h) => [
          h.timestampSeconds,
          h.timestampMicroseconds * 1000,
          h.capturedLength,
          h.originalLength,
        ]),
      );
    }
  });

  itWithTools(
    ['tshark'],
    'tshark agrees on pcapng and nanosecond files (timestamps to the ns, lengths, interface)',
    async () => {
      const files = readable
        .filter((r) => r.format.startsWith('pcapng') || / nsec/.test(r.format))
        .map((r) => r.path)
        .filter((p) => p !== 'tcpdump/timestamp_invalid_nano.pcap'); // tshark keeps the invalid ns as they are
      expect(files.length).toBeGreaterThan(8);
      for (const f of files) {
        const path = join(CORPUS, f);
        const out = execFileSync(
          'tshark',
          ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len'],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        );
        const theirs = out.trim().split('\n');
        const { c } = await read(path);
        expect(
          c.records.map((r) => `${r.tsSec}.${String(r.tsNsec).padStart(9, '0')}\t${r.capLen}\t${r.origLen}`),
        ).toEqual(theirs);
      }
    },
    60_000,
  );
});

describeWithTools(['editcap'], 'same traffic, other containers (editcap)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'capture-editcap-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const strip = (rs: Got[]) =>
    rs.map(({ frame, tsSec, tsNsec, capLen, origLen, linkType, data }) => ({
      frame,
      tsSec,
      tsNsec,
      capLen,
      origLen,
      linkType,
      data,
    }));

  test.each([
    'zeek/wikipedia.pcap',
    'tcpreplay/test.rewrite_dlthdlc',
    'zeek/http/get-to-ssh-server.pcap',
    'pcapplusplus/nanosecs_big_endian.pcap',
    'zeek/tls/irc-starttls.pcap',
  ])('%s as pcap, pcapng, nsecpcap and gzip of each: identical records', async (f) => {
    const base = join(tmp, f.replace(/\//g, '_'));
    copyFileSync(join(CORPUS, f), `${base}.orig`);
    execFileSync('editcap', ['-F', 'pcapng', `${base}.orig`, `${base}.pcapng`], { stdio: 'ignore' });
    execFileSync('editcap', ['-F', 'nsecpcap', `${base}.orig`, `${base}.ns.pcap`], { stdio: 'ignore' });
    execFileSync('editcap', ['-F', 'pcap', `${base}.orig`, `${base}.us.pcap`], { stdio: 'ignore' });
    const variants = [`${base}.orig`, `${base}.pcapng`, `${base}.ns.pcap`];
    for (const v of [...variants]) {
      writeFileSync(`${v}.gz`, gzipSync(readFileSync(v)));
      variants.push(`${v}.gz`);
    }
    const want = strip((await read(at(variants, 0))).c.records);
    expect(want.length).toBeGreaterThan(0);
    for (const v of variants.slice(1)) {
      const got = await read(v);
      expect(strip(got.c.records)).toEqual(want);
      expect(got.c.warnings).toEqual([]);
    }
    // Microsecond pcap: the same records, timestamps cut to the microsecond.
    const us = strip((await read(`${base}.us.pcap`)).c.records);
    expect(us).toEqual(want.map((r) => ({ ...r, tsNsec: Math.floor(r.tsNsec / 1000) * 1000 })));
  });

  test('rotated files (editcap -c) given in reverse read as the whole capture', async () => {
    const src = join(CORPUS, 'zeek/wikipedia.pcap');
    const dir = mkdtempSync(join(tmp, 'rot-'));
    execFileSync('editcap', ['-c', '40', src, join(dir, 'part.pcap')], { stdio: 'ignore' });
    const parts = readdirSync(dir)
      .map((n) => join(dir, n))
      .sort()
      .reverse();
    expect(parts.length).toBe(4);
    const c = collector();
    const stats = await readCaptureFiles(parts, c);
    const whole = (await read(src)).c.records;
    expect(c.records).toEqual(whole);
    expect(stats.files.map((f) => f.packets)).toEqual([40, 40, 40, 16]);
  });
});
