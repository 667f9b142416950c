/**
 * gzip (issue 24, defects 1 and 2): streamed at any size, several members read
 * as one stream (as `gzip -d` reads `cat a.gz b.gz`), and a bad CRC, a bad
 * length or bytes after the last member reported by name beside every record.
 * The reproducers are made here: gzipSync of a generated pcap, with bytes of
 * the trailer changed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { cli } from '../cli/harness.js';
import { collector, payload, pcap, readBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'capture-gzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A pcap of `n` records, one a second. */
function pcapOf(n: number, size = 60): Uint8Array {
  return pcap(
    Array.from({ length: n }, (_, i) => ({ sec: 1700000000 + i, frac: i, data: payload(size, i) })),
  );
}

/** `gz` with its trailer's CRC-32 (`from` = 8 bytes from the end) or ISIZE (`from` = 4) changed. */
function spoil(gz: Uint8Array, from: 8 | 4): Buffer {
  const b = Buffer.from(gz);
  b[b.length - from] = b.readUInt8(b.length - from) ^ 0x5a;
  return b;
}

describe('size', () => {
  test('a gzip file over 1 MiB compressed (level 0) is read whole from a file, as from a stream', async () => {
    const plain = pcapOf(1500, 1000); // 1.5 MB stored, so several 1 MiB read chunks
    const gz = gzipSync(plain, { level: 0 });
    expect(gz.length).toBeGreaterThan(1 << 20);
    const c = collector();
    const stats = await readCaptureFile(write('big.pcap.gz', gz), c);
    expect(stats).toMatchObject({ gzip: true, packets: 1500, damaged: false, truncated: false });
    expect(c.records).toEqual((await readBytes(plain)).c.records);
    expect(c.warnings).toEqual([]);
  });

  test('the CLI on a 1.4 MB gzip file: exit 0 and the report (was exit 13, nothing printed)', () => {
    const f = write('big2.pcap.gz', gzipSync(pcapOf(1400, 1000), { level: 0 }));
    const out = execFileSync('bin/tcptrace-ts', [f, '--json'], { encoding: 'utf8', timeout: 20000 });
    expect(JSON.parse(out).capture).toMatchObject({ gzip: true, packets: 1400 });
  });
});

describe('damage after intact data', () => {
  const plain = pcapOf(200);
  const gz = gzipSync(plain);
  const cases: [string, Uint8Array, RegExp][] = [
    ['a bad CRC-32', spoil(gz, 8), /CRC-32 mismatch/],
    ['a bad ISIZE', spoil(gz, 4), /length mismatch \(the trailer says \d+ bytes, 15224 were inflated\)/],
    [
      'bytes after the member',
      Buffer.concat([gz, Buffer.from('garbage!')]),
      /8 byte\(s\) after the end of the gzip data are not gzip/,
    ],
    ['one byte 0x1f after the member', Buffer.concat([gz, Buffer.from([0x1f])]), /1 byte\(s\) after the end/],
  ];
  test.each(cases)(
    '%s: every record, one damaged warning naming it, however chunked',
    async (_, bytes, re) => {
      const full = (await readBytes(plain)).c.records;
      for (const size of [7, 64, 1 << 20]) {
        const { stats, c } = await readBytes(bytes, size);
        expect(c.records).toEqual(full);
        expect(c.warnings).toEqual([
          expect.objectContaining({ kind: 'damaged', message: expect.stringMatching(re) }),
        ]);
        expect(stats).toMatchObject({ damaged: true, truncated: false, packets: 200 });
      }
    },
  );

  test('zero padding after the last member is ignored, as gzip -d does', async () => {
    const { stats, c } = await readBytes(Buffer.concat([gz, Buffer.alloc(512)]), 100);
    expect(c.records.length).toBe(200);
    expect(c.warnings).toEqual([]);
    expect(stats.damaged).toBe(false);
  });

  test('CLI: a small gzip with a bad CRC is analysed (was "empty file", exit 2); --strict exits 2', async () => {
    const f = write('crc.pcap.gz', spoil(gzipSync(pcapOf(20)), 8));
    const r = await cli([f, '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.capture).toMatchObject({ packets: 20, damaged: true });
    expect(r.stderr).toMatch(/warning: .*crc\.pcap\.gz: gzip data: CRC-32 mismatch/);
    const strict = await cli([f, '--strict']);
    expect(strict.code).toBe(2);
  });
});

describe('members', () => {
  test('concatenated members (cat a.gz b.gz, log rotation) are one stream, split anywhere', async () => {
    const plain = pcapOf(300);
    const full = (await readBytes(plain)).c.records;
    const parts = [0, 24, 1000, 5000, plain.length];
    const gz = Buffer.concat(parts.slice(1).map((end, i) => gzipSync(plain.subarray(parts[i], end))));
    for (const size of [1, 13, 4096]) {
      const { stats, c } = await readBytes(gz, size);
      expect(c.records).toEqual(full);
      expect(c.warnings).toEqual([]);
      expect(stats).toMatchObject({
        gzip: true,
        damaged: false,
        bytesRead: gz.length,
        dataBytes: plain.length,
      });
    }
  });

  test('a second member with a bad CRC is named as member 2; records of both are read', async () => {
    const plain = pcapOf(100);
    const gz = Buffer.concat([gzipSync(plain.subarray(0, 2000)), spoil(gzipSync(plain.subarray(2000)), 8)]);
    const { c } = await readBytes(gz, 333);
    expect(c.records.length).toBe(100);
    expect(c.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/^gzip member 2: CRC-32 mismatch/),
    ]);
  });

  test('header fields FEXTRA, FNAME, FCOMMENT and FHCRC are skipped (gzip -N, RFC 1952 2.3)', async () => {
    const plain = pcapOf(10);
    const body = gzipSync(plain).subarray(10); // deflate data and trailer
    const extra = [4, 0, 1, 2, 3, 4];
    const head = Buffer.from([
      0x1f,
      0x8b,
      8,
      2 | 4 | 8 | 16,
      0,
      0,
      0,
      0,
      0,
      3,
      ...extra,
      ...Buffer.from('a.pcap\0'),
      ...Buffer.from('note\0'),
      0xaa,
      0xbb,
    ]);
    for (const size of [1, 5, 1000]) {
      const { stats, c } = await readBytes(Buffer.concat([head, body]), size);
      expect(c.records.length).toBe(10);
      expect(c.warnings).toEqual([]);
      expect(stats.damaged).toBe(false);
    }
  });

  test('cut inside the trailer or inside a second header: every record, a truncated warning', async () => {
    const plain = pcapOf(50);
    const gz = gzipSync(plain);
    for (const bytes of [gz.subarray(0, gz.length - 3), Buffer.concat([gz, gz.subarray(0, 5)])]) {
      const { stats, c } = await readBytes(bytes, 64);
      expect(c.records.length).toBe(50);
      expect(c.warnings.map((w) => w.kind)).toEqual(['truncated']);
      expect(stats.truncated).toBe(true);
    }
  });
});
