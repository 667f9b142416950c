#!/usr/bin/env node
/**
 * Heap of the library on an endless stream, for test/cli/endless-memory.test.ts:
 *
 *   node --expose-gc test/helpers/memory-probe.mjs short|open|synflood PACKETS '{"maxConnections":2000}'
 *
 * Feeds PACKETS packets of bench/gen-stream.mjs's stream through the built
 * library (dist/), and every SAMPLES-th of the bytes stops, collects garbage
 * (gc(), twice: weak references and finalizers) and notes the heap in use and
 * the sizes of the collections reachable from the Analysis object (arrays,
 * maps, sets, typed arrays, found by walking it, so the probe does not depend
 * on how the tracker names its fields). Prints one JSON object:
 * { samples: [{ packets, heapMB, collections: { path: size } }], report: {...} }.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { Analysis } = await import(`${root}dist/analyze.js`);
const { readCaptureStream } = await import(`${root}dist/capture/reader.js`);

const [kind = 'short', packetsArg = '300000', settingsArg = '{}'] = process.argv.slice(2);
const packets = Number(packetsArg);
const settings = JSON.parse(settingsArg);
const SAMPLES = 8;
if (typeof globalThis.gc !== 'function') {
  process.stderr.write('memory-probe: run node with --expose-gc\n');
  process.exit(2);
}

const gen = spawn(process.execPath, [`${root}bench/gen-stream.mjs`, kind, '--packets', String(packets)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The stream's size is known only at its end: the generator's packets are
// 70 bytes of headers plus their payload, so the sample points go by the
// header bytes of a packet (a bound on the count; the last sample is at the end).
const perPacket = kind === 'short' ? 100 : kind === 'open' ? 95 : 70;
const step = Math.floor((packets * perPacket) / SAMPLES);

const a = new Analysis({ settings });
const samples = [];

function sample() {
  globalThis.gc();
  globalThis.gc();
  samples.push({
    packets: a.packets,
    heapMB: +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(2),
    collections: collections(a),
  });
}

/** Sizes of the collections reachable from `root` (largest first), keyed by the first path that reaches each. */
function collections(root) {
  const seen = new Set();
  const sizes = [];
  const queue = [[root, 'analysis']];
  // Breadth first, bounded: the connections themselves are many small objects.
  for (let i = 0; i < queue.length && i < 200_000; i++) {
    const [o, path] = queue[i];
    if (o === null || typeof o !== 'object' || seen.has(o)) continue;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      // Bytes (a chunk being read, a packet's copy) are not entries; typed arrays of times are.
      if (!(o instanceof Uint8Array)) sizes.push([path, o.length]);
      continue;
    }
    if (Array.isArray(o)) {
      sizes.push([path, o.length]);
      // Elements of big arrays (the connections) are not paths of their own.
      for (let k = 0; k < Math.min(o.length, 64); k++) queue.push([o[k], `${path}[]`]);
      continue;
    }
    if (o instanceof Map || o instanceof Set) {
      sizes.push([path, o.size]);
      let k = 0;
      for (const v of o.values()) {
        if (k++ >= 64) break;
        queue.push([v, `${path}{}`]);
      }
      continue;
    }
    for (const key of Object.keys(o)) queue.push([o[key], `${path}.${key}`]);
  }
  // Per path, the biggest one (a per-connection list appears once per connection walked).
  const out = {};
  for (const [p, n] of sizes) if (!(p in out) || out[p] < n) out[p] = n;
  return out;
}

async function* fed() {
  let bytes = 0;
  let next = step;
  for await (const chunk of gen.stdout) {
    yield chunk;
    bytes += chunk.length;
    if (bytes >= next) {
      // The chunk before was analysed in full (the reader pushes synchronously) before this resumes.
      next += step;
      sample();
    }
  }
}

const stats = await readCaptureStream(fed(), '<probe>', a.sink, {});
await once(gen, 'exit').catch(() => {});
sample();
const result = a.finish(stats);
const r = result.report;
process.stdout.write(
  `${JSON.stringify({
    samples,
    report: {
      packets: r.capture.packets,
      tcpPackets: r.capture.tcpPackets,
      connections: r.connections.length,
      summarised: r.summarised.connections,
    },
  })}\n`,
);
