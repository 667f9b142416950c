/**
 * Endless streams stay bounded (issue 24): the library on the three streams of
 * bench/gen-stream.mjs (short connections, never-closing connections, a SYN
 * flood), 300,000 packets each with --max-connections 2000, in a child process
 * with --expose-gc (test/helpers/memory-probe.mjs). After warming up, the heap
 * left after a full collection must stay flat, and no collection reachable
 * from the Analysis (flow table, timer queues, maps of hosts, lists) may keep
 * growing with the packets: a bounded one levels off at a size set by
 * maxConnections and the timeouts, an unbounded one grows at every sample.
 * `npm run soak` is the long version (8 M packets, resident memory).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { at, must } from '../../src/model/checked.js';

const run = promisify(execFile);
const MAX_CONNECTIONS = 2000;
const PACKETS = 300_000;

interface Sample {
  packets: number;
  heapMB: number;
  collections: Record<string, number>;
}
interface Probe {
  samples: Sample[];
  report: { packets: number; tcpPackets: number; connections: number; summarised: number };
}

/**
 * Collections known to grow with the stream today, by their field name (the
 * last part of the path, so that moving them between objects keeps the name;
 * `names` are one collection reached under either name). Each is asserted to
 * still grow, so the entry goes when it is fixed. Nothing else may. (None
 * now: HostDetectors' TIME_WAIT bookkeeping, the last ones, counts per host in
 * buckets of expiry time and keeps a bounded number of hosts, src/detect/hosts.ts.)
 */
const KNOWN_GROWTH: { names: string[]; why: string }[] = [];
const knownWhy = (n: string) => KNOWN_GROWTH.find((k) => k.names.includes(n))?.why;

/** Bounded, though they can rise through a whole run this short: exempt from the growth check. */
const CAPPED: Record<string, string> = {
  anomalies: 'kept for the report, at most KEEP_PER_KIND (10,000) of each kind',
  tombstones: 'halved whenever over max(1000, maxConnections) (Analysis.bury)',
  sendersSeen: 'at most 65,536 hosts (Tracker MAX_SENDERS), then no longer kept',
};

const probes = new Map<string, Promise<Probe>>();
/** The three streams analysed concurrently, each once. */
function probe(kind: string): Promise<Probe> {
  let p = probes.get(kind);
  if (!p) {
    p = run(
      process.execPath,
      [
        '--expose-gc',
        'test/helpers/memory-probe.mjs',
        kind,
        String(PACKETS),
        JSON.stringify({ maxConnections: MAX_CONNECTIONS }),
      ],
      { maxBuffer: 16 << 20 },
    ).then(({ stdout }) => JSON.parse(stdout) as Probe);
    probes.set(kind, p);
  }
  return p;
}
const KINDS = ['short', 'open', 'synflood'] as const;
for (const k of KINDS) void probe(k).catch(() => {});

const name = (path: string) =>
  must(
    path
      .replace(/(\[\]|\{\})+$/, '')
      .split('.')
      .pop(),
    "path .replace(/(\\[\\]|\\{\\})+$/, '') .split('.') ...",
  );

/**
 * Paths whose size rose at every sample after warming up (the first two), and
 * by half again: what grows with the packets. A bounded collection levels off
 * or saws up and down (compaction every maxConnections/10 new connections).
 */
function growing(samples: Sample[]): { path: string; sizes: number[] }[] {
  const tail = samples.filter((s, i) => i >= 2 && s.packets !== at(samples, i - 1).packets);
  const out: { path: string; sizes: number[] }[] = [];
  for (const path of Object.keys(must(tail.at(-1), 'tail.at(-1)').collections)) {
    if (name(path) in CAPPED) continue;
    const sizes = tail.map((s) => s.collections[path] ?? 0);
    const rising = sizes.every((n, i) => i === 0 || n > at(sizes, i - 1));
    if (rising && must(sizes.at(-1), 'sizes.at(-1)') >= 1.5 * at(sizes, 0) + 20) out.push({ path, sizes });
  }
  return out;
}

describe.each(KINDS)('endless stream of %s, 300,000 packets, --max-connections 2000', (kind) => {
  test('every packet is analysed and the flow table stays at the cap', async () => {
    const { report } = await probe(kind);
    expect(report.packets).toBe(PACKETS);
    expect(report.tcpPackets).toBe(PACKETS);
    expect(report.connections).toBeLessThanOrEqual(MAX_CONNECTIONS * 1.1 + 1);
    // The connections forgotten were summarised, not lost: short ones are 10 packets each.
    if (kind === 'short') expect(report.connections + report.summarised).toBeGreaterThan(PACKETS / 10 - 100);
    if (kind === 'synflood') expect(report.connections + report.summarised).toBe(PACKETS);
  }, 60_000);

  test('the heap left after a full collection stays flat after warming up', async () => {
    const { samples } = await probe(kind);
    const warm = at(samples, 1).heapMB;
    const last = must(samples.at(-1), 'samples.at(-1)').heapMB;
    console.log(`${kind}: heap after gc ${samples.map((s) => s.heapMB.toFixed(1)).join(' ')} MB`);
    // About 250,000 packets after warming up: 4 MB is 16 bytes a packet, 130 a
    // short connection, 14 a SYN; a connection kept by mistake is ~1 kB.
    expect(last - warm).toBeLessThan(4);
  }, 60_000);

  test('no collection reachable from the analysis grows with the stream (except the known ones, listed)', async () => {
    const { samples } = await probe(kind);
    const grew = growing(samples);
    for (const g of grew.filter((x) => knownWhy(name(x.path)))) {
      console.log(
        `!!! ${kind}: KNOWN unbounded growth of ${g.path}: ${g.sizes.join(' -> ')}: ${knownWhy(name(g.path))}`,
      );
    }
    expect(grew.filter((g) => !knownWhy(name(g.path)))).toEqual([]);
    // Anything bigger than the flow table, its timers and its tombstones is a leak too.
    const last = must(samples.at(-1), 'samples.at(-1)').collections;
    const big = Object.entries(last).filter(
      ([p, n]) => n > 8 * MAX_CONNECTIONS + 4096 && !knownWhy(name(p)) && name(p) !== 'anomalies',
    );
    expect(big).toEqual([]);
  }, 60_000);
});

test('hosts of summarised TIME_WAIT endpoints are bounded (short connections: 64 a client host)', async () => {
  // Every client host ends up in TIME_WAIT and its connections are summarised:
  // beyond max(256, a compaction's batch) such hosts, those with the fewest go
  // (HostDetectors.twCap); the flow table's own ~31 hosts come on top.
  const { samples } = await probe('short');
  const hosts = samples.map((s) => s.collections['analysis.detectors.hosts.timeWaitHosts'] ?? -1);
  console.log(`short: hosts with endpoints in TIME_WAIT ${hosts.join(' ')}`);
  expect(Math.min(...hosts)).toBeGreaterThan(0);
  expect(Math.max(...hosts)).toBeLessThanOrEqual(256 + 64);
}, 60_000);

test('the known growing collections still grow (remove an entry from KNOWN_GROWTH when it is fixed)', async () => {
  const seen = new Set<string>();
  for (const k of KINDS) for (const g of growing((await probe(k)).samples)) seen.add(name(g.path));
  expect(KNOWN_GROWTH.filter((k) => !k.names.some((n) => seen.has(n))).map((k) => k.why)).toEqual([]);
}, 60_000);
