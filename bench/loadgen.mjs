#!/usr/bin/env node
/**
 * The benchmark capture's traffic: many short request/response connections
 * plus a few bulk transfers, between the two namespaces bench/make-capture.sh
 * creates (never any other address).
 *
 *   node bench/loadgen.mjs server <addr>
 *   node bench/loadgen.mjs client <server-addr> [--short N] [--bulk N] [--bulk-mb MB] [--concurrency N]
 *
 * Protocol (both ports): the client sends an 8-byte header, uint32 response
 * size and uint8 mode, then `pad` request bytes (uint16 at offset 5). Port 8080
 * answers with the response; mode 0 lets the client close first (client in
 * TIME_WAIT), mode 1 makes the server close first. Port 8081 is the same
 * for the bulk transfers (the server writes, then closes; the client closes
 * after the server's FIN). Sizes come from a seeded PRNG so runs are alike.
 */
import net from 'node:net';
import { rng } from '../test/helpers/mutate.mjs';

const SHORT_PORT = 8080;
const BULK_PORT = 8081;

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const BLOCK = Buffer.alloc(1 << 20, 0x61);

/** Writes `size` bytes honouring back-pressure, then calls done. */
function writeSized(sock, size, done) {
  let left = size;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, BLOCK.length);
      left -= n;
      if (!sock.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
        sock.once('drain', pump);
        return;
      }
    }
    done();
  };
  pump();
}

function serve(addr) {
  const handler = (sock) => {
    sock.setNoDelay(true);
    let hdr = Buffer.alloc(0);
    let need = 8;
    let started = false;
    sock.on('data', (d) => {
      if (started) return;
      hdr = Buffer.concat([hdr, d]);
      if (hdr.length >= 8) need = 8 + hdr.readUInt16BE(5);
      if (hdr.length < need) return;
      started = true;
      const size = hdr.readUInt32BE(0);
      const mode = hdr[4];
      writeSized(sock, size, () => {
        if (mode === 1) sock.end();
      });
    });
    // The client closed (mode 0) or answered our FIN (mode 1): close our side.
    sock.on('end', () => sock.end());
    sock.on('error', () => {});
  };
  for (const port of [SHORT_PORT, BULK_PORT]) {
    net.createServer({ allowHalfOpen: true }, handler).listen({ host: addr, port, backlog: 4096 });
  }
  process.stdout.write('listening\n');
  process.on('SIGTERM', () => process.exit(0));
}

function request(host, port, size, mode, pad) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, allowHalfOpen: true });
    sock.setNoDelay(true);
    let got = 0;
    const req = Buffer.alloc(8 + pad, 0x62);
    req.writeUInt32BE(size, 0);
    req[4] = mode;
    req.writeUInt16BE(pad, 5);
    sock.on('connect', () => sock.write(req));
    sock.on('data', (d) => {
      got += d.length;
      if (got >= size && mode === 0) sock.end();
    });
    sock.on('end', () => {
      if (mode === 1) sock.end();
    });
    sock.on('close', () => resolve(got));
    sock.on('error', () => resolve(-1));
  });
}

async function client(host) {
  const short = arg('short', 36000);
  const bulk = arg('bulk', 6);
  const bulkMb = arg('bulk-mb', 120);
  const conc = arg('concurrency', 64);
  const rnd = rng(20261121);
  let failed = 0;
  const t0 = Date.now();
  // Bulk transfers run alongside the short connections, two at a time.
  const bulkJobs = (async () => {
    for (let i = 0; i < bulk; i += 2) {
      const n = Math.min(2, bulk - i);
      const rs = await Promise.all(
        Array.from({ length: n }, () => request(host, BULK_PORT, bulkMb * 1_000_000, 1, 0)),
      );
      failed += rs.filter((r) => r < 0).length;
    }
  })();
  let next = 0;
  const worker = async () => {
    while (next < short) {
      next++;
      const size = 100 + Math.floor(rnd() * rnd() * 12000);
      const pad = 40 + Math.floor(rnd() * 400);
      const mode = rnd() < 0.5 ? 0 : 1;
      if ((await request(host, SHORT_PORT, size, mode, pad)) < 0) failed++;
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  await bulkJobs;
  const s = (Date.now() - t0) / 1000;
  process.stdout.write(
    `client: ${short} short + ${bulk} bulk connections in ${s.toFixed(1)} s, ${failed} failed\n`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

const [mode, addr] = process.argv.slice(2);
if (mode === 'server') serve(addr);
else if (mode === 'client') await client(addr);
else {
  process.stderr.write(
    'usage: loadgen.mjs server <addr> | client <server-addr> [--short N] [--bulk N] [--bulk-mb MB]\n',
  );
  process.exitCode = 2;
}
