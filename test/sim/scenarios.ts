/**
 * Scenarios: families built to show one anomaly kind each (or none: the clean
 * ones), and a fast-check generator of random application scripts and path
 * conditions. Hosts: side A 10.0.0.1 (clients), side B 10.0.0.2 (servers).
 */
import fc from 'fast-check';
import type { Settings } from '../../src/config/settings.js';
import type { Action, CaptureConfig, Drop, PathConfig, Scenario } from './sim.js';
import type { SockOpts } from './tcp.js';

export const A = '10.0.0.1';
export const B = '10.0.0.2';
/** A second server on side B: the tickers' listener, so that a vanished B does not silence them. */
export const C = '10.0.0.3';
/** A second client on side A, the tickers' source. */
export const A2 = '10.0.0.4';

/** Path and capture conditions that every family may be run under without changing what it shows. */
export interface Conditions {
  delayAB: number;
  delayBA: number;
  /** Capture point, 0 next to A, 1 next to B. */
  at: number;
  seed: number;
}

export interface Family {
  name: string;
  /** The kinds it must raise; [] for a clean family (no warning or error) unless `forbids` is given. */
  raises: string[];
  /** Kinds it must not raise (then it is not checked as clean: a family that is not a clean run). */
  forbids?: string[];
  /** Analyzer settings (lowered thresholds where the default needs hundreds of connections). */
  settings?: Partial<Settings>;
  /** Capture ends where the scenario's last frame falls; conditions vary delay and vantage. */
  build(c: Conditions): Scenario;
}

export const listen = (
  opts: Partial<{ backlog: number; synCookies: boolean; opts: Partial<SockOpts> }> = {},
): Action => ({
  t: 0,
  op: 'listen',
  host: B,
  port: 80,
  ...opts,
});
export const connect = (
  t: number,
  sock = 'c',
  port = 40000,
  opts?: Partial<SockOpts>,
  isn?: number,
): Action => ({
  t,
  op: 'connect',
  sock,
  host: A,
  port,
  to: B,
  toPort: 80,
  opts,
  isn,
});

/** A short clean connection to C at `t`: keeps the capture going past a threshold. */
export function ticker(t: number, port = 45000): Action[] {
  const sock = `tick${port}`;
  return [
    { t: 0, op: 'listen', host: C, port: 80 },
    { t, op: 'connect', sock, host: A2, port, to: C, toPort: 80 },
    { t: t + 0.5, op: 'send', sock, bytes: 100 },
  ];
}

export function scenario(
  name: string,
  c: Conditions,
  actions: Action[],
  until: number,
  path: Partial<PathConfig> = {},
  capture: Partial<CaptureConfig> = {},
): Scenario {
  return {
    name,
    a: [A, A2],
    b: [B, C],
    path: {
      delayAB: c.delayAB,
      delayBA: c.delayBA,
      loss: 0,
      dup: 0,
      reorder: 0,
      reorderDelay: 0,
      drops: [],
      ...path,
    },
    capture: { at: c.at, dir: 'both', loss: 0, twice: false, ...capture },
    actions: [...actions].sort((x, y) => x.t - y.t),
    until,
    seed: c.seed,
  };
}

/** A request/response exchange and a close by `closer` (the other side closes on EOF). */
export function exchange(closer: 'c' | 's0', bytes = 3000): Action[] {
  const other = closer === 'c' ? 's0' : 'c';
  return [
    { t: 0, op: 'close-on-eof', sock: other, after: 0.005 },
    { t: 0.3, op: 'send', sock: 'c', bytes: 300 },
    { t: 0.6, op: 'send', sock: 's0', bytes },
    { t: 1.5, op: 'close', sock: closer },
  ];
}

/** The server host vanishes mid-transfer; the client's options decide when it gives up; a ticker follows. */
function serverVanishes(name: string, c: Conditions, opts: Partial<SockOpts>): Scenario {
  return scenario(
    name,
    c,
    [
      listen(),
      connect(0.1, 'c', 40000, opts),
      { t: 0.5, op: 'silent', host: B },
      { t: 1, op: 'send', sock: 'c', bytes: 1000 },
      ...ticker(30),
    ],
    35,
  );
}

