import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../helpers/pcap-writer.js';
import { cli } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tt-scale-'));

/**
 * 40,000 connections from 40 clients to 4 servers: most close normally, every
 * 50th is refused, every 100th is left in CLOSE_WAIT for 10 s.
 */
function bigCapture(): string {
  const w = new PcapWriter();
  let t = 1_700_000_000;
  for (let i = 0; i < 40_000; i++) {
    const c = `10.1.${Math.floor(i / 1000)}.${(i % 40) + 1}`;
    const s = `10.2.0.${(i % 4) + 1}`;
    const sport = 20000 + (i % 40000);
    const base = { src: c, dst: s, sport, dport: 443 };
    const back = { src: s, dst: c, sport: 443, dport: sport };
    t += 0.0001;
    w.tcp({ t, ...base, flags: 'S', seq: 100 });
    if (i % 50 === 0) {
      w.tcp({ t: t + 0.00001, ...back, flags: 'R.', seq: 0, ack: 101 });
      continue;
    }
    w.tcp({ t: t + 0.00002, ...back, flags: 'S.', seq: 500, ack: 101 });
    w.tcp({ t: t + 0.00003, ...base, flags: '.', seq: 101, ack: 501 });
    w.tcp({ t: t + 0.00004, ...base, flags: 'F.', seq: 101, ack: 501 });
    w.tcp({ t: t + 0.00005, ...back, flags: '.', seq: 501, ack: 102 });
    if (i % 100 === 1) continue; // the server never closes: CLOSE_WAIT
    w.tcp({ t: t + 0.00006, ...back, flags: 'F.', seq: 501, ack: 102 });
    w.tcp({ t: t + 0.00007, ...base, flags: '.', seq: 102, ack: 502 });
  }
  w.tcp({ t: t + 10, src: '10.9.9.9', dst: '10.9.9.8', sport: 1, dport: 2, flags: 'R', seq: 1 });
  const path = join(dir, 'big.pcap');
  writeFileSync(path, w.bytes());
  return path;
}

describe('a 40,000-connection capture', () => {
  it('prints a terminal report of about 60 lines by default; --json has every connection', async () => {
    const path = bigCapture();
    const r = await cli([path]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(65);
    expect(r.stdout).toMatch(/40,?001 connections/);
    expect(r.stdout).toMatch(/close-wait-stuck ×400/);
    expect(r.stdout).toMatch(/connection-refused ×800/);
    expect(r.stdout).toMatch(/not shown/);
    const json = JSON.parse((await cli([path, '--json'])).stdout);
    expect(json.connections).toHaveLength(40_001);
    expect(json.states.server.CLOSE_WAIT).toBe(400);
  }, 120_000);
});

describe('config file', () => {
  it('tcptrace-ts.config.json in the working directory sets thresholds and gate rules', async () => {
    const fixtures = join(import.meta.dirname, '../../fixtures');
    const cwd = mkdtempSync(join(tmpdir(), 'tt-cfg-'));
    writeFileSync(
      join(cwd, 'tcptrace-ts.config.json'),
      JSON.stringify({ closeWaitTimeout: '60s', failOn: ['error'] }),
    );
    const { run } = await import('../../src/cli/main.js');
    const { makeIo } = await import('./harness.js');
    const { io, stdout } = makeIo();
    io.cwd = cwd;
    // CLOSE_WAIT lasted 6.5 s: under the config's 60 s it is no anomaly, and the gate passes.
    expect(await run([join(fixtures, 'close-wait-stuck.pcap'), '--json'], io)).toBe(0);
    expect(JSON.parse(stdout.text).anomalies.map((a: { kind: string }) => a.kind)).not.toContain(
      'close-wait-stuck',
    );
    // The same capture with the default threshold fails the config's gate.
    const other = makeIo();
    other.io.cwd = cwd;
    expect(await run([join(fixtures, 'close-wait-stuck.pcap'), '--close-wait-timeout', '5s'], other.io)).toBe(
      1,
    );
  });

  it('--config with an unknown key or a bad value is a usage error (exit 2) naming them', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tt-cfg-'));
    const bad = join(cwd, 'bad.json');
    writeFileSync(bad, JSON.stringify({ closeWaitTimout: '5s' }));
    const r = await cli([
      join(import.meta.dirname, '../../fixtures/normal-close-client.pcap'),
      '--config',
      bad,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/closeWaitTimout.*closeWaitTimeout/);
    writeFileSync(bad, JSON.stringify({ msl: '3 parsecs' }));
    const r2 = await cli([
      join(import.meta.dirname, '../../fixtures/normal-close-client.pcap'),
      '--config',
      bad,
    ]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/msl/);
  });
});

describe('a flood of anomalies', () => {
  it('lists 10,000 of a kind, counts them all, and the gate and report use the count', async () => {
    const w = new PcapWriter();
    for (let i = 0; i < 15_000; i++) {
      const t = 1_700_000_000 + i * 0.001;
      const sport = 1024 + (i % 60000);
      const src = `10.3.${i >> 12}.${(i >> 6) & 63}`;
      w.tcp({ t, src, dst: '10.4.0.1', sport, dport: 80, flags: 'S', seq: 7 });
      w.tcp({
        t: t + 0.0001,
        src: '10.4.0.1',
        dst: src,
        sport: 80,
        dport: sport,
        flags: 'R.',
        seq: 0,
        ack: 8,
      });
    }
    const path = join(dir, 'refused.pcap');
    writeFileSync(path, w.bytes());
    const json = JSON.parse((await cli([path, '--json'])).stdout);
    expect(json.anomalies).toHaveLength(10_000);
    expect(json.anomalyCounts['connection-refused']).toBe(15_000);
    expect(json.anomaliesOmitted).toBe(5_000);
    const gate = await cli([path, '--max', 'connection-refused=12000']);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/connection-refused: 15000 > max 12000/);
    expect(gate.stdout).toMatch(/connection-refused ×15,000/);
    const nd = (await cli([path, '--ndjson'])).stdout
      .split('\n')
      .filter((l) => l.includes('"type":"anomaly"'));
    expect(nd).toHaveLength(15_000);
  }, 120_000);
});
