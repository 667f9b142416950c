/**
 * The benchmark tools run the real engine. bench/stage.mjs (`npm run bench --
 * --stages`): each stage goes over every record, and the counts it prints agree
 * with what the CLI reports for the same capture; the JS floor counts the same
 * frames; bench/alloc.mjs reports the garbage of its last run by function.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CAPTURE = join(ROOT, 'fixtures/port-reuse-client-tw.pcap');

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bench/stage.mjs', () => {
  expect(existsSync(join(ROOT, 'dist/analyze.js')), 'run `npm run build` first').toBe(true);
  const cli = JSON.parse(node([join(ROOT, 'bin/tcptrace-ts'), '--json', CAPTURE]).stdout) as {
    capture: { packets: number; tcpPackets: number };
    connections: unknown[];
  };

  it.each([
    ['read', `${cli.capture.packets} records, 0 segments, 0 connections`],
    ['decode', `${cli.capture.packets} records, ${cli.capture.tcpPackets} segments, 0 connections`],
    [
      'tracker',
      `${cli.capture.packets} records, ${cli.capture.tcpPackets} segments, ${cli.connections.length} connections`,
    ],
    [
      'zeek',
      `${cli.capture.packets} records, ${cli.capture.tcpPackets} segments, ${cli.connections.length} connections`,
    ],
    ['engine', `${cli.capture.packets} packets, ${cli.connections.length} connections`],
  ])('stage %s goes through the whole capture', (stage, expected) => {
    const r = node([join(ROOT, 'bench/stage.mjs'), stage, CAPTURE]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(expected);
  });

  it('refuses an unknown stage with its usage and exit code 2', () => {
    const r = node([join(ROOT, 'bench/stage.mjs'), 'json', CAPTURE]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^usage: node bench\/stage\.mjs <read\|decode\|tracker\|zeek\|engine> <capture>/,
    );
  });

  it('the JS floor counts every frame of the capture', () => {
    const r = node([join(ROOT, 'bench/floor.mjs'), CAPTURE]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${cli.capture.packets} packets, `));
  });
});

describe('bench/alloc.mjs', () => {
  it('samples the last of several in-process runs and reports bytes per packet by function', () => {
    const r = node([join(ROOT, 'bench/alloc.mjs'), CAPTURE, '--runs', '2', '--top', '3']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^21 packets, 2 connections; run 2 of 2: \d+\.\d bytes allocated per packet \(\d+ per connection\)$/,
    );
    expect(lines.slice(1)).toHaveLength(3);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ *\d+\.\d B\/packet {2}\S/);
  });

  it('refuses a missing capture with its usage and exit code 2', () => {
    const r = node([join(ROOT, 'bench/alloc.mjs')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage: node bench\/alloc\.mjs <capture>/);
  });
});