export const FAMILIES: Family[] = [
  {
    name: 'clean: client closes first',
    raises: [],
    build: (c) => scenario('clean-client-close', c, [listen(), connect(0.1), ...exchange('c')], 10),
  },
  {
    name: 'clean: server closes first',
    raises: [],
    build: (c) => scenario('clean-server-close', c, [listen(), connect(0.1), ...exchange('s0', 20000)], 10),
  },
  {
    name: 'clean: simultaneous close',
    raises: [],
    build: (c) =>
      scenario(
        'clean-simultaneous-close',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.3, op: 'send', sock: 'c', bytes: 500 },
          { t: 1, op: 'close', sock: 'c' },
          { t: 1, op: 'close', sock: 's0' },
        ],
        10,
      ),
  },
  {
    name: 'clean: simultaneous open',
    raises: [],
    build: (c) =>
      scenario(
        'clean-simultaneous-open',
        c,
        [
          connect(0.1, 'c', 40000, undefined),
          { t: 0.1, op: 'connect', sock: 'p', host: B, port: 80, to: A, toPort: 40000 },
          { t: 0.5, op: 'send', sock: 'c', bytes: 200 },
          { t: 1, op: 'close', sock: 'c' },
          { t: 0, op: 'close-on-eof', sock: 'p', after: 0.01 },
        ],
        10,
      ),
  },
  {
    name: 'clean: one lost data segment, recovered',
    raises: [],
    build: (c) =>
      scenario('clean-one-loss', c, [listen(), connect(0.1), ...exchange('c', 6000)], 10, {
        drops: [{ from: B, what: 'DATA', nth: 2, where: 'after' }],
      }),
  },
  {
    name: 'clean: the FIN carries the ACK (the peer closes at once on EOF)',
    raises: [],
    build: (c) =>
      scenario(
        'clean-fin-ack',
        c,
        [
          listen(),
          connect(0.1),
          ...exchange('c').map((a) => (a.op === 'close-on-eof' ? { ...a, after: 0 } : a)),
        ],
        10,
      ),
  },
  {
    name: 'clean: a FIN lost after the capture point is retransmitted',
    raises: [],
    build: (c) =>
      scenario('clean-fin-lost', c, [listen(), connect(0.1), ...exchange('c')], 10, {
        drops: [{ from: A, what: 'FIN', nth: 1, where: 'after' }],
      }),
  },
  {
    name: 'clean: the last ACK lost after the capture point, the FIN retransmitted into TIME_WAIT',
    raises: [],
    build: (c) =>
      scenario(
        'clean-last-ack-lost',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0, op: 'close-on-eof', sock: 's0', after: 0.005 },
          { t: 1, op: 'close', sock: 'c' },
        ],
        10,
        {
          drops: [{ from: A, what: 'ACK', nth: 2, where: 'after' }],
        },
      ),
  },
  {
    name: 'the client gives up in SYN_SENT and resets the late SYN-ACK: not a mid-stream RST',
    raises: [],
    forbids: ['mid-stream-rst'],
    build: (c) =>
      scenario(
        'syn-sent-gives-up',
        c,
        [listen(), connect(0.1), { t: 0.1 + c.delayAB, op: 'close', sock: 'c' }],
        3,
      ),
  },
  {
    name: 'a RST in CLOSING: simultaneous close, the peer crashes before acknowledging',
    raises: [],
    forbids: [],
    build: (c) =>
      scenario(
        'rst-closing',
        c,
        [
          listen(),
          connect(0.1),
          { t: 1, op: 'close', sock: 'c' },
          { t: 1, op: 'close', sock: 's0' },
          { t: 1 + c.delayAB + 0.001, op: 'crash', host: B },
        ],
        5,
        { drops: [{ from: B, what: 'ACK', nth: 1, where: 'before' }] },
      ),
  },
  {
    name: 'connection refused (no listener)',
    raises: ['connection-refused'],
    build: (c) => scenario('refused', c, [connect(0.1)], 5),
  },
  {
    name: 'mid-stream RST: SO_LINGER 0 abort',
    raises: ['mid-stream-rst'],
    build: (c) =>
      scenario(
        'abort',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.5, op: 'send', sock: 'c', bytes: 2000 },
          { t: 1, op: 'abort', sock: 's0' },
        ],
        5,
      ),
  },
  {
    name: 'mid-stream RST: close with unread data',
    raises: ['mid-stream-rst'],
    build: (c) =>
      scenario(
        'unread-close',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.2, op: 'pause-read', sock: 's0' },
          { t: 0.5, op: 'send', sock: 'c', bytes: 2000 },
          { t: 1, op: 'close', sock: 's0' },
        ],
        5,
      ),
  },
  {
    name: 'mid-stream RST: data to a crashed (rebooted) host',
    raises: ['mid-stream-rst'],
    build: (c) =>
      scenario(
        'crash',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.5, op: 'crash', host: B },
          { t: 1, op: 'send', sock: 'c', bytes: 100 },
        ],
        5,
      ),
  },
  {
    name: 'close-wait-stuck and fin-wait-2-stuck: the server never closes',
    raises: ['close-wait-stuck', 'fin-wait-2-stuck'],
    build: (c) =>
      scenario(
        'close-wait',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.3, op: 'send', sock: 'c', bytes: 100 },
          { t: 1, op: 'shutdown', sock: 'c' },
          ...ticker(80),
        ],
        90,
      ),
  },
  {
    name: 'orphan FIN_WAIT_2 timeout (tcp_fin_timeout): the client closed, the server never does',
    raises: ['close-wait-stuck'],
    build: (c) =>
      scenario(
        'orphan-fin-wait-2',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.3, op: 'send', sock: 'c', bytes: 100 },
          { t: 1, op: 'close', sock: 'c' },
          ...ticker(70),
        ],
        80,
      ),
  },
  {
    name: 'SYN retries exhausted: the server host is down',
    raises: ['syn-no-synack'],
    build: (c) =>
      scenario(
        'syn-retries',
        c,
        [{ t: 0, op: 'silent', host: B }, connect(0.1, 'c', 40000, { synRetries: 3 }), ...ticker(20)],
        25,
      ),
  },
  {
    name: 'SYN-ACK retries exhausted: the client vanishes after its SYN',
    raises: ['synack-no-ack'],
    build: (c) =>
      scenario(
        'synack-retries',
        c,
        [
          listen({ opts: { synackRetries: 2 } }),
          connect(0.1),
          { t: 0.1 + c.delayAB / 2, op: 'silent', host: A },
          ...ticker(12),
        ],
        15,
      ),
  },
  {
    name: 'retransmissions exhausted (tcp_retries2): the server vanishes mid-transfer',
    raises: ['half-open'],
    build: (c) => serverVanishes('retries2', c, { retries2: 3 }),
  },
  {
    name: 'TCP_USER_TIMEOUT: the server vanishes mid-transfer',
    raises: ['half-open'],
    build: (c) => serverVanishes('user-timeout', c, { userTimeout: 20 }),
  },
  {
    name: 'keep-alive timeout: the idle peer vanished',
    raises: ['keep-alive'],
    build: (c) =>
      scenario(
        'keep-alive-timeout',
        c,
        [
          listen(),
          connect(0.1, 'c', 40000, { keepalive: { idle: 3, intvl: 1, probes: 3 } }),
          { t: 0.5, op: 'silent', host: B },
        ],
        20,
      ),
  },
  {
    name: 'abort in CLOSE_WAIT: the client half-closed, the server resets',
    raises: ['mid-stream-rst'],
    build: (c) =>
      scenario(
        'abort-close-wait',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.3, op: 'send', sock: 'c', bytes: 100 },
          { t: 1, op: 'shutdown', sock: 'c' },
          { t: 2, op: 'abort', sock: 's0' },
        ],
        5,
      ),
  },
  {
    name: 'RST in FIN_WAIT_1: the client closes behind a zero window, the server resets',
    raises: ['mid-stream-rst', 'zero-window'],
    build: (c) =>
      scenario(
        'rst-fin-wait-1',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.2, op: 'pause-read', sock: 's0' },
          { t: 0.3, op: 'send', sock: 'c', bytes: 80_000 },
          { t: 2, op: 'close', sock: 'c' },
          { t: 3, op: 'abort', sock: 's0' },
        ],
        6,
      ),
  },
  {
    name: 'clean: simultaneous open, closed while in SYN_RECEIVED',
    raises: [],
    build: (c) =>
      scenario(
        'simultaneous-open-close',
        c,
        [
          connect(0.1),
          { t: 0.1, op: 'connect', sock: 'p', host: B, port: 80, to: A, toPort: 40000 },
          // A is in SYN_RECEIVED from B's SYN (0.1 + delayBA) until B's SYN-ACK (0.1 + delayAB + delayBA).
          { t: 0.1 + c.delayBA + 0.5 * c.delayAB, op: 'close', sock: 'c' },
          { t: 0, op: 'close-on-eof', sock: 'p', after: 0.01 },
        ],
        10,
      ),
  },
  {
    name: 'time-wait-storm: many short connections closed by the client',
    raises: ['time-wait-storm'],
    settings: { timeWaitThreshold: 5 },
    build: (c) => {
      const acts: Action[] = [listen(), { t: 0, op: 'close-on-eof', sock: 's0', after: 0.001 }];
      for (let i = 0; i < 10; i++) {
        acts.push(connect(0.1 + i * 0.5, `c${i}`, 40000 + i));
        acts.push({ t: 0.3 + i * 0.5, op: 'close', sock: `c${i}` });
        acts.push({ t: 0, op: 'close-on-eof', sock: `s${i}`, after: 0.001 });
      }
      return scenario('time-wait-storm', c, acts, 20);
    },
  },
  {
    name: 'syn-flood: spoofed SYNs fill the SYN queue (SYN cookies beyond it)',
    raises: ['syn-flood', 'synack-no-ack'],
    settings: { synFloodThreshold: 10 },
    build: (c) =>
      scenario(
        'syn-flood',
        c,
        [
          listen({ backlog: 16 }),
          { t: 0.1, op: 'spoof-syns', to: B, toPort: 80, count: 40, every: 0.01 },
          ...ticker(10),
        ],
        15,
      ),
  },
  {
    name: 'zero-window: the receiver stops reading',
    raises: ['zero-window'],
    build: (c) =>
      scenario(
        'zero-window',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.2, op: 'pause-read', sock: 's0' },
          { t: 0.3, op: 'send', sock: 'c', bytes: 100_000 },
          { t: 8, op: 'resume-read', sock: 's0' },
          { t: 12, op: 'close', sock: 'c' },
          { t: 0, op: 'close-on-eof', sock: 's0', after: 0.01 },
        ],
        20,
      ),
  },
  {
    name: 'keep-alive: probes on an idle connection',
    raises: ['keep-alive'],
    build: (c) =>
      scenario(
        'keep-alive',
        c,
        [
          listen(),
          connect(0.1, 'c', 40000, { keepalive: { idle: 5, intvl: 2, probes: 3 } }),
          { t: 0.5, op: 'send', sock: 'c', bytes: 100 },
          { t: 30, op: 'close', sock: 'c' },
          { t: 0, op: 'close-on-eof', sock: 's0', after: 0.01 },
        ],
        35,
      ),
  },
  {
    name: 'retransmission burst: ten data segments lost after the capture point',
    raises: ['retransmission-burst', 'high-retransmission-rate'],
    build: (c) =>
      scenario(
        'burst',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.3, op: 'send', sock: 'c', bytes: 40 * 1460 },
          { t: 8, op: 'close', sock: 'c' },
          { t: 0, op: 'close-on-eof', sock: 's0', after: 0.01 },
        ],
        12,
        { drops: [{ from: A, what: 'DATA', nth: 3, count: 10, where: 'after' }] },
      ),
  },
  {
    name: 'half-open: the server host vanishes, the client keeps sending',
    raises: ['half-open'],
    build: (c) =>
      scenario(
        'half-open',
        c,
        [
          listen(),
          connect(0.1),
          { t: 0.5, op: 'silent', host: B },
          { t: 1, op: 'send', sock: 'c', bytes: 1000 },
        ],
        40,
      ),
  },
  {
    name: 'syn-no-synack: the server host is down',
    raises: ['syn-no-synack'],
    build: (c) => scenario('syn-no-synack', c, [{ t: 0, op: 'silent', host: B }, connect(0.1)], 20),
  },
  {
    name: 'synack-no-ack: the client vanishes after its SYN',
    raises: ['synack-no-ack'],
    build: (c) =>
      scenario(
        'synack-no-ack',
        c,
        [listen(), connect(0.1), { t: 0.1 + c.delayAB / 2, op: 'silent', host: A }],
        20,
      ),
  },
  {
    name: 'port-reuse-time-wait: a new SYN with a higher ISN takes over TIME_WAIT',
    raises: ['port-reuse-time-wait'],
    build: (c) =>
      scenario(
        'tw-reuse',
        c,
        [
          listen(),
          connect(0.1, 'c', 40000, undefined, 1000),
          { t: 0, op: 'close-on-eof', sock: 'c', after: 0.001 },
          { t: 0.5, op: 'send', sock: 'c', bytes: 100 },
          { t: 1, op: 'close', sock: 's0' },
          connect(5, 'c2', 40000, undefined, 500_000_000),
          { t: 6, op: 'close', sock: 'c2' },
          { t: 0, op: 'close-on-eof', sock: 's1', after: 0.001 },
        ],
        10,
      ),
  },
  {
    name: 'data-after-rst: the server streams while the client aborts',
    raises: ['data-after-rst'],
    build: (c) =>
      scenario(
        'data-after-rst',
        { ...c, at: 0 },
        [
          listen(),
          connect(0.1),
          { t: 0.3, op: 'send', sock: 's0', bytes: 200_000 },
          { t: 0.3 + 3 * c.delayBA, op: 'abort', sock: 'c' },
        ],
        5,
      ),
  },
  {
    name: 'midstream-start: the capture begins after the handshake',
    raises: ['midstream-start'],
    build: (c) => ({
      ...scenario('midstream', c, [listen(), connect(0.1), ...exchange('c')], 10),
      captureFrom: 0.5,
    }),
  },
];

