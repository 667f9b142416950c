/** writeJson streams long arrays but must print exactly jsonSafe(JSON.stringify(value)) + '\n'. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Analysis, analyze } from '../../src/analyze.js';
import { readCaptureFiles } from '../../src/capture/reader.js';
import { writeJson, writeJsonTo } from '../../src/cli/json-out.js';
import { jsonSafe } from '../../src/report/sanitize.js';
import { must } from '../../src/model/checked.js';

const BIN = join(import.meta.dirname, '../../bin/tcptrace-ts');
const BUNDLE = join(import.meta.dirname, '../../dist/tcptrace-ts.js');

/** What the CLI prints for `v`: JSON.stringify's text, terminal-safe. */
const expected = (v: unknown) => `${jsonSafe(JSON.stringify(v))}\n`;

function streamed(v: unknown): { text: string; writes: number } {
  const parts: string[] = [];
  writeJson((s) => parts.push(s), v);
  return { text: parts.join(''), writes: parts.length };
}

const conn = (id: number) => ({
  id,
  client: { addr: '10.0.0.1', port: 40000 + id, isn: null, mss: 1460 },
  start: 1763726400.123456 + id / 7,
  history: 'ShADadFf\u2028"\\',
  transitions: [{ t: 1.5, endpoint: 'client', from: 'CLOSED', to: 'SYN_SENT' }],
  skipped: undefined,
});

describe('writeJson', () => {
  it.each([
    ['scalars', [null, 0, -1.5, 'x', true]],
    ['an empty object', {}],
    ['a short array', [1, 2, 3]],
    ['undefined and function members', { a: undefined, b: () => 1, c: 1, d: [undefined, () => 2] }],
    ['nested objects', { capture: { files: ['a'], skipped: { 'non-tcp': 2 } }, gate: null }],
  ])('%s', (_name, v) => {
    expect(streamed(v).text).toBe(expected(v));
  });

  it.each([511, 512, 513, 1024, 1025, 5000])('a report with %i connections, in pieces', (n) => {
    const report = {
      version: 1,
      capture: { files: ['big.pcap'], packets: n * 10 },
      connections: Array.from({ length: n }, (_, i) => conn(i + 1)),
      anomalies: [],
      states: { client: { TIME_WAIT: n } },
    };
    const { text, writes } = streamed(report);
    expect(text).toBe(expected(report));
    if (n > 512) expect(writes).toBeGreaterThan(2);
  });

  it.each([0, 1, 512, 1300])('%i connections made on demand (AnalysisResult.deferred)', (n) => {
    const all = Array.from({ length: n }, (_, i) => conn(i + 1));
    const report = { version: 1, capture: { packets: 1 }, connections: [], anomalies: [{ kind: 'x' }] };
    const parts: string[] = [];
    const asked: number[] = [];
    writeJson((t) => parts.push(t), report, {
      key: 'connections',
      count: n,
      slice: (i, j) => {
        asked.push(j - i);
        return all.slice(i, j);
      },
    });
    expect(parts.join('')).toBe(expected({ ...report, connections: all }));
    expect(Math.max(0, ...asked)).toBeLessThanOrEqual(512);
  });

  it('a real report written from the engine (deferred connections, connectionJson)', async () => {
    const path = join(import.meta.dirname, '../../fixtures/time-wait-storm.pcap');
    const { report } = await analyze(path);
    const a = new Analysis();
    const res = a.finish(await readCaptureFiles([path], a.sink), { deferConnections: true });
    expect(res.report.connections).toEqual([]);
    const parts: string[] = [];
    writeJson((t) => parts.push(t), res.report, {
      key: 'connections',
      ...must(res.deferred, 'res.deferred'),
    });
    expect(parts.join('')).toBe(expected(report));
  });

  it('writeJsonTo waits for a slow stream to drain: the report is not queued whole', async () => {
    const report = {
      version: 1,
      connections: Array.from({ length: 3000 }, (_, i) => conn(i + 1)),
      anomalies: [],
    };
    const chunks: string[] = [];
    let maxQueued = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        setImmediate(done);
      },
    });
    const origWrite = slow.write.bind(slow);
    slow.write = ((c: string) => {
      const ok = origWrite(c);
      maxQueued = Math.max(maxQueued, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    await writeJsonTo(slow, report);
    await new Promise<void>((r) => slow.end(r));
    expect(chunks.join('')).toBe(expected(report));
    // One piece beyond the high-water mark at most (pieces are <= ~64 KB plus a batch).
    expect(maxQueued).toBeLessThan(256 * 1024);
    expect(expected(report).length).toBeGreaterThan(500_000);
  });

  it('writeJsonTo with connections written as bytes: a stream that answers later, and one that keeps every chunk it was given', async () => {
    const path = join(import.meta.dirname, '../../fixtures/time-wait-storm.pcap');
    const { report } = await analyze(path);
    const a = new Analysis();
    const res = a.finish(await readCaptureFiles([path], a.sink), { deferConnections: true });
    for (const slowly of [true, false]) {
      const chunks: Buffer[] = [];
      const out = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _enc, done) {
          // Held until later (slowly), or copied and released at once.
          if (slowly) {
            setImmediate(() => {
              chunks.push(chunk);
              done();
            });
          } else {
            // Done at once, but the chunk is kept (not copied): it must not be reused.
            chunks.push(chunk);
            done();
          }
        },
      });
      await writeJsonTo(out, res.report, { key: 'connections', ...must(res.deferred, 'res.deferred') });
      await new Promise<void>((r) => out.end(r));
      expect(Buffer.concat(chunks).toString('utf8')).toBe(expected(report));
    }
  });

  it("bin/tcptrace-ts --json through a pipe (pieces of bytes reused on stdout) prints the engine's report", async () => {
    expect(existsSync(BUNDLE), 'run `npm run build` first').toBe(true);
    const path = join(import.meta.dirname, '../../fixtures/time-wait-storm.pcap');
    const { report } = await analyze(path);
    const out = execFileSync(process.execPath, [BIN, '--json', path], { maxBuffer: 1 << 28 });
    expect(out.length).toBeGreaterThan(500_000);
    expect(out.toString('utf8')).toBe(expected(report));
  });

  it('a real report', async () => {
    const { report } = await analyze(join(import.meta.dirname, '../../fixtures/time-wait-storm.pcap'));
    expect(report.connections.length).toBeGreaterThan(512);
    expect(streamed(report).text).toBe(expected(report));
    const many = { version: 1, captures: [{ name: 'a', report }], gate: null };
    expect(streamed(many).text).toBe(expected(many));
  });
});
