import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { readCaptureFile, readCaptureFiles, readCaptureStream } from '../../src/capture/reader.js';
import { CaptureError } from '../../src/capture/record.js';
import { chunked, collector, hex, Pcapng, payload, pcap, pieces, readBytes } from './helpers.js';
import { at } from '../../src/model/checked.js';

const dir = mkdtempSync(join(tmpdir(), 'capture-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A pcap of `n` records starting at second `t0`, one per second. */
function pcapAt(t0: number, n: number, seed = 0): Uint8Array {
  return pcap(
    Array.from({ length: n }, (_, i) => ({ sec: t0 + i, frac: i, data: payload(40 + i, seed + i) })),
  );
}

describe('recognised by content', () => {
  test('tcpdump text: streamed lines, CRLF, a line split across chunks, last line without line end', async () => {
    const text =
      '12:00:00.000001 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [S], seq 1, win 64240, length 0\r\n' +
      '12:00:00.000002 IP 10.0.0.2.80 > 10.0.0.1.1234: Flags [S.], seq 9, ack 2, win 65160, length 0\n' +
      '\n' +
      '12:00:00.000003 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [.], ack 1, win 502, length 0 ü';
    const expected = text.split(/\r?\n/);
    for (const size of [1, 3, 50, 10000]) {
      const { stats, c } = await readBytes(Buffer.from(text), size, 'cap.txt');
      expect(c.lines).toEqual(expected);
      expect(c.records).toEqual([]);
      expect(stats).toMatchObject({ format: 'tcpdump-text', text: true, textLines: 4, packets: 0 });
    }
  });

  test('text: a NUL byte (binary data) stops reading at its line with a damaged warning, however chunked', async () => {
    const bytes = Buffer.concat([
      Buffer.from('first line\nsecond line\nthi'),
      Buffer.from([0]),
      Buffer.from('rd\nx\n'),
    ]);
    for (const size of [1, 5, 100]) {
      const { stats, c } = await readBytes(bytes, size);
      expect(c.lines).toEqual(['first line', 'second line']);
      expect(c.warnings).toEqual([
        expect.objectContaining({
          kind: 'damaged',
          offset: 23,
          message: expect.stringContaining('offset 26'),
        }),
      ]);
      expect(stats.damaged).toBe(true);
    }
    // A cut gzip of text: the lines up to the cut and a truncated warning.
    const gz = gzipSync(Buffer.from('one\ntwo\n'.repeat(2000)));
    const cut = await readBytes(gz.subarray(0, gz.length - 10), 50);
    expect(cut.c.warnings.map((w) => w.kind)).toEqual(['truncated']);
    expect(cut.stats.truncated).toBe(true);
  });

  test('text input without a text sink, empty input, unknown binary: one-line CaptureErrors', async () => {
    const noText = collector({ text: false });
    await expect(readCaptureStream(pieces([Buffer.from('hello world\n')]), 'a.txt', noText)).rejects.toThrow(
      'a.txt: not a capture: the input is text',
    );
    await expect(readBytes(new Uint8Array(0), 10, 'e.pcap')).rejects.toThrow('e.pcap: empty file');
    const junk = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0, 0, 0, 0]);
    await expect(readBytes(junk, 10, 'j.bin')).rejects.toThrow(
      'j.bin: not a capture: unknown magic 0xdeadbeef',
    );
    await expect(readBytes(junk, 10, 'j.bin')).rejects.toBeInstanceOf(CaptureError);
    await expect(readBytes(Uint8Array.of(0xd4, 0xc3), 10, 's.pcap')).rejects.toThrow(
      'truncated capture file header',
    );
  });

  test('gzip: pcap, pcapng and text give what the plain input gives; sizes before and after', async () => {
    const inputs = [
      pcapAt(1700000000, 50),
      new Pcapng().shb(false).idb(1, { tsresol: 9 }).epb(0, 5n, payload(3000)).spb(payload(9)).bytes(),
    ];
    for (const plain of inputs) {
      const gz = gzipSync(plain);
      const a = await readBytes(plain);
      for (const size of [1, 7, 1 << 20]) {
        const b = await readBytes(gz, size);
        expect(b.c.records).toEqual(a.c.records);
        expect(b.c.warnings).toEqual([]);
        expect(b.stats).toMatchObject({ gzip: true, bytesRead: gz.length, dataBytes: plain.length });
      }
    }
    const t = await readBytes(gzipSync(Buffer.from('a line\nanother\n')), 2);
    expect(t.c.lines).toEqual(['a line', 'another']);
    expect(t.stats).toMatchObject({ gzip: true, text: true });
    // Several gzip members in a row are one stream (as gunzip and zcat read them).
    const two = Buffer.concat([
      gzipSync(at(inputs, 0).subarray(0, 100)),
      gzipSync(at(inputs, 0).subarray(100)),
    ]);
    expect((await readBytes(two, 33)).c.records).toEqual((await readBytes(at(inputs, 0))).c.records);
  });

  test('a cut gzip file: the records before the cut, a truncated warning, no exception', async () => {
    const plain = pcapAt(1700000000, 200);
    const full = (await readBytes(plain)).c.records;
    const gz = gzipSync(plain);
    await expect(readBytes(gz.subarray(0, 11), 64)).rejects.toThrow(
      'truncated gzip file: it ends before any data',
    );
    for (const cut of [400, Math.floor(gz.length / 2), gz.length - 20, gz.length - 1]) {
      const { stats, c } = await readBytes(gz.subarray(0, cut), 64);
      expect(full.slice(0, c.records.length)).toEqual(c.records);
      expect(c.warnings.map((w) => w.kind)).toEqual(['truncated']);
      expect(stats.truncated).toBe(true);
    }
  });

  test('corrupt gzip data: the records before it, one damaged warning', async () => {
    const plain = pcapAt(1700000000, 200);
    const full = (await readBytes(plain)).c.records;
    // A bad CRC is only seen at the end: every record, then the warning (gzip.test.ts has more).
    const badCrc = Buffer.from(gzipSync(plain));
    badCrc[badCrc.length - 8] = badCrc.readUInt8(badCrc.length - 8) ^ 0xff;
    const a = await readBytes(badCrc, 64);
    expect(a.c.records).toEqual(full);
    expect(a.c.warnings).toEqual([
      expect.objectContaining({
        kind: 'damaged',
        message: expect.stringMatching(/^gzip data: CRC-32 mismatch/),
      }),
    ]);
    // Garbage in the middle: zlib or the pcap framing notices first; either way one damaged warning.
    const mid = Buffer.from(gzipSync(plain));
    mid.fill(0xff, 200, 260);
    const b = await readBytes(mid, 64);
    expect(b.c.warnings.map((w) => w.kind)).toEqual(['damaged']);
    expect(b.stats.damaged).toBe(true);
    expect(b.c.records.length).toBeLessThan(200);
  });
});

