#!/usr/bin/env node
/**
 * An endless-looking capture on stdout for the flat-memory check: the
 * benchmark capture replayed again and again as one pcap stream, each replay
 * shifted in time (past every TIME_WAIT and idle timeout) and onto other
 * server ports (8080 + 2r, 8081 + 2r), so that every replay brings new
 * connections and the tracker has to forget the old ones.
 *
 *   node bench/stream.mjs [--packets N] [--from bench/out/bench-s96.pcap] | tcptrace-ts --json -
 *
 * Progress goes to stderr as `packets N` every --every packets (default 1 M),
 * written when that many packets have been handed to the pipe.
 */
import { openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

const total = Number(arg('packets', 10_000_000));
const every = Number(arg('every', 1_000_000));
const from = arg('from', `${here}out/bench-s96.pcap`);
/** Seconds between replays: more than 2 x MSL and the handshake idle timeout. */
const GAP = 300;

/** Reads a little-endian pcap file's records into memory once (headers-only captures are small). */
function load(path) {
  const fd = openSync(path, 'r');
  const chunks = [];
  const buf = Buffer.allocUnsafe(1 << 22);
  let n;
  while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
  const data = Buffer.concat(chunks);
  const magic = data.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${path}: not a little-endian pcap`);
  return data;
}

const data = load(from);
const header = data.subarray(0, 24);
let first = -1;
let last = 0;
for (let o = 24; o + 16 <= data.length;) {
  const sec = data.readUInt32LE(o);
  if (first < 0) first = sec;
  last = sec;
  o += 16 + data.readUInt32LE(o + 8);
}
const shiftPer = last - first + GAP;

const out = process.stdout;
function write(b) {
  if (out.write(b)) return Promise.resolve();
  return new Promise((resolve) => out.once('drain', resolve));
}

const OUT_CHUNK = 1 << 20;
let pending = Buffer.allocUnsafe(OUT_CHUNK);
let used = 0;
let written = 0;
out.on('error', () => process.exit(0));
await write(Buffer.from(header));
for (let r = 0; written < total; r++) {
  const dt = r * shiftPer;
  for (let o = 24; o + 16 <= data.length && written < total;) {
    const cap = data.readUInt32LE(o + 8);
    const len = 16 + cap;
    if (used + len > pending.length) {
      await write(pending.subarray(0, used));
      pending = Buffer.allocUnsafe(Math.max(OUT_CHUNK, len));
      used = 0;
    }
    data.copy(pending, used, o, o + len);
    pending.writeUInt32LE(data.readUInt32LE(o) + dt, used);
    // Ethernet + IPv4 + TCP: move the server port (8080/8081) of this replay.
    const f = used + 16;
    if (r > 0 && cap >= 38 && pending.readUInt16BE(f + 12) === 0x0800 && pending[f + 23] === 6) {
      const tcp = f + 14 + (pending[f + 14] & 0x0f) * 4;
      for (const p of [tcp, tcp + 2]) {
        const port = pending.readUInt16BE(p);
        if (port === 8080 || port === 8081) pending.writeUInt16BE(port + 2 * r, p);
      }
    }
    used += len;
    o += len;
    written++;
    if (written % every === 0) {
      await write(pending.subarray(0, used));
      pending = Buffer.allocUnsafe(OUT_CHUNK);
      used = 0;
      process.stderr.write(`packets ${written}\n`);
    }
  }
}
if (used > 0) await write(pending.subarray(0, used));
if (written % every !== 0) process.stderr.write(`packets ${written}\n`);
