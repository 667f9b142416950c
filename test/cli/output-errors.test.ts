/**
 * Output errors (issue 24, defect 4): a full disk is exit 2 with one line that
 * names the error (was a Node stack trace and exit 1, the gate's code); a
 * closed stdout is exit 2 with one line (was exit 0 and nothing); a reader that
 * goes away (`| head`) stays quiet. The real binary in a shell, since these are
 * about the process's own file descriptors.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

const BIN = 'bin/tcptrace-ts';
const CAP = 'fixtures/time-wait-storm.pcap';

function sh(script: string) {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('output errors', () => {
  test.runIf(existsSync('/dev/full'))(
    '--json > /dev/full: exit 2, one line naming ENOSPC, no stack trace',
    () => {
      for (const fmt of ['--json', '--csv', '--ndjson', '--format=text']) {
        const r = sh(`exec ${BIN} ${CAP} ${fmt} > /dev/full`);
        expect(r.code, fmt).toBe(2);
        expect(r.stderr).toMatch(
          /^tcptrace-ts: cannot write to standard output: ENOSPC: no space left on device/,
        );
        expect(r.stderr).not.toMatch(/\n {4}at |node:internal/);
        expect(
          r.stderr
            .trimEnd()
            .split('\n')
            .filter((l) => !l.includes('warning:')),
        ).toHaveLength(1);
      }
    },
  );

  test('stdout closed (>&-): exit 2, one line on stderr', () => {
    const r = sh(`exec ${BIN} ${CAP} --json >&-`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tcptrace-ts: standard output is closed: nowhere to write the report\n');
  });

  test('> /dev/null is not closed: exit 0, nothing on stderr', () => {
    const r = sh(`exec ${BIN} ${CAP} --json > /dev/null`);
    expect(r.code).toBe(0);
    expect(r.stderr.replace(/^tcptrace-ts: warning: .*\n/gm, '')).toBe('');
  });

  test('EPIPE (the reader takes a few bytes and goes away): quiet, exit 0', async () => {
    const child = spawn(BIN, [CAP, '--json', '--all'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(err.replace(/^tcptrace-ts: warning: .*\n/gm, '')).toBe('');
  });
});