// --- random scripts and conditions ---

const dur = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const maybe = <T>(arb: fc.Arbitrary<T>, none: T, freq = 2) =>
  fc.oneof({ weight: freq, arbitrary: fc.constant(none) }, { weight: 1, arbitrary: arb });

const dropArb: fc.Arbitrary<Drop> = fc.record({
  from: fc.constantFrom(A, B),
  what: fc.constantFrom('SYN', 'SYNACK', 'FIN', 'RST', 'ACK', 'DATA', 'ANY') as fc.Arbitrary<Drop['what']>,
  nth: fc.integer({ min: 1, max: 3 }),
  where: fc.constantFrom('before', 'after') as fc.Arbitrary<'before' | 'after'>,
  count: fc.integer({ min: 1, max: 3 }),
});

export const pathArb: fc.Arbitrary<PathConfig> = fc.record({
  delayAB: dur(0.0002, 0.08),
  delayBA: dur(0.0002, 0.08),
  loss: maybe(dur(0, 0.15), 0),
  dup: maybe(dur(0, 0.1), 0),
  reorder: maybe(dur(0, 0.3), 0),
  reorderDelay: dur(0, 0.03),
  drops: maybe(fc.array(dropArb, { minLength: 1, maxLength: 2 }), [], 1),
});

export const captureArb: fc.Arbitrary<CaptureConfig> = fc.record({
  at: fc.oneof(fc.constantFrom(0, 1), dur(0, 1)),
  dir: fc.constantFrom('both', 'both', 'both', 'both', 'AtoB', 'BtoA') as fc.Arbitrary<CaptureConfig['dir']>,
  loss: maybe(dur(0, 0.1), 0, 3),
  twice: fc.constant(false),
});