describe('files', () => {
  test('several files are one capture, read in time order (given in the wrong order); frames continue', async () => {
    const a = write('rot-1.pcap', pcapAt(1700000000, 3, 1));
    const b = write('rot-2.pcapng', new Pcapng().shb().idb(1).epb(0, 1700000010_000000n, payload(9)).bytes());
    const cPath = write('rot-3.pcap.gz', gzipSync(pcapAt(1700000020, 2, 3)));
    const sink = collector();
    const stats = await readCaptureFiles([cPath, a, b], sink);
    expect(sink.records.map((r) => [r.frame, r.tsSec])).toEqual([
      [1, 1700000000],
      [2, 1700000001],
      [3, 1700000002],
      [4, 1700000010],
      [5, 1700000020],
      [6, 1700000021],
    ]);
    expect(stats.files.map((f) => f.file)).toEqual([a, b, cPath]);
    expect(stats).toMatchObject({ packets: 6, format: 'pcap+pcapng', gzip: true, start: 1700000000 });
    expect(sink.warnings).toEqual([]);
    const given = collector();
    await readCaptureFiles([cPath, a, b], given, { order: 'given' });
    expect(given.records.map((r) => r.tsSec)).toEqual([
      1700000020, 1700000021, 1700000000, 1700000001, 1700000002, 1700000010,
    ]);
    expect(given.records.map((r) => r.frame)).toEqual([1, 2, 3, 4, 5, 6]);
    // Read in the given order, time went back at the second file: one warning for it.
    expect(given.warnings).toEqual([expect.objectContaining({ kind: 'time-backwards', file: a, frame: 3 })]);
  });

  test('many rotated files (more than are opened at once) come out in time order', async () => {
    const n = 40;
    const paths = Array.from({ length: n }, (_, i) =>
      write(`many-${i}.pcap`, pcapAt(1700000000 + i * 10, 2, i)),
    );
    const shuffled = paths.map((_p, i) => at(paths, (i * 17) % n));
    const sink = collector();
    const stats = await readCaptureFiles(shuffled, sink);
    expect(stats.files.map((f) => f.file)).toEqual(paths);
    expect(sink.records.map((r) => r.tsSec)).toEqual(
      Array.from({ length: n * 2 }, (_, i) => 1700000000 + Math.floor(i / 2) * 10 + (i % 2)),
    );
  });

  test('a text file keeps its place among files ordered by time', async () => {
    const t = write('notes.txt', 'line one\nline two\n');
    const late = write('late.pcap', pcapAt(1700000100, 1));
    const early = write('early.pcap', pcapAt(1700000000, 1));
    const sink = collector();
    const stats = await readCaptureFiles([late, t, early], sink);
    expect(stats.files.map((f) => f.file)).toEqual([early, t, late]);
    expect(sink.lines).toEqual(['line one', 'line two']);
  });

  test('missing file, directory, no permission: one-line CaptureErrors before anything is read', async () => {
    const sink = collector();
    const ok = write('ok.pcap', pcapAt(1, 1));
    await expect(readCaptureFile(join(dir, 'nope.pcap'), sink)).rejects.toThrow(
      `cannot open ${join(dir, 'nope.pcap')}: no such file`,
    );
    await expect(readCaptureFiles([ok, join(dir, 'nope.pcap')], sink)).rejects.toBeInstanceOf(CaptureError);
    expect(sink.records).toEqual([]);
    mkdirSync(join(dir, 'adir'), { recursive: true });
    await expect(readCaptureFile(join(dir, 'adir'), sink)).rejects.toThrow(': is a directory');
    const locked = write('locked.pcap', pcapAt(1, 1));
    chmodSync(locked, 0);
    if (process.getuid?.() !== 0) {
      await expect(readCaptureFile(locked, sink)).rejects.toThrow(`cannot open ${locked}: permission denied`);
    }
    await expect(readCaptureFiles(['-', '-'], sink)).rejects.toThrow(
      "standard input ('-') can be given only once",
    );
    await expect(readCaptureFiles([], sink)).rejects.toBeInstanceOf(CaptureError);
  });

  test('a file that is not a capture is refused before the others are read', async () => {
    const ok = write('fine.pcap', pcapAt(1700000000, 2));
    const bad = write('bad.pcap', Uint8Array.from([1, 2, 3, 4, 0, 0, 0, 0]));
    const sink = collector();
    await expect(readCaptureFiles([ok, bad], sink)).rejects.toThrow(
      `${bad}: not a capture: unknown magic 0x01020304`,
    );
    expect(sink.records).toEqual([]);
  });

  test('progress: at most once per chunk, bytes growing to the total size', async () => {
    const p = write('progress.pcap', pcapAt(1700000000, 500));
    const size = statSync(p).size;
    const calls: [number, number | undefined][] = [];
    await readCaptureFile(p, collector(), { chunkSize: 4096, onProgress: (b, t) => calls.push([b, t]) });
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(size / 4096));
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.at(-1)).toEqual([size, size]);
    for (let i = 1; i < calls.length; i++) expect(at(calls, i)[0]).toBeGreaterThan(at(calls, i - 1)[0]);
  });
});

