#!/usr/bin/env node
/**
 * Synthetic endless pcap streams on stdout, made up packet by packet (no
 * capture needed), for the soak test (bench/soak.mjs) and the signal tests:
 *
 *   node bench/gen-stream.mjs short|open|synflood [--packets N] [--rate PPS] | tcptrace-ts -
 *
 * - short: request/response connections of 10 packets (handshake, request,
 *   response, FIN both ways), 64 at a time, each on a new client port/address:
 *   the tracker must forget ended connections.
 * - open: connections that never close: a new one every ~8 packets (handshake,
 *   then data on random live ones), none ever ending; the flow table fills up
 *   to --max-connections and idle timeouts have to forget them.
 * - synflood: SYNs from ever new addresses and ports to one listener, never
 *   answered.
 *
 * Ethernet/IPv4/TCP, 1 us of capture time a packet (1 M packets/s of traffic).
 * Progress goes to stderr as `packets N` about every --every packets (default
 * 1 M) handed to the pipe. --packets 0 (the default) is endless; --rate limits packets a second of wall
 * time (default: as fast as the reader takes them).
 */
const kind = process.argv[2] ?? 'short';
function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const total = arg('packets', 0);
const rate = arg('rate', 0);
const every = arg('every', 1_000_000);
let told = 0;
if (!['short', 'open', 'synflood'].includes(kind)) {
  process.stderr.write('usage: gen-stream.mjs short|open|synflood [--packets N] [--rate PPS]\n');
  process.exit(2);
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const HDR = 16 + 14 + 20 + 20;
const CHUNK = 1 << 20;
let buf = Buffer.alloc(CHUNK);
let used = 0;
let written = 0;
let usec = 0;
const t0 = 1_800_000_000;

const out = process.stdout;
out.on('error', () => process.exit(0));
function flush() {
  const b = buf.subarray(0, used);
  buf = Buffer.alloc(CHUNK);
  used = 0;
  if (out.write(b)) return null;
  return new Promise((resolve) => out.once('drain', resolve));
}

/** One packet: src -> dst (addresses as uint32), ports, seq, ack, flags, payload length. */
function packet(src, sport, dst, dport, seq, ack, flags, len) {
  const o = used;
  const cap = 54 + len;
  usec++;
  buf.writeUInt32LE(t0 + Math.floor(usec / 1e6), o);
  buf.writeUInt32LE(usec % 1e6, o + 4);
  buf.writeUInt32LE(cap, o + 8);
  buf.writeUInt32LE(cap, o + 12);
  const e = o + 16;
  buf.fill(0, e, e + 54 + len);
  buf[e] = 2;
  buf[e + 6] = 4;
  buf.writeUInt16BE(0x0800, e + 12);
  const ip = e + 14;
  buf[ip] = 0x45;
  buf.writeUInt16BE(40 + len, ip + 2);
  buf[ip + 8] = 64;
  buf[ip + 9] = 6;
  buf.writeUInt32BE(src >>> 0, ip + 12);
  buf.writeUInt32BE(dst >>> 0, ip + 16);
  const t = ip + 20;
  buf.writeUInt16BE(sport, t);
  buf.writeUInt16BE(dport, t + 2);
  buf.writeUInt32BE(seq >>> 0, t + 4);
  buf.writeUInt32BE(ack >>> 0, t + 8);
  buf[t + 12] = 0x50;
  buf[t + 13] = flags;
  buf.writeUInt16BE(65535, t + 14);
  used += HDR + len;
  written++;
}

const SERVER = 0x0a000001; // 10.0.0.1
/** Client number n as an address in 10.128.0.0/9 and a port. */
const client = (n) => [0x0a800000 + ((n >>> 6) & 0x7fffff), 1024 + (n & 63) * 900 + ((n >>> 29) & 7)];

let nConn = 0;
/** A connection's steps, packet by packet. */
function* shortConn() {
  const [c, cp] = client(nConn++);
  const isn = 1000;
  const sisn = 5000;
  yield () => packet(c, cp, SERVER, 80, isn, 0, SYN, 0);
  yield () => packet(SERVER, 80, c, cp, sisn, isn + 1, SYN | ACK, 0);
  yield () => packet(c, cp, SERVER, 80, isn + 1, sisn + 1, ACK, 0);
  yield () => packet(c, cp, SERVER, 80, isn + 1, sisn + 1, PSH | ACK, 100);
  yield () => packet(SERVER, 80, c, cp, sisn + 1, isn + 101, ACK, 0);
  yield () => packet(SERVER, 80, c, cp, sisn + 1, isn + 101, PSH | ACK, 200);
  yield () => packet(c, cp, SERVER, 80, isn + 101, sisn + 201, FIN | ACK, 0);
  yield () => packet(SERVER, 80, c, cp, sisn + 201, isn + 102, FIN | ACK, 0);
  yield () => packet(c, cp, SERVER, 80, isn + 102, sisn + 202, ACK, 0);
  yield () => packet(SERVER, 80, c, cp, sisn + 202, isn + 102, ACK, 0);
}

let seed = 12345;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};

async function main() {
  const started = Date.now();
  const live = [];
  /** Open connections of the `open` stream: [client, port, next client seq]. */
  const open = [];
  let iter = 0;
  while (total === 0 || written < total) {
    if (kind === 'short') {
      while (live.length < 64) live.push(shortConn());
      const i = Math.floor(rnd() * live.length);
      const r = live[i].next();
      if (r.done) live.splice(i, 1);
      else r.value();
    } else if (kind === 'open') {
      if (iter++ % 4 === 0 || open.length === 0) {
        const [c, cp] = client(nConn++);
        packet(c, cp, SERVER, 80, 1000, 0, SYN, 0);
        packet(SERVER, 80, c, cp, 5000, 1001, SYN | ACK, 0);
        packet(c, cp, SERVER, 80, 1001, 5001, ACK, 0);
        open.push([c, cp, 1001]);
        if (open.length > 400_000) open.splice(0, 1000);
      } else {
        const conn = open[open.length - 1 - Math.floor(rnd() * Math.min(open.length, 5000))];
        packet(conn[0], conn[1], SERVER, 80, conn[2], 5001, PSH | ACK, 50);
        packet(SERVER, 80, conn[0], conn[1], 5001, conn[2] + 50, ACK, 0);
        conn[2] += 50;
      }
    } else {
      const [c, cp] = client(nConn++);
      packet(c, cp, SERVER, 80, Math.floor(rnd() * 2 ** 32), 0, SYN, 0);
    }
    if (used > CHUNK - 4096) {
      if (written - told >= every) {
        told = written;
        process.stderr.write(`packets ${written}\n`);
      }
      const w = flush();
      if (w) await w;
      if (rate > 0) {
        const ahead = written / rate - (Date.now() - started) / 1000;
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
      }
    }
  }
  const w = flush();
  if (w) await w;
}

const head = Buffer.alloc(24);
head.writeUInt32LE(0xa1b2c3d4, 0);
head.writeUInt16LE(2, 4);
head.writeUInt16LE(4, 6);
head.writeUInt32LE(262144, 16);
head.writeUInt32LE(1, 20);
out.write(head);
await main();