const OPS = [
  'send',
  'send',
  'send',
  'shutdown',
  'close',
  'close',
  'abort',
  'pause-read',
  'resume-read',
] as const;

const stepArb = fc.record({
  dt: dur(0.001, 3),
  sock: fc.constantFrom('c', 's0'),
  op: fc.constantFrom(...OPS),
  bytes: fc.integer({ min: 1, max: 30000 }),
});

const optsArb: fc.Arbitrary<Partial<SockOpts>> = fc.record(
  {
    synRetries: fc.integer({ min: 1, max: 6 }),
    synackRetries: fc.integer({ min: 1, max: 5 }),
    retries2: fc.integer({ min: 2, max: 8 }),
    userTimeout: maybe(dur(2, 30), 0),
    keepalive: maybe(
      fc.record({ idle: dur(2, 20), intvl: dur(1, 5), probes: fc.integer({ min: 1, max: 4 }) }),
      null,
    ),
    finTimeout: fc.constantFrom(60, 10),
  },
  { requiredKeys: [] },
);

/** A random run: one connection (sometimes a second on the same port), random steps, random path and capture. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    path: pathArb,
    capture: captureArb,
    noListener: fc.integer({ min: 0, max: 9 }),
    t0: dur(0, 1),
    copts: optsArb,
    sopts: optsArb,
    steps: fc.array(stepArb, { maxLength: 7 }),
    serverEof: maybe(dur(0, 3), -1, 1),
    clientEof: maybe(dur(0, 3), -1, 1),
    hostEvent: maybe(
      fc.record({
        op: fc.constantFrom('silent', 'crash') as fc.Arbitrary<'silent' | 'crash'>,
        host: fc.constantFrom(A, B),
        t: dur(0, 8),
      }),
      null,
      5,
    ),
    second: maybe(fc.record({ dt: dur(0.5, 30), higherIsn: fc.boolean() }), null, 3),
    simOpen: fc.integer({ min: 0, max: 19 }),
    tail: dur(1, 120),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map((g) => {
    const acts: Action[] = [];
    const simOpen = g.simOpen === 0;
    if (simOpen) {
      acts.push({
        t: g.t0,
        op: 'connect',
        sock: 's0',
        host: B,
        port: 80,
        to: A,
        toPort: 40000,
        opts: g.sopts,
      });
    } else if (g.noListener !== 0) acts.push({ t: 0, op: 'listen', host: B, port: 80, opts: g.sopts });
    acts.push({
      t: g.t0,
      op: 'connect',
      sock: 'c',
      host: A,
      port: 40000,
      to: B,
      toPort: 80,
      opts: g.copts,
      isn: 100_000,
    });
    if (g.serverEof >= 0) acts.push({ t: 0, op: 'close-on-eof', sock: 's0', after: g.serverEof });
    if (g.clientEof >= 0) acts.push({ t: 0, op: 'close-on-eof', sock: 'c', after: g.clientEof });
    let t = g.t0 + 0.2;
    for (const s of g.steps) {
      t += s.dt;
      if (s.op === 'send') acts.push({ t, op: 'send', sock: s.sock, bytes: s.bytes });
      else acts.push({ t, op: s.op, sock: s.sock });
    }
    if (g.hostEvent) acts.push({ ...g.hostEvent, t: g.t0 + g.hostEvent.t });
    if (g.second && !simOpen) {
      const t2 = t + g.second.dt;
      acts.push({
        t: t2,
        op: 'connect',
        sock: 'c2',
        host: A,
        port: 40000,
        to: B,
        toPort: 80,
        isn: g.second.higherIsn ? 2_000_000_000 : 50,
        opts: g.copts,
      });
      acts.push({ t: t2 + 0.5, op: 'send', sock: 'c2', bytes: 500 });
      acts.push({ t: t2 + 1, op: 'close', sock: 'c2' });
      acts.push({ t: 0, op: 'close-on-eof', sock: 's1', after: 0.01 });
      t = t2 + 1;
    }
    const sc: Scenario = {
      name: 'random',
      a: [A],
      b: [B],
      path: g.path,
      capture: g.capture,
      actions: acts.sort((x, y) => x.t - y.t),
      until: t + g.tail,
      seed: g.seed,
    };
    return sc;
  });
