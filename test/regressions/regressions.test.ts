/**
 * Replays every input `npm run fuzz` (bench/fuzz.mjs) saved here: NAME.pcap is
 * the input, NAME.md says how it was found and what went wrong then. Each
 * must now end cleanly through the library (a valid report, or a one-line
 * CaptureError, within 10 s) and through the binary (exit 0, 1 or 2; valid
 * JSON with --json; one line on stderr for exit 2; no stack trace; no control
 * characters on the terminal).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { CaptureError } from '../../src/capture/record.js';
import { checkReport } from '../helpers/check-report.mjs';
import { chunks } from '../helpers/pcap-writer.js';

const DIR = import.meta.dirname;
const BIN = join(DIR, '../../bin/tcptrace-ts');
const SAVED = readdirSync(DIR)
  .filter((f) => f.endsWith('.pcap'))
  .sort();
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function library(bytes: Uint8Array): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no result in 10 s')), 10_000);
  });
  try {
    for (const chunk of [65536, 7]) {
      const { report } = await Promise.race([analyze(chunks(bytes, chunk)), limit]);
      expect(checkReport(report)).toEqual([]);
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    expect(e.message).not.toContain('\n');
  } finally {
    clearTimeout(timer);
  }
}

function binary(file: string): void {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  for (const args of [
    ['--json', file],
    [file, '--all'],
    ['--ndjson', file],
    ['ladder', file, '--conn', '1'],
  ]) {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      timeout: 10_000,
      env,
      maxBuffer: 1 << 28,
    });
    const what = args.join(' ');
    expect(r.signal, what).toBeNull();
    expect([0, 1, 2], `${what}: ${r.stderr}`).toContain(r.status);
    expect(r.stderr, what).not.toContain('    at ');
    expect(r.stderr, what).not.toContain('internal error');
    expect(r.stderr, what).not.toMatch(CONTROL);
    expect(r.stdout, what).not.toMatch(CONTROL);
    if (r.status === 2) {
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
    } else if (args[0] === '--json') {
      expect(checkReport(JSON.parse(r.stdout)), what).toEqual([]);
    } else if (args[0] === '--ndjson') {
      for (const line of r.stdout.trim().split('\n')) JSON.parse(line);
    }
  }
}

describe('inputs saved by the fuzzer end cleanly', () => {
  it('the saved inputs are there', () => expect(SAVED.length).toBeGreaterThanOrEqual(4));
  it.each(SAVED)(
    '%s',
    async (name) => {
      const file = join(DIR, name);
      const note = readFileSync(file.replace(/\.pcap$/, '.md'), 'utf8');
      expect(note).toMatch(/^signature: /m);
      await library(new Uint8Array(readFileSync(file)));
      binary(file);
    },
    60_000,
  );
});
