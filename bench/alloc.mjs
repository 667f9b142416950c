#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * Garbage per packet, by the function that allocates it: the analysis of a
 * capture run `--runs` times in this process (default 2), the last run
 * sampled by V8's heap profiler with the objects that minor and major GCs
 * collected included, so short-lived garbage counts too. The first runs warm
 * the JIT up: the last run shows the optimized hot path, which should
 * allocate per connection and per read chunk, not per packet.
 *
 *   node bench/alloc.mjs <capture> [--runs 2] [--top 12]
 *
 * To find the line behind a function's garbage: run the CLI with
 * `--no-inline-new --trace-allocation-stack-interval=1009 --print-opt-code
 * --print-opt-code-filter=<function>`, count the optimized-code pcs of the
 * sampled stacks, and read the code around the most frequent ones
 * (bench/README.md, session 7).
 */
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? def : Number(args.splice(i, 2)[1]);
};
const runs = opt('runs', 2);
const top = opt('top', 12);
const capture = args[0];
if (!capture || !(runs >= 1) || !(top >= 1)) {
  console.error('usage: node bench/alloc.mjs <capture> [--runs 2] [--top 12]');
  process.exit(2);
}

const { Analysis } = await import(join(dist, 'analyze.js'));
const { readCaptureFiles } = await import(join(dist, 'capture', 'reader.js'));
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');

let packets = 0;
let connections = 0;
for (let r = 0; r < runs; r++) {
  if (r === runs - 1) {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const a = new Analysis({});
  const stats = await readCaptureFiles([capture], a.sink, {});
  connections = a.finish(stats, { deferConnections: true }).deferred.count;
  packets = a.packets;
}
const { profile } = await session.post('HeapProfiler.stopSampling');

const frameName = (f) => `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
const byFunction = new Map();
let total = 0;
(function walk(node, parent) {
  const f = node.callFrame;
  // The profiler's own messages are not the analysis's garbage.
  if (f.url.startsWith('node:inspector')) return;
  if (node.selfSize > 0) {
    const where = f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : '(native)';
    // A native frame (splice, Map's delete, an iterator's next) says little without its caller.
    const caller = f.url || !parent ? '' : ` <- ${frameName(parent.callFrame)}`;
    const key = `${f.functionName || '(anonymous)'} ${where}${caller}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const c of node.children) walk(c, node);
})(profile.head, null);

const perPacket = (bytes) => (packets > 0 ? bytes / packets : 0).toFixed(1);
console.log(
  `${packets} packets, ${connections} connections; run ${runs} of ${runs}: ${perPacket(total)} bytes allocated per packet` +
    (connections > 0 ? ` (${(total / connections).toFixed(0)} per connection)` : ''),
);
for (const [key, bytes] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, top)) {
  console.log(`${perPacket(bytes).padStart(8)} B/packet  ${key}`);
}
