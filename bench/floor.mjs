#!/usr/bin/env node
/**
 * The JS floor: a bare loop over a pcap's records that reads the Ethernet,
 * IPv4 and TCP fields and counts packets per 4-tuple in a Map. No checks, no
 * state machine, no report: what any JavaScript analysis of the same capture
 * cannot go below. `node bench/floor.mjs <file.pcap>`
 */
import { openSync, readSync } from 'node:fs';

const fd = openSync(process.argv[2], 'r');
const CHUNK = 1 << 20;
let buf = Buffer.allocUnsafe(CHUNK + 65536 + 16);
let len = readSync(fd, buf, 0, CHUNK, null);
let o = 24;
const flows = new Map();
let packets = 0;
let bytes = 0;
for (;;) {
  if (o + 16 > len || o + 16 + buf.readUInt32LE(o + 8) > len) {
    // Carry the partial record to the front and read on.
    const rest = len - o;
    buf.copy(buf, 0, o, len);
    const n = readSync(fd, buf, rest, CHUNK, null);
    if (n === 0) break;
    len = rest + n;
    o = 0;
    continue;
  }
  const cap = buf[o + 8] | (buf[o + 9] << 8) | (buf[o + 10] << 16);
  const f = o + 16;
  o = f + cap;
  packets++;
  if (((buf[f + 12] << 8) | buf[f + 13]) !== 0x0800 || buf[f + 23] !== 6) continue;
  const ihl = (buf[f + 14] & 15) << 2;
  const t = f + 14 + ihl;
  const src = ((buf[f + 26] << 24) | (buf[f + 27] << 16) | (buf[f + 28] << 8) | buf[f + 29]) >>> 0;
  const dst = ((buf[f + 30] << 24) | (buf[f + 31] << 16) | (buf[f + 32] << 8) | buf[f + 33]) >>> 0;
  const sp = (buf[t] << 8) | buf[t + 1];
  const dp = (buf[t + 2] << 8) | buf[t + 3];
  const seq = ((buf[t + 4] << 24) | (buf[t + 5] << 16) | (buf[t + 6] << 8) | buf[t + 7]) >>> 0;
  const flags = buf[t + 13];
  const lo = Math.min(sp, dp);
  const hi = Math.max(sp, dp);
  const key = ((src ^ dst) & 0xfffff) * 4294967296 + lo * 65536 + hi;
  const c = flows.get(key);
  if (c === undefined) flows.set(key, { packets: 1, seq, flags });
  else {
    c.packets++;
    c.seq = seq;
    c.flags |= flags;
  }
  bytes += ((buf[f + 16] << 8) | buf[f + 17]) - ihl;
}
buf = null;
process.stdout.write(`${packets} packets, ${flows.size} flows, ${bytes} bytes\n`);
