/**
 * Issue 21, item 5: the library validates settings exactly as the CLI and the
 * config file do: the same duration strings, the same checks, a typed error.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { UsageError } from '../../src/config/errors.js';
import { cli } from '../cli/harness.js';

const FIX = join(import.meta.dirname, '../../fixtures');
const STUCK = join(FIX, 'close-wait-stuck.pcap');

/** The message after its location (`--close-wait-timeout: `, `settings.closeWaitTimeout: `). */
const tail = (m: string) => m.replace(/^(tcptrace-ts: )?[^ ]+: /, '').trim();

describe('analyze(f, { settings }) takes and checks what the config file takes', () => {
  it("closeWaitTimeout: '10s' is 10 seconds, as in the config file", async () => {
    const five = await analyze(STUCK);
    const ten = await analyze(STUCK, { settings: { closeWaitTimeout: '10s' } });
    const secs = await analyze(STUCK, { settings: { closeWaitTimeout: 10 } });
    expect(five.report.anomalies.map((a) => a.kind)).toContain('close-wait-stuck');
    // The server sat in CLOSE_WAIT ~6 s: stuck past 5 s, not past 10 s.
    expect(ten.report.anomalies.map((a) => a.kind)).not.toContain('close-wait-stuck');
    expect(ten.report).toEqual(secs.report);
  });

  it('other text forms: rates, bursts, max limits, lists', async () => {
    const { report } = await analyze(STUCK, {
      settings: {
        highRetransmissionRate: '5%',
        retransmissionBurst: '3/500ms',
        max: { 'mid-stream-rst': 0, 'retransmission-rate': '2%' },
        port: '8080',
        msl: '1m',
      },
    });
    expect(report.connections.length).toBeGreaterThan(0);
  });

  it('a typo in a key throws a UsageError naming it, with a suggestion', async () => {
    const p = analyze(STUCK, { settings: { closeWaitTimout: '10s' } as never });
    await expect(p).rejects.toBeInstanceOf(UsageError);
    await expect(p).rejects.toThrow(
      'settings: unknown key "closeWaitTimout" (did you mean "closeWaitTimeout"?)',
    );
  });

  it('a negative timeout throws the message the CLI gives for the same value', async () => {
    const r = await cli([STUCK, '--close-wait-timeout=-10s']);
    expect(r.code).toBe(2);
    const err = await analyze(STUCK, { settings: { closeWaitTimeout: '-10s' } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^settings\.closeWaitTimeout: negative duration/);
    expect(tail((err as Error).message)).toBe(tail(r.stderr));
    await expect(analyze(STUCK, { settings: { closeWaitTimeout: -1 } })).rejects.toThrow(
      'settings.closeWaitTimeout: negative duration -1',
    );
  });

  it('bad values of other kinds are errors too, never a crash inside the engine', async () => {
    for (const settings of [
      { msl: 'soon' },
      { failOn: ['mid-stream-rts'] },
      { timeWaitThreshold: 0 },
      { host: '10.0.0.300' },
    ]) {
      await expect(
        analyze(STUCK, { settings: settings as never }),
        JSON.stringify(settings),
      ).rejects.toBeInstanceOf(UsageError);
    }
  });
});
