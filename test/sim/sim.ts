/**
 * The discrete-event simulator: hosts on two sides of one path, the path's
 * delay, loss, duplication and reordering, a capture point somewhere on it,
 * and application scripts. It records every state change of every endpoint
 * (the truth) and the frames the capture point saw.
 */
import { PcapWriter, rng } from '../helpers/pcap-writer.js';
import type { St } from './rfc9293.js';
import { F, Host, LINUX, type Seg, type SockOpts, Tcb, type World } from './tcp.js';
import { at, must } from '../../src/model/checked.js';

/** Deterministic pseudo-random numbers (the fuzzer's mulberry32). */
export const prng = rng;

/** A targeted drop: the `nth` (1-based) segment matching, lost before or after the capture point. */
export interface Drop {
  /** Sending host address. */
  from: string;
  /** Which segments: 'SYN', 'SYNACK', 'FIN', 'RST', 'ACK' (pure ACK), 'DATA'. */
  what: 'SYN' | 'SYNACK' | 'FIN' | 'RST' | 'ACK' | 'DATA' | 'ANY';
  nth: number;
  /** 'before': the capture misses it too; 'after': the capture saw it. */
  where: 'before' | 'after';
  /** How many matching segments from nth on (default 1). */
  count?: number;
}

export interface PathConfig {
  /** One-way delay A->B and B->A, seconds. */
  delayAB: number;
  delayBA: number;
  /** Random loss, duplication, reordering (an extra delay up to `reorderDelay`) probabilities per packet. */
  loss: number;
  dup: number;
  reorder: number;
  reorderDelay: number;
  drops: Drop[];
}

export interface CaptureConfig {
  /** Capture point: 0 next to side A, 1 next to side B. */
  at: number;
  dir: 'both' | 'AtoB' | 'BtoA';
  /** Frames the capture misses though the path delivered them. */
  loss: number;
  /** Every frame recorded twice (`-i any` on a router). */
  twice: boolean;
  /** Targeted capture misses: these segments travel on, the capture does not record them (`where` unused). */
  miss?: Drop[];
}

export const CLEAN_PATH: PathConfig = {
  delayAB: 0.01,
  delayBA: 0.01,
  loss: 0,
  dup: 0,
  reorder: 0,
  reorderDelay: 0,
  drops: [],
};
export const FULL_CAPTURE: CaptureConfig = { at: 0.5, dir: 'both', loss: 0, twice: false };

/** One scripted application step. `sock` names a socket: "c" (a client), "s0" (a listener's first child). */
export type Action =
  | {
      t: number;
      op: 'listen';
      host: string;
      port: number;
      backlog?: number;
      synCookies?: boolean;
      opts?: Partial<SockOpts>;
    }
  | {
      t: number;
      op: 'connect';
      sock: string;
      host: string;
      port: number;
      to: string;
      toPort: number;
      isn?: number;
      opts?: Partial<SockOpts>;
    }
  | { t: number; op: 'send'; sock: string; bytes: number }
  | { t: number; op: 'shutdown' | 'close' | 'abort' | 'pause-read' | 'resume-read'; sock: string }
  | { t: number; op: 'close-on-eof'; sock: string; after: number }
  | { t: number; op: 'silent' | 'crash'; host: string }
  | { t: number; op: 'spoof-syns'; to: string; toPort: number; count: number; every: number };

export interface Scenario {
  name: string;
  /** Hosts of side A (clients) and side B (servers). */
  a: string[];
  b: string[];
  path: PathConfig;
  capture: CaptureConfig;
  actions: Action[];
  /** Simulated seconds; the capture ends here too. */
  until: number;
  seed: number;
  /** The capture starts at this time (a capture begun mid-connection). */
  captureFrom?: number;
}

export interface TruthChange {
  t: number;
  from: St;
  to: St;
  event: string;
}

/** One endpoint as the simulator knows it. */
export interface TruthEndpoint {
  addr: string;
  port: number;
  peer: string;
  peerPort: number;
  /** 32-bit ISN. */
  isn: number;
  name: string;
  changes: TruthChange[];
  /** The host crashed (its state vanished without a segment) or went silent. */
  crashedAt: number | null;
  silentAt: number | null;
}

