#!/usr/bin/env node
/**
 * The 10 M-packet capture of issue 22: N copies of the 1 M capture
 * (bench/out/bench.pcap), each shifted 70 s later than the one before,
 * appended into one classic pcap. Streams record by record (constant memory);
 * only the timestamp seconds of each record header change.
 *
 *   node bench/make-big.mjs [--from bench/out/bench.pcap] [--to bench/out/bench-10m.pcap] [--copies 10] [--shift 70]
 *
 * Never committed (bench/out/ is ignored); `npm run bench` calls this on demand.
 */
import { closeSync, openSync, readSync, renameSync, writeSync, fstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 || process.argv[i + 1] === undefined ? def : process.argv[i + 1];
}
const FROM = arg('from', join(here, 'out', 'bench.pcap'));
const TO = arg('to', join(here, 'out', 'bench-10m.pcap'));
const COPIES = Number(arg('copies', 10));
const SHIFT = Number(arg('shift', 70));

export function makeBig(from = FROM, to = TO, copies = COPIES, shift = SHIFT) {
  const input = openSync(from, 'r');
  const size = fstatSync(input).size;
  const head = Buffer.alloc(24);
  readSync(input, head, 0, 24, 0);
  const magic = head.readUInt32LE(0);
  let le;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`${from}: not a classic pcap (magic ${magic.toString(16)})`);
  const tmp = `${to}.part`;
  const output = openSync(tmp, 'w');
  writeSync(output, head);
  const CHUNK = 8 << 20;
  const buf = Buffer.alloc(CHUNK + 65536 * 4);
  for (let copy = 0; copy < copies; copy++) {
    const add = copy * shift;
    let pos = 24;
    let have = 0; // bytes in buf not yet written
    let off = 0; // start of the next record header in buf
    while (pos < size || have - off >= 16) {
      if (have - off < 16 || have - off < 16 + (le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8))) {
        if (pos >= size) break;
        // The records before `off` are done: written out before their room is reused.
        writeSync(output, buf, 0, off);
        buf.copy(buf, 0, off, have);
        have -= off;
        off = 0;
        const n = readSync(input, buf, have, Math.min(CHUNK, size - pos), pos);
        pos += n;
        have += n;
        continue;
      }
      const incl = le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
      if (add) {
        if (le) buf.writeUInt32LE((buf.readUInt32LE(off) + add) >>> 0, off);
        else buf.writeUInt32BE((buf.readUInt32BE(off) + add) >>> 0, off);
      }
      off += 16 + incl;
      if (off >= CHUNK) {
        writeSync(output, buf, 0, off);
        buf.copy(buf, 0, off, have);
        have -= off;
        off = 0;
      }
    }
    writeSync(output, buf, 0, off);
  }
  closeSync(output);
  closeSync(input);
  renameSync(tmp, to);
  return to;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t = Date.now();
  makeBig();
  console.log(
    `${TO}: ${COPIES} copies of ${FROM}, each shifted ${SHIFT} s (${((Date.now() - t) / 1000).toFixed(1)} s)`,
  );
}
