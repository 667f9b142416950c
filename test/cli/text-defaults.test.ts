/**
 * Issue 21, items 1 and 2: tcpdump's text as it prints it by default. Without
 * -n it names ports after the services database (`10.77.0.2.http-alt`) and,
 * with DNS, hosts by name; its default and -tttt stamps are local time.
 * Samples in test/cli/text/ (README there says how each was made).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { cli } from './harness.js';

const TEXT = join(import.meta.dirname, 'text');
const PCAP = join(import.meta.dirname, '../../fixtures/normal-close-client.pcap');
const sample = (name: string) => join(TEXT, name);

async function* once(b: Buffer): AsyncIterable<Uint8Array> {
  yield b;
}

function states(r: Awaited<ReturnType<typeof analyze>>['report']): string[] {
  return r.connections.map(
    (c) =>
      `${c.client.addr}:${c.client.port} ${c.server.addr}:${c.server.port} ${c.client.state}/${c.server.state}`,
  );
}

describe('tcpdump text without -n', () => {
  it('ports named by the services database are read back as numbers', async () => {
    const binary = await analyze(PCAP);
    const text = await analyze(sample('normal-close-client.names.txt'), {
      textDate: Date.UTC(2026, 10, 21) / 1000,
      textTimeZone: 'UTC',
    });
    expect(text.report.capture.tcpPackets).toBe(10);
    expect(text.report.capture.skipped).toEqual({ 'non-tcp-line': 1 }); // the fixture's UDP end marker
    expect(states(text.report)).toEqual(states(binary.report));
    expect(states(text.report)).toEqual(['10.77.0.1:40001 10.77.0.2:8080 TIME_WAIT/CLOSED']);
  });

  it('piped in with a gate: analysed, exit 0, the same verdict as the pcap', async () => {
    const r = await cli(['-', '--fail-on', 'error', '--strict'], {
      stdin: once(readFileSync(sample('normal-close-client.names.txt'))),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/10 TCP segments/);
    expect(r.stdout).toMatch(/10\.77\.0\.2:8080/);
  });

  it('host names: one clear warning, the rest analysed (exit 0)', async () => {
    // Only the client is named; lines between the server and itself do not exist here, so
    // every line names a host: nothing could be read, which is exit 2 (next test). Keep 2 lines numeric.
    const lines = readFileSync(sample('normal-close-client.hosts.txt'), 'utf8').split('\n');
    const names = readFileSync(sample('normal-close-client.names.txt'), 'utf8').split('\n');
    const mixed = [...names.slice(0, 3), ...lines.slice(3)].join('\n');
    const r = await cli(['-'], { stdin: once(Buffer.from(mixed)) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('tcptrace-ts: warning: -: 7 lines name hosts; run tcpdump with -n\n');
    expect(r.stdout).toMatch(/Warning +7 lines name hosts; run tcpdump with -n/);
    // With --strict the same input exits 2.
    const strict = await cli(['-', '--strict'], { stdin: once(Buffer.from(mixed)) });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toBe('tcptrace-ts: -: 7 lines name hosts; run tcpdump with -n (--strict)\n');
  });

  it('host names on every line: nothing could be read, exit 2 with the reason', async () => {
    const r = await cli([sample('normal-close-client.hosts.txt')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^tcptrace-ts: .*normal-close-client\.hosts\.txt: 10 lines name hosts; run tcpdump with -n \(no TCP segment could be read\)\n$/,
    );
  });

  it('a port name the table lacks is named in the warning', async () => {
    const text = readFileSync(sample('normal-close-client.names.txt'), 'utf8').replace(
      /http-alt/g,
      'my-local-svc',
    );
    const r = await cli(['-'], { stdin: once(Buffer.from(text)) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /10 lines name ports it cannot map to numbers \(e\.g\. "my-local-svc"\); run tcpdump with -n/,
    );
  });

  it('an input with no TCP at all is not a silent pass under a gate (exit 2)', async () => {
    const udp =
      '12:37:33.894385 IP 10.77.0.1.53000 > 10.77.0.2.53: 1234+ A? example.com. (29)\n' +
      '12:37:33.894999 IP 10.77.0.2.53 > 10.77.0.1.53000: 1234 1/0/0 A 192.0.2.1 (45)\n';
    for (const gate of [
      ['--fail-on', 'error'],
      ['--max', 'mid-stream-rst=0'],
    ]) {
      const r = await cli(['-', ...gate], { stdin: once(Buffer.from(udp)) });
      expect(r.code, gate.join(' ')).toBe(2);
      expect(r.stderr).toBe('tcptrace-ts: -: no TCP segment in the input: the gate has nothing to judge\n');
    }
    // Without a gate it is a report of nothing, as before.
    const plain = await cli(['-'], { stdin: once(Buffer.from(udp)) });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/0 TCP segments; skipped 2 \(2 non-tcp-line\)/);
  });
});

describe("tcpdump text stamps are local time, read in the reader's zone", () => {
  const utcStart = '2026-11-21T12:37:33.894385Z';
  const START = Date.UTC(2026, 10, 21, 12, 37, 33) / 1000 + 0.894385;

  it('the pcap itself starts at 12:37:33.894385 UTC', async () => {
    const r = await cli([PCAP, '--json']);
    expect(JSON.parse(r.stdout).capture.start).toBe(START);
  });

  it('-tttt printed with TZ=America/New_York, read with TZ=America/New_York', async () => {
    const r = await cli([sample('normal-close-client.tttt-new-york.txt')], {
      env: { TZ: 'America/New_York' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Time      ${utcStart}`);
  });

  it('time of day printed with TZ=America/New_York, read with --text-tz and --text-date', async () => {
    const r = await cli([
      sample('normal-close-client.new-york.txt'),
      '--text-tz',
      'America/New_York',
      '--text-date',
      '2026-11-21',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).capture.start).toBe(START);
  });

  it('--text-tz wins over TZ; the library takes textTimeZone', async () => {
    const r = await cli([sample('normal-close-client.tttt-new-york.txt'), '--text-tz', 'UTC', '--json'], {
      env: { TZ: 'America/New_York' },
    });
    // Read as UTC, the New York stamps are 5 hours early.
    expect(JSON.parse(r.stdout).capture.start).toBe(START - 5 * 3600);
    const lib = await analyze(sample('normal-close-client.tttt-new-york.txt'), {
      textTimeZone: 'America/New_York',
    });
    expect(lib.report.capture.start).toBe(START);
  });

  it('a summer stamp is read with daylight saving time (UTC-4 in New York)', async () => {
    const line =
      '2026-07-01 08:00:00.000000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 64240, length 0\n';
    const lib = await analyze(once(Buffer.from(line)), { textTimeZone: 'America/New_York' });
    expect(lib.report.capture.start).toBe(Date.UTC(2026, 6, 1, 12) / 1000);
  });

  it('an unknown zone is a usage error (exit 2)', async () => {
    const r = await cli([sample('normal-close-client.new-york.txt'), '--text-tz', 'Mars/Olympus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tcptrace-ts: --text-tz: unknown time zone "Mars\/Olympus"/);
  });
});

describe('the services table (decode/tcpdump-text/services.ts)', () => {
  it('reads the names tcpdump prints for common ports, IPv4 and IPv6', async () => {
    const lines = [
      '10:00:00.000000 IP 192.0.2.1.50000 > 192.0.2.2.https: Flags [S], seq 1, win 64240, length 0',
      '10:00:00.100000 IP 192.0.2.1.50001 > 192.0.2.2.ssh: Flags [S], seq 1, win 64240, length 0',
      '10:00:00.200000 IP 192.0.2.1.50002 > 192.0.2.2.postgresql: Flags [S], seq 1, win 64240, length 0',
      '10:00:00.300000 IP6 2001:db8::1.50003 > 2001:db8::2.http: Flags [S], seq 1, win 64240, length 0',
      '10:00:00.400000 IP 192.0.2.1.50004 > 192.0.2.2.domain: Flags [S], seq 1, win 64240, length 0',
    ];
    const { report } = await analyze(once(Buffer.from(lines.join('\n'))), { textTimeZone: 'UTC' });
    expect(report.connections.map((c) => `${c.server.addr}:${c.server.port}`)).toEqual([
      '192.0.2.2:443',
      '192.0.2.2:22',
      '192.0.2.2:5432',
      '2001:db8::2:80',
      '192.0.2.2:53',
    ]);
  });
});

describe('loopback names (tcpdump -i lo without -n)', () => {
  it('localhost is 127.0.0.1 on IP lines and ::1 on IP6 lines; other host names stay unread', async () => {
    const lines = [
      '10:00:00.000000 IP localhost.48000 > localhost.http-alt: Flags [S], seq 1, win 65495, length 0',
      '10:00:00.000010 IP localhost.http-alt > localhost.48000: Flags [S.], seq 7, ack 2, win 65483, length 0',
      '10:00:00.000020 IP localhost.48000 > localhost.http-alt: Flags [.], ack 8, win 512, length 0',
      '10:00:01.000000 IP6 localhost.48001 > ip6-localhost.https: Flags [S], seq 1, win 65476, length 0',
      '10:00:02.000000 IP db1.example.internal.48002 > localhost.5432: Flags [S], seq 1, win 65476, length 0',
    ];
    const r = await cli(['-'], { stdin: once(Buffer.from(lines.join('\n'))), env: { TZ: 'UTC' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('tcptrace-ts: warning: -: 1 line names hosts; run tcpdump with -n\n');
    expect(r.stdout).toMatch(/127\.0\.0\.1:48000 +127\.0\.0\.1:8080 +ESTABLISHED +ESTABLISHED/);
    expect(r.stdout).toMatch(/\[::1\]:48001 +\[::1\]:443/);
  });
});