export interface Frame {
  /** Capture time. */
  t: number;
  /** When the sender sent it. */
  sent: number;
  /** The sending endpoint's state when it sent it (none for a host with no TCB, or a spoofed source). */
  senderState?: St;
  seg: Seg;
  /** A->B */
  ab: boolean;
}

export interface SimResult {
  scenario: Scenario;
  frames: Frame[];
  endpoints: TruthEndpoint[];
  /** (state, event) -> count: what the run exercised. */
  coverage: Map<string, number>;
}

const EPOCH = 1_780_000_000;

class Sim implements World {
  private t = 0;
  private queue: { t: number; n: number; fn: () => void; dead: boolean }[] = [];
  private n = 0;
  readonly hosts = new Map<string, Host>();
  readonly sockets = new Map<string, Tcb>();
  readonly happened: Happened = { captureLoss: false, pathLoss: false, dup: false, reorder: false };
  readonly frames: Frame[] = [];
  readonly tcbs: Tcb[] = [];
  readonly coverage = new Map<string, number>();
  private readonly sideA = new Set<string>();
  private readonly r: () => number;
  private readonly matched = new Map<Drop, number>();
  private readonly eofPolicy = new Map<string, number>();
  private readonly eofDone = new Set<Tcb>();
  readonly crashedAt = new Map<string, number>();
  readonly silentAt = new Map<string, number>();

  constructor(readonly sc: Scenario) {
    this.r = prng(sc.seed);
    for (const a of sc.a) this.sideA.add(a);
    for (const h of [...sc.a, ...sc.b]) this.hosts.set(h, new Host(this, h));
  }

  now(): number {
    return this.t;
  }

  isn(): number {
    return Math.floor(this.r() * 2 ** 32);
  }

  at(t: number, fn: () => void): () => void {
    const ev = { t, n: this.n++, fn, dead: false };
    // A sorted insert: the queues here hold tens of events.
    let i = this.queue.length;
    while (
      i > 0 &&
      (at(this.queue, i - 1).t > t || (at(this.queue, i - 1).t === t && at(this.queue, i - 1).n > ev.n))
    )
      i--;
    this.queue.splice(i, 0, ev);
    return () => {
      ev.dead = true;
    };
  }

  changed(tcb: Tcb, from: St, to: St, event: string): void {
    // A listener's child is the listener's LISTEN -> SYN_RECEIVED in RFC 9293's
    // terms, and a RST sends it back to LISTEN (3.10.7.4): count it as such.
    if (tcb.passive && from === 'CLOSED' && to === 'SYN_RECEIVED') from = 'LISTEN';
    if (tcb.passive && from === 'SYN_RECEIVED' && to === 'CLOSED' && event === 'rcv RST') to = 'LISTEN';
    this.count(`${from} --${event}--> ${to}`);
  }

  event(_tcb: Tcb | null, state: string, event: string): void {
    this.count(`${state} --${event}--> ${state}`);
  }

  private count(k: string): void {
    this.coverage.set(k, (this.coverage.get(k) ?? 0) + 1);
  }

  onEof(tcb: Tcb): void {
    const after = this.eofPolicy.get(tcb.name);
    if (after === undefined || this.eofDone.has(tcb)) return;
    this.eofDone.add(tcb);
    if (after === 0) tcb.close();
    else this.at(this.t + after, () => tcb.close());
  }

  private kind(seg: Seg): Drop['what'] {
    if (seg.flags & F.RST) return 'RST';
    if (seg.flags & F.SYN) return seg.flags & F.ACK ? 'SYNACK' : 'SYN';
    if (seg.flags & F.FIN) return 'FIN';
    return seg.len > 0 ? 'DATA' : 'ACK';
  }

  adopt(tcb: Tcb): void {
    this.sockets.set(tcb.name, tcb);
    this.tcbs.push(tcb);
  }

  transmit(host: Host, seg: Seg): void {
    if (!host.silent) this.wire(seg);
  }

