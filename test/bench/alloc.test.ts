/**
 * Garbage per packet in the steady state, under a bound: what the rules of
 * docs/performance.md protect. bench/alloc.mjs (V8's sampling heap profiler,
 * the last of two in-process runs, so the hot path is optimized) analyses a
 * stream of bench/gen-stream.mjs's short connections (10 packets each, 64 at
 * a time, ended connections forgotten). Allocation does not depend on the
 * machine's load, so the bound can be tight: 1.5 times the figure measured
 * when it was set.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { must } from '../../src/model/checked.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PACKETS = 300_000;
/** Bytes allocated per packet: 428 on 2026-12-07 (most of it per connection: ~4.3 kB each), times 1.5. */
const BOUND = 640;

const dir = mkdtempSync(join(tmpdir(), 'tcptrace-alloc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('garbage per packet in the steady state', () => {
  it(`stays under ${BOUND} bytes a packet on ${PACKETS} packets of short connections`, () => {
    expect(existsSync(join(ROOT, 'dist/analyze.js')), 'run `npm run build` first').toBe(true);
    const capture = join(dir, 'short.pcap');
    const fd = openSync(capture, 'w');
    const gen = spawnSync(
      process.execPath,
      [join(ROOT, 'bench/gen-stream.mjs'), 'short', '--packets', String(PACKETS)],
      {
        stdio: ['ignore', fd, 'pipe'],
        timeout: 60_000,
      },
    );
    closeSync(fd);
    expect(gen.status).toBe(0);
    const r = spawnSync(
      process.execPath,
      ['--max-semi-space-size=4', join(ROOT, 'bench/alloc.mjs'), capture, '--runs', '2', '--top', '8'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = /^(\d+) packets, (\d+) connections; run 2 of 2: (\d+\.\d) bytes allocated per packet/.exec(
      r.stdout,
    );
    expect(m, r.stdout).not.toBeNull();
    expect(Number(must(m, 'm')[1])).toBe(PACKETS);
    expect(Number(must(m, 'm')[2])).toBeGreaterThan(PACKETS / 11);
    const perPacket = Number(must(m, 'm')[3]);
    // The sampler saw the analysis (a run that allocates nothing measured nothing).
    expect(perPacket).toBeGreaterThan(0);
    // On failure, the functions that allocate (bench/alloc.mjs's table) are the message.
    expect(perPacket, `bytes per packet over ${BOUND}; by function:\n${r.stdout}`).toBeLessThan(BOUND);
  });
});