describe('standard input and pipes', () => {
  test("'-' reads the given stdin stream (a real pipe from a child process)", async () => {
    const p = write('for-stdin.pcap', pcapAt(1700000000, 20));
    const child = spawn('cat', [p], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sink = collector();
    const stats = await readCaptureFiles(['-'], sink, { stdin: child.stdout });
    expect(stats).toMatchObject({ packets: 20, files: [expect.objectContaining({ file: '-' })] });
    const direct = collector();
    await readCaptureFile(p, direct);
    expect(sink.records).toEqual(direct.records);
  });

  test('a slow pipe (tcpdump -U -w -): each record reaches the sink before the writer sends the next', async () => {
    // The child writes the header and a record, then waits for "next" (sent by our sink) before the next record.
    const recs = pcapAt(1700000000, 5);
    const script = `
      const recs = Buffer.from(process.argv[1], 'hex');
      const out = [recs.subarray(0, 24 + 16 + 40 - 5), recs.subarray(24 + 16 + 40 - 5, 24 + 56)];
      let o = 24 + 56;
      for (let i = 1; i < 5; i++) { out.push(recs.subarray(o, o + 16 + 40 + i)); o += 16 + 40 + i; }
      let k = 0;
      const send = () => { if (k < out.length) process.stdout.write(out[k++]); else process.stdout.end(); };
      send(); setTimeout(send, 50);
      process.stdin.on('data', () => send());
    `;
    const child = spawn(process.execPath, ['-e', script, hex(recs)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const sink = collector();
    const record = sink.record;
    sink.record = (r) => {
      record(r);
      child.stdin.write('next\n');
    };
    const stats = await readCaptureStream(child.stdout, '-', sink);
    child.stdin.end();
    expect(stats.packets).toBe(5);
    expect(sink.records.map((r) => r.frame)).toEqual([1, 2, 3, 4, 5]);
  });

  test('abort: stops promptly while the pipe is silent, keeps what was read, no truncation reported', async () => {
    const file = pcapAt(1700000000, 3);
    const ac = new AbortController();
    let resolveHang: () => void = () => {};
    async function* source() {
      yield file.subarray(0, 24 + 56 + 10); // one record and part of the next
      await new Promise<void>((r) => {
        resolveHang = r;
      });
      yield file.subarray(24 + 56 + 10);
    }
    const sink = collector();
    const record = sink.record;
    sink.record = (r) => {
      record(r);
      setTimeout(() => ac.abort(), 10);
    };
    const t0 = Date.now();
    const stats = await readCaptureStream(source(), 'live', sink, { signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(stats).toMatchObject({ packets: 1, aborted: true, truncated: false });
    expect(sink.warnings).toEqual([]);
    resolveHang();
    // Aborted before the start: nothing read, no error.
    const before = await readCaptureFiles([write('x.pcap', file)], collector(), {
      signal: AbortSignal.abort(),
    });
    expect(before).toMatchObject({ packets: 0, aborted: true });
  });

  test('gzip from a slow pipe: each record reaches the sink once the compressor flushes it', async () => {
    const file = pcapAt(1700000000, 4);
    const z = createGzip();
    const out: Buffer[] = [];
    z.on('data', (d: Buffer) => out.push(d));
    const flush = () => new Promise<void>((r) => z.flush(constants.Z_SYNC_FLUSH, () => r()));
    let seen = 0;
    let wake: () => void = () => {};
    async function* source() {
      let o = 0;
      for (let i = 0; i < 4; i++) {
        const end = (i === 0 ? 24 : 0) + o + 16 + 40 + i;
        z.write(file.subarray(o, end));
        o = end;
        await flush();
        const chunk = Buffer.concat(out.splice(0));
        const want = i + 1;
        yield chunk;
        // Wait (bounded) for the sink to see record i+1 before sending more.
        await Promise.race([
          new Promise<void>((r) => {
            wake = r;
            if (seen >= want) r();
          }),
          new Promise((r) => setTimeout(r, 2000)),
        ]);
        expect(seen).toBe(want);
      }
      z.end();
      await new Promise((r) => z.on('end', r));
      yield Buffer.concat(out.splice(0));
    }
    const sink = collector();
    const record = sink.record;
    sink.record = (r) => {
      record(r);
      seen++;
      wake();
    };
    const stats = await readCaptureStream(source(), 'live.gz', sink);
    expect(stats).toMatchObject({ packets: 4, gzip: true, truncated: false });
  });

  test.skipIf(process.platform === 'win32')(
    'a named pipe among files is read as it comes, in its place',
    async () => {
      const fifo = join(dir, 'fifo.pcap');
      execFileSync('mkfifo', [fifo]);
      const early = write('before-fifo.pcap', pcapAt(1700000000, 2));
      const src = write('fifo-src.pcap', pcapAt(1600000000, 3));
      const child = spawn('sh', ['-c', `cat "${src}" > "${fifo}"`], { stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      const sink = collector();
      const stats = await readCaptureFiles([fifo, early], sink);
      await exited;
      // The pipe cannot be peeked (that would consume it): it keeps its place, first.
      expect(stats.files.map((f) => [f.file, f.packets])).toEqual([
        [fifo, 3],
        [early, 2],
      ]);
      expect(sink.records.map((r) => r.frame)).toEqual([1, 2, 3, 4, 5]);
    },
  );

  test('real standard input of a process: reads `-`, then the process exits by itself', async () => {
    // Compile the capture stage to plain JS so that a child node process can run it.
    const out = join(dir, 'build');
    const root = join(import.meta.dirname, '../..');
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--outDir',
        out,
        '--rootDir',
        root,
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--target',
        'ES2022',
        '--skipLibCheck',
        '--types',
        'node',
        join(root, 'src/capture/index.ts'),
      ],
      { cwd: root, stdio: 'inherit' },
    );
    const runner = write(
      'runner.mjs',
      `import { readCaptureFiles } from ${JSON.stringify(join(out, 'src/capture/index.js'))};
       let n = 0;
       const st = await readCaptureFiles(['-'], { record() { n++; }, warning(w) { console.log(w.kind); } });
       console.log(n, st.format, st.gzip);`,
    );
    const input = write('stdin.pcap.gz', gzipSync(pcapAt(1700000000, 25)));
    const child = spawn(process.execPath, [runner], { stdio: ['pipe', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    child.stdin.end(readFileSync(input));
    expect(await exited).toBe(0);
    expect(text.trim()).toBe('25 pcap true');

    // Live mode: stdin stays open; SIGINT aborts the read, what was read is kept, the process exits.
    const live = write(
      'live.mjs',
      `import { readCaptureFiles } from ${JSON.stringify(join(out, 'src/capture/index.js'))};
       const ac = new AbortController();
       process.on('SIGINT', () => ac.abort());
       let n = 0;
       const st = await readCaptureFiles(['-'], { record() { n++; console.log('rec', n); }, warning(w) { console.log(w.kind); } }, { signal: ac.signal });
       console.log('done', n, st.aborted, st.truncated);`,
    );
    const kid = spawn(process.execPath, [live], { stdio: ['pipe', 'pipe', 'inherit'] });
    let said = '';
    const sawTwo = new Promise<void>((r) =>
      kid.stdout.on('data', (d) => {
        said += d;
        if (said.includes('rec 2')) r();
      }),
    );
    const kidExit = new Promise<number | null>((r) => kid.on('exit', r));
    const bytes = pcapAt(1700000000, 3);
    kid.stdin.write(bytes.subarray(0, 24 + 56 + 57 + 10)); // two records and a bit of the third
    await sawTwo;
    kid.kill('SIGINT');
    expect(await kidExit).toBe(0);
    expect(said.trim().split('\n').at(-1)).toBe('done 2 true false');
  }, 120_000);

  test('records from a stream of 1-byte chunks equal those of one chunk', async () => {
    const file = pcapAt(1700000000, 30);
    const one = collector();
    await readCaptureStream(chunked(file, 1), 'x', one);
    const all = collector();
    await readCaptureStream(pieces([file]), 'x', all);
    expect(one.records).toEqual(all.records);
  });
});