  /** The path: targeted and random loss, delay, reordering, duplication; the capture point on the way. */
  private wire(seg: Seg): void {
    const ab = this.sideA.has(seg.src);
    const p = this.sc.path;
    const c = this.sc.capture;
    // Position of the capture point along this packet's way, 0 at the sender.
    const capPos = ab ? c.at : 1 - c.at;
    let lostAt = 2;
    const k = this.kind(seg);
    for (const d of p.drops) {
      if (d.from !== seg.src || (d.what !== k && d.what !== 'ANY')) continue;
      const m = (this.matched.get(d) ?? 0) + 1;
      this.matched.set(d, m);
      if (m >= d.nth && m < d.nth + (d.count ?? 1))
        lostAt = d.where === 'before' ? capPos / 2 : (1 + capPos) / 2;
    }
    let missed = false;
    const h = this.happened;
    for (const d of c.miss ?? []) {
      if (d.from !== seg.src || (d.what !== k && d.what !== 'ANY')) continue;
      const m = (this.matched.get(d) ?? 0) + 1;
      this.matched.set(d, m);
      if (m >= d.nth && m < d.nth + (d.count ?? 1)) missed = true;
    }
    if (lostAt > 1 && p.loss > 0 && this.r() < p.loss) lostAt = this.r();
    if (lostAt <= 1) h.pathLoss = true;
    let delay = ab ? p.delayAB : p.delayBA;
    if (p.reorder > 0 && this.r() < p.reorder) {
      delay += this.r() * p.reorderDelay;
      h.reorder = true;
    }
    const copies = p.dup > 0 && this.r() < p.dup ? 2 : 1;
    if (copies > 1) h.dup = true;
    for (let i = 0; i < copies; i++) {
      const extra = i * 1e-4;
      const dropped = c.loss > 0 && this.r() < c.loss;
      if (missed || dropped) h.captureLoss = true;
      const seen = !missed && lostAt > capPos && (c.dir === 'both' || (c.dir === 'AtoB') === ab) && !dropped;
      if (seen) {
        const tc = this.t + capPos * delay + extra;
        this.frames.push({ t: tc, sent: this.t, senderState: seg.from?.state, seg, ab });
        if (c.twice) this.frames.push({ t: tc + 2e-6, sent: this.t, senderState: seg.from?.state, seg, ab });
      }
      if (lostAt <= 1) continue;
      const dst = this.hosts.get(seg.dst);
      if (dst) this.at(this.t + delay + extra, () => dst.receive(seg));
    }
  }

  private opts(o?: Partial<SockOpts>): SockOpts {
    return { ...LINUX, ...o };
  }

  private act(a: Action): void {
    const sock = 'sock' in a ? this.sockets.get(a.sock) : undefined;
    switch (a.op) {
      case 'listen': {
        const h = must(this.hosts.get(a.host), 'this.hosts.get(a.host)');
        h.listeners.set(a.port, {
          port: a.port,
          backlog: a.backlog ?? 128,
          synCookies: a.synCookies ?? true,
          opts: this.opts(a.opts),
          accepted: 0,
          onEof: null,
        });
        this.count('CLOSED --listen--> LISTEN');
        return;
      }
      case 'connect': {
        const h = must(this.hosts.get(a.host), 'this.hosts.get(a.host)');
        if (h.silent) return;
        const tcb = new Tcb(h, a.port, a.to, a.toPort, this.opts(a.opts), a.sock);
        if (h.tcbs.has(`${a.port}|${a.to}|${a.toPort}`)) {
          this.count('CLOSED --connect: address in use--> CLOSED');
          return;
        }
        this.adopt(tcb);
        h.add(tcb);
        tcb.connect(a.isn ?? this.isn());
        return;
      }
      case 'silent': {
        const h = must(this.hosts.get(a.host), 'this.hosts.get(a.host)');
        h.silent = true;
        this.silentAt.set(a.host, this.t);
        return;
      }
      case 'crash': {
        const h = must(this.hosts.get(a.host), 'this.hosts.get(a.host)');
        this.crashedAt.set(a.host, this.t);
        h.crash();
        return;
      }
      case 'spoof-syns': {
        for (let i = 0; i < a.count; i++) {
          this.at(this.t + i * a.every, () => {
            const seg: Seg = {
              src: `192.0.2.${1 + (i % 250)}`,
              dst: a.to,
              sport: 1024 + i,
              dport: a.toPort,
              seq: this.isn(),
              ack: 0,
              flags: F.SYN,
              win: 65535,
              len: 0,
              mss: 1460,
              ipId: i,
            };
            // Spoofed sources sit on side A; no host answers for them.
            this.sideA.add(seg.src);
            this.wire(seg);
          });
        }
        return;
      }
      case 'close-on-eof':
        this.eofPolicy.set(a.sock, a.after);
        if (sock?.state === 'CLOSE_WAIT') this.onEof(sock);
        return;
    }
    // After close() the application holds no socket; a vanished host runs no application.
    if (!sock || sock.state === 'CLOSED' || sock.orphan || sock.host.silent) {
      this.count(`- --${a.op} on no socket--> -`);
      return;
    }
    switch (a.op) {
      case 'send':
        sock.send(a.bytes);
        return;
      case 'shutdown':
        sock.shutdown();
        return;
      case 'close':
        sock.close();
        return;
      case 'abort':
        sock.abort();
        return;
      case 'pause-read':
        sock.setReading(false);
        return;
      case 'resume-read':
        sock.setReading(true);
        return;
    }
  }

