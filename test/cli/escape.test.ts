/**
 * Terminal injection (issue 24, defect 3): `--format github`, the annotations
 * GITHUB_ACTIONS=true adds to the text report, and one-line errors on stderr
 * escape ESC, BEL, C1 controls and bidi overrides from file names and config
 * values, as every other format does.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-escape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ESC ] (an OSC title sequence) ended by BEL, CSI as the C1 control U+009B, and RIGHT-TO-LEFT OVERRIDE.
const NASTY = 'a\u001b]0;owned\u0007\u009b31m\u202eb';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const capture = join(dir, `${NASTY}.pcap`);
copyFileSync('fixtures/connection-refused.pcap', capture);

describe('no raw control characters or bidi overrides', () => {
  test('--format github: file names in titles and messages are escaped', async () => {
    const r = await cli([capture, '--format', 'github', '--fail-on', 'error,warning']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=/m);
    expect(r.stdout).toContain('a\\x1b]0;owned\\x07\\x9b31m\\u202eb.pcap');
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stderr).not.toMatch(RAW);
  });

  test('GITHUB_ACTIONS=true: the annotations after the text report are escaped too', async () => {
    const r = await cli([capture, '--fail-on', 'error,warning'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=/m);
    expect(r.stdout).not.toMatch(RAW);
  });

  test('a config value with a right-to-left override: the one-line error on stderr escapes it', async () => {
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify({ msl: '\u202e5s' }));
    const r = await cli(['--config', cfg, capture]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tcptrace-ts: .*invalid duration "\\u202e5s"/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(RAW);
  });

  test('a missing file whose name holds ESC and a bidi override: one escaped line', async () => {
    const r = await cli([join(dir, `${NASTY}.missing`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('\\x1b]0;owned');
    expect(r.stderr).not.toMatch(RAW);
  });
});
