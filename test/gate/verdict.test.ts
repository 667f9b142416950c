/**
 * The gate's verdict is the library's: `analyze()` with gate rules in its
 * settings gives the same `report.gate` as `tcptrace-ts --json --fail-on ...`.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { cli } from '../cli/harness.js';

const CAPTURE = 'fixtures/close-wait-stuck.pcap';

describe('gate verdict from the library', () => {
  it('analyze() with failOn/max carries the verdict the CLI prints', async () => {
    const { report } = await analyze(CAPTURE, {
      settings: { failOn: ['error'], max: { 'retransmission-rate': '2%' } },
    });
    const run = await cli([CAPTURE, '--json', '--fail-on', 'error', '--max', 'retransmission-rate=2%']);
    expect(run.code).toBe(1);
    expect(report.gate?.passed).toBe(false);
    expect(report.gate?.rules.map((r) => r.name)).toEqual(['fail-on error', 'max retransmission-rate']);
    expect(JSON.parse(JSON.stringify(report.gate))).toEqual(JSON.parse(run.stdout).gate);
  });

  it('without rules there is no verdict', async () => {
    const { report } = await analyze(CAPTURE);
    expect(report.gate).toBeUndefined();
  });
});