  run(): void {
    for (const a of this.sc.actions) this.at(a.t, () => this.act(a));
    while (this.queue.length > 0) {
      const ev = must(this.queue.shift(), 'this.queue.shift()');
      if (ev.t > this.sc.until) break;
      if (ev.dead) continue;
      this.t = ev.t;
      ev.fn();
    }
    this.t = this.sc.until;
  }
}

export function simulate(sc: Scenario): SimResult {
  const sim = new Sim(sc);
  sim.run();
  const frames = sim.frames
    .filter((f) => f.t <= sc.until && f.t >= (sc.captureFrom ?? 0))
    .sort((x, y) => x.t - y.t);
  const endpoints = sim.tcbs.map((tcb): TruthEndpoint => ({
    addr: tcb.host.addr,
    port: tcb.lport,
    peer: tcb.raddr,
    peerPort: tcb.rport,
    isn: tcb.iss >>> 0,
    name: tcb.name,
    changes: tcb.log.map((c) => ({ ...c })),
    crashedAt: sim.crashedAt.get(tcb.host.addr) ?? null,
    silentAt: sim.silentAt.get(tcb.host.addr) ?? null,
  }));
  if ((sc.captureFrom ?? 0) > 0) sim.happened.captureLoss = true;
  HAPPENED.set(sc, sim.happened);
  return { scenario: sc, frames, endpoints, coverage: sim.coverage };
}

/** What a run's path and capture actually did (not only what they were allowed to do). */
export interface Happened {
  captureLoss: boolean;
  pathLoss: boolean;
  dup: boolean;
  reorder: boolean;
}

/** Of each scenario simulated: what happened in its run (the oracle's condition labels). */
export const HAPPENED = new WeakMap<Scenario, Happened>();

/** The state of an endpoint at time t (CLOSED before its first change). */
export function stateAt(ep: TruthEndpoint, t: number): St {
  let s: St = 'CLOSED';
  for (const c of ep.changes) if (c.t <= t) s = c.to;
  return s;
}

/** The capture as pcap bytes (Ethernet, microsecond stamps), times from EPOCH. */
export function toPcap(frames: Frame[]): Uint8Array {
  const w = new PcapWriter();
  for (const f of frames) {
    const s = f.seg;
    w.tcp({
      t: EPOCH + f.t,
      src: s.src,
      dst: s.dst,
      sport: s.sport,
      dport: s.dport,
      seq: s.seq,
      ack: s.ack,
      flags: s.flags,
      win: s.win,
      payload: s.len,
      options: s.mss !== undefined ? [2, 4, s.mss >> 8, s.mss & 255] : undefined,
      ipId: s.ipId,
    });
  }
  return w.bytes().slice();
}

export const SIM_EPOCH = EPOCH;
