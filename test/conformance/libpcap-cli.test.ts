/**
 * libpcap's reject tests (corpus libpcap/, expected errors quoted from its
 * testprogs/TESTrun in each .expect/TESTrun.excerpt), end to end through the
 * installed entry point: `bin/tcptrace-ts FILE` must exit 2 (could not
 * analyse) with one line on stderr that carries libpcap's reason, and print
 * nothing on stdout. test/capture/corpus.test.ts checks the reader's error.
 * Runs dist/ (the build `npm test` makes first).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpus } from './corpus.js';
import { at, must } from '../../src/model/checked.js';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tcptrace-ts');
const DIR = corpus('libpcap');

function rejects(): { file: string; reason: string }[] {
  return readdirSync(DIR)
    .filter((f) => !f.endsWith('.expect'))
    .sort()
    .map((file) => {
      const excerpt = readFileSync(join(DIR, `${file}.expect/TESTrun.excerpt`), 'utf8');
      const errstr = at(
        must(
          /errstr => '((?:[^'\\]|\\.)*)'/.exec(excerpt),
          "/errstr => '((?:[^'\\\\]|\\\\.)*)'/.exec(excerpt)",
        ),
        1,
      ).replace(/\\(.)/g, '$1');
      // "Failed opening: " is the test program's prefix; the rest is libpcap's reason.
      return { file, reason: errstr.replace(/^Failed opening: /, '') };
    });
}

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, join(DIR, file)], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const cases = rejects();

describe("libpcap's rejected captures: the CLI exits 2 with libpcap's reason", () => {
  it('the corpus holds the six reject files and dist/ is built', () => {
    expect(cases).toHaveLength(6);
    expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'run `npm run build` first').toBe(true);
  });

  it.concurrent.each(cases.map((c) => [c.file, c.reason] as const))('%s: %s', async (file, reason) => {
    const r = await run(file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(reason);
    expect(lines[0]).toContain(file);
  });
});
