/**
 * Connections summarised under the connection cap (--max-connections) must
 * leave nothing behind that keeps them in memory, and the TIME_WAIT-storm
 * counts of their hosts must still go down when their TIME_WAIT would end.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analyze.js';
import { readCaptureFiles } from '../../src/capture/reader.js';
import type { Connection } from '../../src/tcp/connection.js';

const STORM = join(import.meta.dirname, '../../fixtures/time-wait-storm.pcap');

async function run(maxConnections: number, msl = 30) {
  const a = new Analysis({ settings: { maxConnections, msl, timeWaitThreshold: 100 } });
  const res = a.finish(await readCaptureFiles([STORM], a.sink));
  return { a, report: res.report };
}

describe('summarised connections', () => {
  // A cap of 200 keeps every open connection (60 would drop open ones, which
  // then never reach TIME_WAIT here: a different, smaller storm).
  it('are not kept reachable by the TIME_WAIT queue, and storm counts match the uncapped run', async () => {
    const full = await run(1_000_000);
    const capped = await run(200);
    expect(capped.report.summarised.connections).toBeGreaterThan(300);
    const kept = new Set<Connection>(capped.a.tracker.conns);
    // The state machine's TIME_WAIT queue (src/tcp/state-machine.ts), reached past its privacy.
    const sm = (capped.a.tracker as unknown as { sm: { timeWait: { conns: (Connection | null)[] } } }).sm;
    const queued = sm.timeWait.conns;
    expect(queued.filter((c) => c !== null && !kept.has(c))).toEqual([]);

    const storm = (r: typeof full.report) => r.anomalies.find((x) => x.kind === 'time-wait-storm');
    expect(storm(full.report)).toBeDefined();
    expect(storm(capped.report)?.details).toEqual(storm(full.report)?.details);
    expect(storm(capped.report)?.message).toBe(storm(full.report)?.message);
  });

  it('host counts go down at the end of TIME_WAIT also for summarised connections (short MSL)', async () => {
    // With a 0.05 s MSL the TIME_WAITs end during the capture: the current
    // count must fall back as in the uncapped run, so a later peak is not inflated.
    const full = await run(1_000_000, 0.05);
    const capped = await run(200, 0.05);
    const peak = (r: typeof full.report) => r.anomalies.find((x) => x.kind === 'time-wait-storm')?.details;
    expect(peak(capped.report)).toEqual(peak(full.report));
  });
});
