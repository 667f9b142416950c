/**
 * Issue 21, item 6: the anomaly kinds are listed where users look (`tcptrace-ts
 * kinds`, the README), and `--help` gives the exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANOMALY_KINDS } from '../../src/model/kinds.js';
import { cli } from './harness.js';
import { must } from '../../src/model/checked.js';

describe('the list of anomaly kinds', () => {
  it('`tcptrace-ts kinds` prints every kind with its severity and one line, errors first', async () => {
    const r = await cli(['kinds']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n').filter((l) => /^(error|warning|info) /.test(l));
    expect(rows).toHaveLength(ANOMALY_KINDS.length);
    for (const k of ANOMALY_KINDS) {
      expect(rows).toContain(`${k.severity.padEnd(9)}${k.kind.padEnd(26)}${k.title}`);
    }
    const sev = rows.map((l) => l.split(' ')[0]);
    expect(sev).toEqual(
      [...sev].sort(
        (a, b) =>
          ['error', 'warning', 'info'].indexOf(must(a, 'a')) -
          ['error', 'warning', 'info'].indexOf(must(b, 'b')),
      ),
    );
    expect(r.stdout).toMatch(/retransmission-rate +retransmitted segments/);
  });

  it('`kinds --json` gives kind, severity, level, title and hint', async () => {
    const r = await cli(['kinds', '--json']);
    const list = JSON.parse(r.stdout) as { kind: string; severity: string; hint: string }[];
    expect(list.map((k) => k.kind).sort()).toEqual(ANOMALY_KINDS.map((k) => k.kind).sort());
    expect(list.find((k) => k.kind === 'client-abort')).toMatchObject({ severity: 'info' });
  });

  it('the README lists every kind with its severity', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    for (const k of ANOMALY_KINDS) {
      const row = `| \`${k.kind}\` | ${k.severity} | ${k.level} | ${k.title} |`;
      expect(readme.includes(row), `README.md lacks the row ${row}`).toBe(true);
    }
  });

  it('--help lists the exit codes and points to the kinds', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}analysed; no gate failed\n {2}1 {2}analysed; a gate/);
    expect(r.stdout).toMatch(/\n {2}2 {2}could not analyse: usage error/);
    expect(r.stdout).toMatch(/tcptrace-ts kinds/);
  });
});
