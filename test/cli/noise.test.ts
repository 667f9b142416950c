/**
 * Issue 21, item 7: severity and counting that match what matters. Info kinds
 * are facts, not problems: they do not count as "with anomalies"; routine port
 * reuse is info and one line; a client's abortive close after a completed
 * exchange is client-abort (info), not mid-stream-rst.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KIND_BY_NAME } from '../../src/model/kinds.js';
import { cli } from './harness.js';
import { must } from '../../src/model/checked.js';

const F = (n: string) => join(import.meta.dirname, '../../fixtures', `${n}.pcap`);

describe('noise that hid signal', () => {
  it('info anomalies do not count toward "N connections (N with anomalies)"', async () => {
    const idle = await cli([F('idle-established')]); // capture-ended-open only
    expect(idle.stdout).toMatch(/^Conns +1 connection$/m);
    expect(idle.stdout).toMatch(/capture-ended-open/);
    const refused = await cli([F('connection-refused')]);
    expect(refused.stdout).toMatch(/^Conns +1 connection \(1 with anomalies\)$/m);
  });

  it('port-reuse-time-wait is info, summarised in one line (examples with --all)', async () => {
    expect(
      must(KIND_BY_NAME.get('port-reuse-time-wait'), "KIND_BY_NAME.get('port-reuse-time-wait')").severity,
    ).toBe('info');
    const r = await cli([F('port-reuse-server-tw'), '--fail-on', 'warning']);
    expect(r.code).toBe(0);
    const block = r.stdout.slice(r.stdout.indexOf('Anomalies'), r.stdout.indexOf('Connections'));
    expect(block.trim().split('\n')).toEqual([
      'Anomalies  1 info  (1 kind)',
      '  info     port-reuse-time-wait ×1  a new SYN reused a 4-tuple whose endpoint was still in TIME_WAIT',
    ]);
    const all = await cli([F('port-reuse-server-tw'), '--all']);
    expect(all.stdout).toMatch(/hint: Ephemeral ports are recycled fast/);
  });

  it("a client's SO_LINGER 0 after request and response is client-abort (info); a server's RST stays mid-stream-rst", async () => {
    const abort = await cli([F('abort-linger0'), '--fail-on', 'warning', '--json']);
    expect(abort.code).toBe(0);
    const a = JSON.parse(abort.stdout).anomalies;
    expect(a.map((x: { kind: string; severity: string }) => `${x.kind} ${x.severity}`)).toEqual([
      'client-abort info',
    ]);
    const server = await cli([F('close-unread-data'), '--fail-on', 'error', '--json']);
    expect(server.code).toBe(1);
    expect(JSON.parse(server.stdout).anomalies.map((x: { kind: string }) => x.kind)).toEqual([
      'mid-stream-rst',
    ]);
  });
});
