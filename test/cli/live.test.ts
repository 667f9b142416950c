/**
 * Live mode (issue 7): a capture piped into `tcptrace-ts -` is analysed as it
 * arrives. Anomalies are reported before the input ends, and SIGINT ends the
 * run with the full report of what was read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { makeIo, PushStdin } from './harness.js';

const F = (n: string) => readFileSync(join(import.meta.dirname, '../../fixtures', `${n}.pcap`));

/**
 * A fixture as if captured now (live traffic): every record's time shifted so that
 * the first is the wall clock. Live anomaly lines are printed only for traffic
 * happening now; a stored capture piped in prints the report alone.
 */
function now(n: string): Buffer {
  const b = Buffer.from(F(n));
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${n}: expected a little-endian µs pcap`);
  const shift = Math.floor(Date.now() / 1000) - b.readUInt32LE(24);
  for (let o = 24; o + 16 <= b.length; o += 16 + b.readUInt32LE(o + 8)) {
    b.writeUInt32LE(b.readUInt32LE(o) + shift, o);
  }
  return b;
}

describe('live mode: tcpdump -U -w - | tcptrace-ts -', () => {
  it('an anomaly event arrives before the end of input', async () => {
    const stdin = new PushStdin();
    const { io, stdout } = makeIo(stdin);
    const done = run(['-', '--ndjson'], io);
    const bytes = F('connection-refused');
    stdin.push(bytes);
    // The pipe stays open: the anomaly must be out already.
    await stdout.waitFor(/"type":"anomaly".*"connection-refused"/);
    expect(stdout.text).not.toContain('"type":"summary"');
    stdin.end();
    expect(await done).toBe(0);
    expect(stdout.text).toContain('"type":"summary"');
  });

  it('bytes arriving one small chunk at a time give the same report as the file', async () => {
    const bytes = F('simultaneous-close');
    const stdin = new PushStdin();
    const { io, stdout } = makeIo(stdin);
    const done = run(['-', '--json'], io);
    for (let i = 0; i < bytes.length; i += 7) stdin.push(bytes.subarray(i, i + 7));
    stdin.end();
    expect(await done).toBe(0);
    const live = JSON.parse(stdout.text);
    const { io: io2, stdout: out2 } = makeIo();
    await run([join(import.meta.dirname, '../../fixtures/simultaneous-close.pcap'), '--json'], io2);
    const file = JSON.parse(out2.text);
    expect(
      live.connections.map((c: { client: { state: string }; server: { state: string } }) => [
        c.client.state,
        c.server.state,
      ]),
    ).toEqual(
      file.connections.map((c: { client: { state: string }; server: { state: string } }) => [
        c.client.state,
        c.server.state,
      ]),
    );
  });

  it('SIGINT ends the run with the full report and the gate exit code', async () => {
    const stdin = new PushStdin();
    const { io, stdout, stderr, signals } = makeIo(stdin);
    const done = run(['-', '--fail-on', 'error'], io);
    stdin.push(now('close-unread-data'));
    await stdout.waitFor(/mid-stream-rst/);
    signals.emit('SIGINT');
    const code = await done;
    expect(code).toBe(1);
    expect(stdout.text).toMatch(/Endpoint states/);
    expect(stdout.text).toMatch(/FAILED/);
    expect(stderr.text).toMatch(/interrupted/);
  });

  it('a stored capture piped in (cat f.pcap | tcptrace-ts -) prints what the file prints', async () => {
    const file = join(import.meta.dirname, '../../fixtures/lossy-download.pcap');
    const fromFile = await (async () => {
      const { io, stdout } = makeIo();
      expect(await run([file], io)).toBe(0);
      return stdout.text;
    })();
    const stdin = new PushStdin();
    const { io, stdout } = makeIo(stdin);
    const done = run(['-'], io);
    stdin.push(F('lossy-download'));
    stdin.end();
    expect(await done).toBe(0);
    expect(fromFile).toMatch(/retransmission-burst/);
    expect(stdout.text).toBe(fromFile.replace(file, '-'));
  });
});

describe('live mode through the real process', () => {
  it('a pipe that stays open, then SIGINT: anomaly first, full report at exit', async () => {
    const { spawn } = await import('node:child_process');
    const bin = join(import.meta.dirname, '../../bin/tcptrace-ts');
    const p = spawn(process.execPath, [bin, '-', '--ndjson'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d.toString();
    });
    p.stdin.write(F('connection-refused'));
    const deadline = Date.now() + 10_000;
    while (!out.includes('"type":"anomaly"') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('"kind":"connection-refused"');
    expect(out).not.toContain('"type":"summary"');
    p.kill('SIGINT');
    const code = await new Promise<number | null>((r) => p.on('close', (c) => r(c)));
    expect(code).toBe(0);
    expect(out).toContain('"type":"summary"');
  });
});

describe('backpressure', () => {
  it('a slow consumer of --ndjson holds reading back: buffered output stays bounded', async () => {
    const { Writable } = await import('node:stream');
    const { EventEmitter } = await import('node:events');
    let maxBuffered = 0;
    let text = '';
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk, _enc, cb) {
        text += chunk.toString();
        setTimeout(cb, 1);
      },
    });
    const probe = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
    }, 0);
    const bytes = F('time-wait-storm');
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
    }
    const io = {
      stdout: slow,
      stderr: new Writable({ write: (_c, _e, cb) => cb() }),
      stdin: chunks(),
      env: { NO_COLOR: '1' },
      cwd: process.cwd(),
      signals: new EventEmitter(),
    };
    const code = await run(['-', '--ndjson'], io);
    while (slow.writableLength > 0) await new Promise((r) => setTimeout(r, 5));
    clearInterval(probe);
    expect(code).toBe(0);
    expect(
      text
        .trim()
        .split('\n')
        .filter((l) => l.includes('"type":"connection"')),
    ).toHaveLength(600);
    // Without backpressure all ~600 events (~700 KB) pile up in the stream's buffer.
    expect(maxBuffered).toBeLessThan(200 * 1024);
  });
});

describe('library API', () => {
  it("import { analyze } from 'tcptrace-ts' works (package self-reference, built dist/)", async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { analyze } from 'tcptrace-ts'; const { report } = await analyze('fixtures/close-wait-stuck.pcap'); console.log(report.connections[0].server.state)",
      ],
      { cwd: join(import.meta.dirname, '../..'), encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('CLOSE_WAIT');
  });
});
