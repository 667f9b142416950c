import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/config/errors.js';
import { loadBaseline } from '../../src/gate/baseline.js';
import { anomaly, report } from './factories.js';

const tmp = mkdtempSync(join(tmpdir(), 'tcptrace-ts-baseline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe('loadBaseline', () => {
  test('reads a JSON report', () => {
    const r = report([anomaly('mid-stream-rst')]);
    expect(loadBaseline(write('ok.json', JSON.stringify(r)))).toEqual(r);
  });

  test.each([
    ['not-json.json', 'oops', /the baseline is not JSON/],
    ['array.json', '[]', /is not a tcptrace-ts JSON report/],
    ['v2.json', '{"version": 2, "anomalies": [], "connections": []}', /version 2 is not supported/],
    ['no-anomalies.json', '{"version": 1, "connections": []}', /has no "anomalies" and "connections" arrays/],
    [
      'bad-anomaly.json',
      '{"version": 1, "connections": [], "anomalies": [{"kind": 3}]}',
      /anomaly without "kind"/,
    ],
  ])('%s is a UsageError', (name, text, message) => {
    const p = write(name, text);
    expect(() => loadBaseline(p)).toThrow(UsageError);
    expect(() => loadBaseline(p)).toThrow(message);
  });

  test('a missing file names it', () => {
    const p = join(tmp, 'missing.json');
    expect(() => loadBaseline(p)).toThrow(`${p}: cannot read baseline report: no such file`);
  });
});
