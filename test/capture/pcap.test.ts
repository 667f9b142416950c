import { describe, expect, test } from 'vitest';
import { PcapParser } from '../../src/capture/pcap.js';
import { ReadSession } from '../../src/capture/parser.js';
import { CaptureError, type PacketRecord } from '../../src/capture/record.js';
import { collector, hex, type PcapRec, payload, pcap, readBytes } from './helpers.js';
import { at } from '../../src/model/checked.js';

const RECS: PcapRec[] = [
  { sec: 1700000000, frac: 1, data: payload(60, 1) },
  { sec: 1700000000, frac: 999999, data: payload(54, 2), orig: 1514 },
  { sec: 1700000001, frac: 500000, data: payload(1, 3) },
  { sec: 1700000002, frac: 0, data: payload(0, 4) },
  { sec: 4294967295, frac: 0, data: payload(77, 5) },
];

describe('classic pcap', () => {
  test.each([
    ['little-endian', true],
    ['big-endian', false],
  ])('%s microsecond records: lengths, timestamps, bytes, frame numbers', async (_n, le) => {
    const { stats, c } = await readBytes(pcap(RECS, { le, network: 113 }));
    expect(c.records).toEqual(
      RECS.map((r, i) => ({
        frame: i + 1,
        tsSec: r.sec,
        tsNsec: r.frac * 1000,
        capLen: r.data.length,
        origLen: r.orig ?? r.data.length,
        linkType: 113,
        iface: 0,
        data: hex(r.data),
      })),
    );
    expect(c.warnings).toEqual([]);
    expect(stats).toMatchObject({
      format: 'pcap',
      formats: ['pcap'],
      packets: 5,
      linkTypes: [113],
      gzip: false,
    });
    expect(stats.files[0]).toMatchObject({ truncated: false, damaged: false, start: 1700000000.000001 });
  });

  test.each([
    ['little-endian', true],
    ['big-endian', false],
  ])('%s nanosecond pcap keeps every nanosecond', async (_n, le) => {
    const recs = [
      { sec: 1700000000, frac: 123456789, data: payload(40) },
      { sec: 1700000000, frac: 999999999, data: payload(40) },
    ];
    const { stats, c } = await readBytes(pcap(recs, { le, nano: true }));
    expect(c.records.map((r) => [r.tsSec, r.tsNsec])).toEqual([
      [1700000000, 123456789],
      [1700000000, 999999999],
    ]);
    expect(stats.format).toBe('pcap-ns');
  });

  test('modified (Kuznetzov) pcap: 24-byte record headers', async () => {
    const recs = [
      { sec: 1, frac: 2, data: payload(98) },
      { sec: 3, frac: 4, data: payload(20) },
    ];
    for (const le of [true, false]) {
      const { c } = await readBytes(pcap(recs, { le, modified: true }));
      expect(c.records.map((r) => [r.tsSec, r.tsNsec, r.capLen, r.data])).toEqual([
        [1, 2000, 98, hex(at(recs, 0).data)],
        [3, 4000, 20, hex(at(recs, 1).data)],
      ]);
    }
  });

  test('before 2.3 len came before caplen (libpcap swaps them); 2.3 swaps only when caplen > len', async () => {
    const recs = [{ sec: 1, frac: 0, data: payload(60), orig: 1514 }];
    const old = await readBytes(pcap(recs, { minor: 2, swapLens: true }));
    expect(old.c.records[0]).toMatchObject({ capLen: 60, origLen: 1514 });
    const v23swapped = await readBytes(pcap(recs, { minor: 3, swapLens: true }));
    expect(v23swapped.c.records[0]).toMatchObject({ capLen: 60, origLen: 1514 });
    const v23 = await readBytes(pcap(recs, { minor: 3 }));
    expect(v23.c.records[0]).toMatchObject({ capLen: 60, origLen: 1514 });
    const dgux = await readBytes(pcap(recs, { major: 543, minor: 0, swapLens: true }));
    expect(dgux.c.records[0]).toMatchObject({ capLen: 60, origLen: 1514 });
    const v20 = await readBytes(pcap([{ sec: 1, frac: 0, data: payload(60) }], { minor: 0 }));
    expect(v20.c.records).toHaveLength(1);
  });

  test.each([
    [1, 4, 'unsupported pcap savefile version 1.4'],
    [2, 5, 'unsupported pcap savefile version 2.5'],
    [3, 0, 'unsupported pcap savefile version 3.0'],
    [543, 1, 'unsupported pcap savefile version 543.1'],
  ])('version %d.%d is refused as libpcap does', async (major, minor, msg) => {
    await expect(readBytes(pcap(RECS, { major, minor }))).rejects.toThrow(msg);
    await expect(readBytes(pcap(RECS, { major, minor }))).rejects.toBeInstanceOf(CaptureError);
  });

  test('link-type field: FCS bits are masked off, reserved bits refuse the file', async () => {
    // tcpdump/heapoverflow-tcp_print.pcap has 0x30000001: FCS length 3, Ethernet.
    const fcs = await readBytes(pcap(RECS, { network: 0x30000001 }));
    expect(at(fcs.c.records, 0).linkType).toBe(1);
    const fcsPresent = await readBytes(pcap(RECS, { network: 0x24000000 | 101 }));
    expect(fcsPresent.stats.linkTypes).toEqual([101]);
    await expect(readBytes(pcap(RECS, { network: 0x00300000 }))).rejects.toThrow(
      'savefile linktype reserved field not zero (0x00300000)',
    );
  });

  test('a record header claiming more than 256 KiB stops the file with a damaged warning', async () => {
    const good = pcap(RECS.slice(0, 2));
    const bad = pcap([{ sec: 1, frac: 0, data: payload(10), cap: 3925868813 }]).subarray(24);
    const after = pcap([{ sec: 9, frac: 0, data: payload(10) }]).subarray(24);
    const { stats, c } = await readBytes(Buffer.concat([good, bad, after]), 7);
    expect(c.records).toHaveLength(2);
    expect(c.warnings).toEqual([
      expect.objectContaining({
        kind: 'damaged',
        offset: good.length,
        message: expect.stringContaining('3925868813'),
      }),
    ]);
    expect(stats).toMatchObject({ damaged: true, truncated: false, packets: 2 });
  });

  test('BIG TCP record (80 KB) under a 262144 snaplen is read, across many small chunks', async () => {
    const big = payload(80052, 9);
    const { c } = await readBytes(pcap([{ sec: 1, frac: 0, data: big }, ...RECS], { snaplen: 262144 }), 1000);
    expect(at(c.records, 0).data).toBe(hex(big));
    expect(c.records).toHaveLength(6);
    expect(c.warnings).toEqual([]);
  });

  test('caplen over a sane snaplen is read whole (libpcap reads it too) with one warning', async () => {
    const recs = [
      { sec: 1, frac: 0, data: payload(200) },
      { sec: 2, frac: 0, data: payload(300) },
      { sec: 3, frac: 0, data: payload(50) },
    ];
    const { c } = await readBytes(pcap(recs, { snaplen: 100 }));
    expect(c.records.map((r) => r.capLen)).toEqual([200, 300, 50]);
    expect(c.warnings).toEqual([
      expect.objectContaining({
        kind: 'other',
        message: expect.stringMatching(/^2 record\(s\) longer .* frame 1/),
      }),
    ]);
  });

  test('invalid fractions are carried into the seconds, with one warning per file', async () => {
    const ns = pcap(
      [
        { sec: 10, frac: 5, data: payload(4) },
        { sec: 10, frac: 1_000_000_000, data: payload(4) },
        { sec: 10, frac: 4_294_967_295, data: payload(4) },
      ],
      { nano: true },
    );
    const a = await readBytes(ns);
    expect(a.c.records.map((r) => [r.tsSec, r.tsNsec])).toEqual([
      [10, 5],
      [11, 0],
      [14, 294967295],
    ]);
    expect(a.c.warnings).toEqual([
      expect.objectContaining({
        kind: 'invalid-timestamp',
        frame: 2,
        message: expect.stringMatching(/^2 record/),
      }),
    ]);
    const us = await readBytes(pcap([{ sec: 10, frac: 2_500_000, data: payload(4) }]));
    expect(us.c.records.map((r) => [r.tsSec, r.tsNsec])).toEqual([[12, 500000000]]);
    expect(us.c.warnings.map((w) => w.kind)).toEqual(['invalid-timestamp']);
  });

  test('time going backwards: records kept in file order, one warning with count and first frame', async () => {
    const recs = [5, 6, 4, 7, 3, 3, 8].map((sec) => ({ sec, frac: 0, data: payload(4) }));
    const { c } = await readBytes(pcap(recs));
    expect(c.records.map((r) => r.tsSec)).toEqual([5, 6, 4, 7, 3, 3, 8]);
    expect(c.warnings).toEqual([
      expect.objectContaining({
        kind: 'time-backwards',
        frame: 3,
        message: expect.stringContaining('2 time'),
      }),
    ]);
  });

  test('cut at every offset: header cuts are CaptureErrors, later cuts give the whole records and a truncated warning', async () => {
    const file = pcap(RECS, { nano: true });
    // Offsets where each record ends.
    const ends: number[] = [];
    let o = 24;
    for (const r of RECS) {
      o += 16 + r.data.length;
      ends.push(o);
    }
    const full = (await readBytes(file)).c.records;
    for (let cut = 0; cut <= file.length; cut++) {
      const part = file.subarray(0, cut);
      if (cut < 24) {
        await expect(readBytes(part, 5)).rejects.toBeInstanceOf(CaptureError);
        continue;
      }
      const { stats, c } = await readBytes(part, 5);
      const complete = ends.filter((e) => e <= cut).length;
      expect(c.records).toEqual(full.slice(0, complete));
      const start = complete === 0 ? 24 : at(ends, complete - 1);
      if (cut === start) {
        expect(c.warnings).toEqual([]);
        expect(stats.truncated).toBe(false);
      } else {
        const have = cut - start;
        const missing = have < 16 ? 16 - have : 16 + at(RECS, complete).data.length - have;
        expect(c.warnings).toEqual([expect.objectContaining({ kind: 'truncated', offset: start, missing })]);
        expect(stats.truncated).toBe(true);
      }
    }
  });

  test('any chunking, down to one byte at a time, gives identical records', async () => {
    const file = pcap([...RECS, { sec: 5, frac: 5, data: payload(3000) }], { le: false });
    const whole = (await readBytes(file)).c.records;
    for (const size of [1, 2, 3, 15, 16, 17, 23, 24, 25, 100, 1499]) {
      expect((await readBytes(file, size)).c.records).toEqual(whole);
    }
  });

  test('push parser: records point into the chunk (no copy), one PacketRecord object is reused', () => {
    const file = pcap(RECS);
    const session = new ReadSession();
    const seen: { rec: PacketRecord; buf: Uint8Array }[] = [];
    const sink = { record: (r: PacketRecord) => seen.push({ rec: r, buf: r.buf }), warning() {} };
    const p = new PcapParser('x', sink, session);
    const cut = 24 + 16 + 60 + 10; // the second record straddles the two chunks
    const a = file.slice(0, cut);
    const b = file.slice(cut);
    p.push(a);
    expect(seen).toHaveLength(1);
    expect(at(seen, 0).buf).toBe(a);
    p.push(b);
    p.end();
    expect(seen).toHaveLength(5);
    expect(at(seen, 1).buf).not.toBe(a); // carried over: the one copy
    expect(at(seen, 1).buf).not.toBe(b);
    for (const s of seen.slice(2)) expect(s.buf).toBe(b);
    expect(new Set(seen.map((s) => s.rec)).size).toBe(1);
    expect(at(seen, 0).rec).toBe(session.rec);
  });

  test('records arrive as soon as their bytes do (slow pipe)', () => {
    const file = pcap(RECS);
    const c = collector();
    const p = new PcapParser('x', c, new ReadSession());
    let delivered = 0;
    let o = 24;
    p.push(file.subarray(0, 24));
    for (let i = 0; i < RECS.length; i++) {
      const end = o + 16 + at(RECS, i).data.length;
      p.push(file.slice(o, end - 1));
      expect(c.records).toHaveLength(delivered);
      p.push(file.slice(end - 1, end));
      expect(c.records).toHaveLength(++delivered);
      o = end;
    }
  });
});
