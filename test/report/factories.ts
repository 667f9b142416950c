/**
 * Builders for report-model values, for renderer tests and anyone else who
 * needs a realistic Report without a capture. In the smoltcp style: a default
 * for everything, overrides for what the test is about.
 *
 *   const conn = connection({ id: 3, server: { state: 'CLOSE_WAIT' }, anomalies: ['close-wait-stuck'] });
 *   const rep = report({ connections: [conn], anomalies: [anomaly('close-wait-stuck', { connection: 3 })] });
 *   const lad = ladder(normalCloseSteps());
 */
import { KIND_BY_NAME } from '../../src/model/kinds.js';
import type {
  AnomalyReport,
  CaptureSummary,
  ConnectionReport,
  EndpointReport,
  LadderReport,
  LadderRow,
  Report,
  StateSummary,
  Transition,
} from '../../src/model/report.js';
import type { StateName } from '../../src/model/states.js';
import { must } from '../../src/model/checked.js';

/**
 * What a terminal would act on: C0 controls, DEL, C1 controls, bidi controls and
 * line separators. Output checks use it (colour sequences are stripped first).
 */
export const UNSAFE_RE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** 2025-11-21T12:00:00.123456Z: every builder's default clock starts here. */
export const T0 = 1763726400.123456;

type DeepPartialConn = Partial<Omit<ConnectionReport, 'client' | 'server'>> & {
  client?: Partial<EndpointReport>;
  server?: Partial<EndpointReport>;
};

export function endpoint(o: Partial<EndpointReport> = {}): EndpointReport {
  return {
    addr: '10.0.0.1',
    port: 40000,
    state: 'CLOSED',
    packets: 0,
    bytes: 0,
    isn: null,
    retransmissions: 0,
    synRetransmissions: 0,
    outOfOrder: 0,
    dupAcks: 0,
    zeroWindows: 0,
    zeroWindowProbes: 0,
    keepAlives: 0,
    mss: 1460,
    windowScale: 7,
    sack: true,
    timestamps: true,
    since: null,
    stateEvidence: 'seen',
    ...o,
  };
}

/** A connection; by default a normal close (client TIME_WAIT, server CLOSED) from 10.0.0.1:(40000+id) to 10.0.0.2:80. */
export function connection(o: DeepPartialConn = {}): ConnectionReport {
  const id = o.id ?? 1;
  const start = o.start ?? T0 + (id - 1) * 0.01;
  const duration = o.duration ?? (o.end !== undefined ? o.end - start : 0.25);
  const { client, server, ...rest } = o;
  return {
    id,
    client: endpoint({
      addr: '10.0.0.1',
      port: 40000 + (id % 25000),
      state: 'TIME_WAIT',
      packets: 6,
      bytes: 517,
      isn: 1000000 + id,
      ...client,
    }),
    server: endpoint({
      addr: '10.0.0.2',
      port: 80,
      state: 'CLOSED',
      packets: 5,
      bytes: 1448,
      isn: 2000000 + id,
      ...server,
    }),
    roleInferred: false,
    midstream: false,
    timedOut: false,
    vantage: 'client',
    oneWay: false,
    captureGaps: 0,
    duplicates: 0,
    endNotCaptured: false,
    start,
    end: start + duration,
    duration,
    handshakeRtt: 0.000412,
    connState: 'SF',
    history: 'ShADadFf',
    transitions: [],
    anomalies: [],
    ...rest,
  };
}

/** An anomaly of a registered kind: severity and hint from the registry unless given. */
export function anomaly(kind: string, o: Partial<AnomalyReport> = {}): AnomalyReport {
  const k = KIND_BY_NAME.get(kind);
  const host = k?.level === 'host';
  return {
    kind,
    severity: k?.severity ?? 'warning',
    connection: host ? null : 1,
    endpoint: host ? null : 'server',
    ...(host ? { host: '10.0.0.2' } : {}),
    t: T0 + 1,
    frame: 1,
    message: `${kind} happened`,
    hint: k?.hint ?? 'no hint',
    ...o,
  };
}

/** ss-style counts per side and per host (the busiest `maxHosts` host/side pairs). */
export function summariseStates(conns: ConnectionReport[], maxHosts = 10): StateSummary {
  const client: Record<string, number> = {};
  const server: Record<string, number> = {};
  const hosts = new Map<string, StateSummary['hosts'][number]>();
  for (const c of conns) {
    for (const side of ['client', 'server'] as const) {
      const e = c[side];
      const rec = side === 'client' ? client : server;
      rec[e.state] = (rec[e.state] ?? 0) + 1;
      const key = `${side} ${e.addr}`;
      let h = hosts.get(key);
      if (!h) hosts.set(key, (h = { host: e.addr, side, total: 0, states: {} }));
      h.total++;
      h.states[e.state] = (h.states[e.state] ?? 0) + 1;
    }
  }
  const busiest = [...hosts.values()].sort((a, b) => b.total - a.total).slice(0, maxHosts);
  return { client, server, hosts: busiest };
}

export function capture(o: Partial<CaptureSummary> = {}): CaptureSummary {
  return {
    files: ['trace.pcap'],
    format: 'pcap',
    gzip: false,
    linkTypes: ['EN10MB'],
    packets: 11,
    tcpPackets: 11,
    skipped: {},
    start: T0,
    end: T0 + 0.25,
    truncated: false,
    damaged: false,
    warnings: [],
    ...o,
  };
}

/**
 * A report: the states are summarised from the connections, and the capture's
 * packet counts and time span follow them, unless given.
 */
export function report(
  o: Partial<Omit<Report, 'capture'>> & { capture?: Partial<CaptureSummary> } = {},
): Report {
  const connections = o.connections ?? [];
  const packets = connections.reduce((s, c) => s + c.client.packets + c.server.packets, 0);
  const start = connections.length ? Math.min(...connections.map((c) => c.start)) : null;
  const end = connections.length ? Math.max(...connections.map((c) => c.end)) : null;
  return {
    version: 1,
    connections,
    anomalies: o.anomalies ?? [],
    states: o.states ?? summariseStates(connections),
    summarised: o.summarised ?? { connections: 0, states: {} },
    ...(o.gate ? { gate: o.gate } : {}),
    capture: capture({ packets, tcpPackets: packets, start, end, ...o.capture }),
  };
}

// --- Ladders ---------------------------------------------------------------------------

/** One segment of a ladder script. Sequence numbers follow from the lengths unless given. */
export interface Step {
  dir: 'c2s' | 's2c';
  flags: string;
  len?: number;
  win?: number;
  /** Seconds since the previous segment (default 0.0002). */
  dt?: number;
  /** The sender's or receiver's state after this segment, when it changes. */
  client?: StateName;
  server?: StateName;
  retransmission?: boolean;
  anomalies?: string[];
  /** Relative sequence number override (a retransmission re-sends an older one). */
  seq?: number;
  ack?: number;
}

export function row(o: Partial<LadderRow> = {}): LadderRow {
  return {
    frame: 1,
    t: T0,
    rel: 0,
    dir: 'c2s',
    flags: 'S',
    seq: 1000001,
    ack: 0,
    relSeq: 0,
    relAck: 0,
    len: 0,
    win: 64240,
    clientState: 'SYN_SENT',
    serverState: 'SYN_RECEIVED',
    clientChanged: true,
    serverChanged: true,
    retransmission: false,
    anomalies: [],
    ...o,
  };
}

export interface LadderInit {
  conn?: DeepPartialConn;
  clientState?: StateName;
  serverState?: StateName;
  clientIsn?: number;
  serverIsn?: number;
  /** Frame of the first segment; later ones add `frameStep` (other traffic in between). */
  frame?: number;
  frameStep?: number;
  /** Final states when they differ from the last row's (TIME_WAIT expired, ...). */
  finalClient?: StateName;
  finalServer?: StateName;
}

/** Rows, transitions and a matching connection from a script of segments. */
export function ladder(steps: Step[], init: LadderInit = {}): LadderReport {
  const isn = { c2s: init.clientIsn ?? 3_000_000_000, s2c: init.serverIsn ?? 1_234_567 };
  const nxt = { c2s: 0, s2c: 0 };
  let cs: StateName = init.clientState ?? 'CLOSED';
  let ss: StateName = init.serverState ?? 'LISTEN';
  let t = init.conn?.start ?? T0;
  let frame = init.frame ?? 1;
  const t0 = t;
  const rows: LadderRow[] = [];
  const transitions: Transition[] = [];
  const count = { c2s: { packets: 0, bytes: 0, retx: 0 }, s2c: { packets: 0, bytes: 0, retx: 0 } };
  steps.forEach((s, i) => {
    if (i > 0) t += s.dt ?? 0.0002;
    const other = s.dir === 'c2s' ? 's2c' : 'c2s';
    const len = s.len ?? 0;
    const relSeq = s.seq ?? nxt[s.dir];
    const consumed = len + (s.flags.includes('S') ? 1 : 0) + (s.flags.includes('F') ? 1 : 0);
    nxt[s.dir] = Math.max(nxt[s.dir], relSeq + consumed);
    const hasAck = s.flags.includes('.');
    const relAck = hasAck ? (s.ack ?? nxt[other]) : 0;
    const clientChanged = s.client !== undefined && s.client !== cs;
    const serverChanged = s.server !== undefined && s.server !== ss;
    if (clientChanged) {
      transitions.push({
        t,
        frame,
        endpoint: 'client',
        from: cs,
        to: must(s.client, 's.client'),
        cause: `${s.dir} ${s.flags}`,
      });
      cs = must(s.client, 's.client');
    }
    if (serverChanged) {
      transitions.push({
        t,
        frame,
        endpoint: 'server',
        from: ss,
        to: must(s.server, 's.server'),
        cause: `${s.dir} ${s.flags}`,
      });
      ss = must(s.server, 's.server');
    }
    count[s.dir].packets++;
    count[s.dir].bytes += len;
    if (s.retransmission) count[s.dir].retx++;
    rows.push({
      frame,
      t,
      rel: t - t0,
      dir: s.dir,
      flags: s.flags,
      seq: (isn[s.dir] + relSeq) % 2 ** 32,
      ack: hasAck ? (isn[other] + relAck) % 2 ** 32 : 0,
      relSeq,
      relAck,
      len,
      win: s.win ?? (s.dir === 'c2s' ? 64240 : 65160),
      clientState: cs,
      serverState: ss,
      clientChanged,
      serverChanged,
      retransmission: s.retransmission ?? false,
      anomalies: s.anomalies ?? [],
    });
    frame += init.frameStep ?? 1;
  });
  const kinds = [...new Set(rows.flatMap((r) => r.anomalies))];
  const conn = connection({
    start: t0,
    end: t,
    duration: t - t0,
    transitions,
    anomalies: kinds,
    ...init.conn,
    client: {
      state: init.finalClient ?? cs,
      packets: count.c2s.packets,
      bytes: count.c2s.bytes,
      retransmissions: count.c2s.retx,
      isn: isn.c2s,
      ...init.conn?.client,
    },
    server: {
      state: init.finalServer ?? ss,
      packets: count.s2c.packets,
      bytes: count.s2c.bytes,
      retransmissions: count.s2c.retx,
      isn: isn.s2c,
      ...init.conn?.server,
    },
  });
  return { connection: conn, rows, elided: 0 };
}

/** Handshake, one request and response, client closes first: 11 segments (RFC 9293 figure 13 style). */
export function normalCloseSteps(): Step[] {
  return [
    { dir: 'c2s', flags: 'S', client: 'SYN_SENT', server: 'SYN_RECEIVED' },
    { dir: 's2c', flags: 'S.', dt: 0.000412, client: 'ESTABLISHED' },
    { dir: 'c2s', flags: '.', dt: 0.00003, server: 'ESTABLISHED' },
    { dir: 'c2s', flags: 'P.', len: 517, dt: 0.0001 },
    { dir: 's2c', flags: '.', dt: 0.0004, win: 64640 },
    { dir: 's2c', flags: 'P.', len: 1448, dt: 0.0213 },
    { dir: 'c2s', flags: '.', dt: 0.00004, win: 63784 },
    { dir: 'c2s', flags: 'F.', dt: 0.2, client: 'FIN_WAIT_1', server: 'CLOSE_WAIT' },
    { dir: 's2c', flags: '.', dt: 0.0004, client: 'FIN_WAIT_2' },
    { dir: 's2c', flags: 'F.', dt: 0.0011, server: 'LAST_ACK', client: 'TIME_WAIT' },
    { dir: 'c2s', flags: '.', dt: 0.0004, server: 'CLOSED' },
  ];
}

/** RFC 9293 figure 7: both SYNs cross; each side goes SYN_SENT → SYN_RECEIVED → ESTABLISHED. */
export function simultaneousOpenSteps(): Step[] {
  return [
    { dir: 'c2s', flags: 'S', client: 'SYN_SENT' },
    // The server's own SYN (no ACK): it had sent it before the client's SYN arrived.
    { dir: 's2c', flags: 'S', dt: 0.00001, server: 'SYN_RECEIVED', client: 'SYN_RECEIVED' },
    // Each side repeats its SYN (seq=ISN) with the ACK of the other's.
    { dir: 'c2s', flags: 'S.', dt: 0.0003, seq: 0, server: 'ESTABLISHED' },
    { dir: 's2c', flags: 'S.', dt: 0.00001, seq: 0, client: 'ESTABLISHED' },
    { dir: 'c2s', flags: 'P.', len: 12, dt: 0.01 },
    { dir: 's2c', flags: '.', dt: 0.0003 },
  ];
}

/** RFC 9293 figure 14: both FINs cross; both sides go FIN_WAIT_1 → CLOSING → TIME_WAIT. */
export function simultaneousCloseSteps(): Step[] {
  return [
    ...normalCloseSteps().slice(0, 3),
    { dir: 'c2s', flags: 'P.', len: 100 },
    { dir: 's2c', flags: 'P.', len: 200, dt: 0.01 },
    { dir: 'c2s', flags: 'F.', dt: 0.5, client: 'FIN_WAIT_1' },
    // The server's FIN crossed the client's: the server was in FIN_WAIT_1 and has the
    // client's FIN by now, the client gets a FIN in FIN_WAIT_1: both CLOSING.
    { dir: 's2c', flags: 'F.', dt: 0.00001, ack: 101, server: 'CLOSING', client: 'CLOSING' },
    { dir: 'c2s', flags: '.', dt: 0.0003, server: 'TIME_WAIT' },
    { dir: 's2c', flags: '.', dt: 0.00001, client: 'TIME_WAIT' },
  ];
}

/** A SYN answered by RST: nothing listens on the port. */
export function refusedSteps(): Step[] {
  return [
    { dir: 'c2s', flags: 'S', client: 'SYN_SENT' },
    { dir: 's2c', flags: 'R.', dt: 0.00021, win: 0, client: 'CLOSED', anomalies: ['connection-refused'] },
  ];
}

/** Client closes; the server acknowledges and never closes (its application leaks the socket). */
export function closeWaitSteps(): Step[] {
  return [
    ...normalCloseSteps().slice(0, 7),
    { dir: 'c2s', flags: 'F.', dt: 1.5, client: 'FIN_WAIT_1', server: 'CLOSE_WAIT' },
    { dir: 's2c', flags: '.', dt: 0.0004, client: 'FIN_WAIT_2' },
  ];
}

/** Data with a lost segment, its retransmission, a zero window, then a RST from the server. */
export function midStreamRstSteps(): Step[] {
  return [
    ...normalCloseSteps().slice(0, 3),
    { dir: 'c2s', flags: 'P.', len: 1448, dt: 0.001 },
    { dir: 'c2s', flags: 'P.', len: 1448, dt: 0.0001 },
    { dir: 's2c', flags: '.', dt: 0.0004, ack: 1, win: 65160 },
    { dir: 'c2s', flags: 'P.', len: 1448, dt: 0.2, seq: 1, retransmission: true },
    { dir: 's2c', flags: '.', dt: 0.0004, win: 0, anomalies: ['zero-window'] },
    {
      dir: 's2c',
      flags: 'R.',
      dt: 3.1,
      win: 0,
      server: 'CLOSED',
      client: 'CLOSED',
      anomalies: ['mid-stream-rst'],
    },
  ];
}

/** A long transfer: handshake, `n` data/ack pairs, then a normal close. */
export function bulkSteps(n: number): Step[] {
  const steps = normalCloseSteps().slice(0, 3);
  for (let i = 0; i < n; i++) {
    steps.push({ dir: 's2c', flags: '.', len: 1448, dt: 0.0001 });
    steps.push({ dir: 'c2s', flags: '.', dt: 0.00005 });
  }
  steps.push(...normalCloseSteps().slice(7));
  return steps;
}

/** The scenarios above as ladders, with the right initial states. */
export const LADDERS = {
  normalClose: () => ladder(normalCloseSteps()),
  simultaneousOpen: () => ladder(simultaneousOpenSteps(), { clientState: 'CLOSED', serverState: 'CLOSED' }),
  simultaneousClose: () => ladder(simultaneousCloseSteps()),
  refused: () => ladder(refusedSteps(), { serverState: 'CLOSED', conn: { connState: 'REJ', history: 'Sr' } }),
  closeWait: () => ladder(closeWaitSteps()),
  midStreamRst: () => ladder(midStreamRstSteps(), { conn: { connState: 'RSTR', history: 'ShADdR' } }),
  bulk: (n: number) => ladder(bulkSteps(n)),
} satisfies Record<string, (...args: never[]) => LadderReport>;

// --- Whole reports ---------------------------------------------------------------------

/** One report per ladder scenario: a capture of a single connection. */
export function reportOf(l: LadderReport, anomalies: AnomalyReport[] = []): Report {
  return report({ connections: [l.connection], anomalies, capture: { packets: l.rows.length } });
}

/** Five connections: three normal closes, one refused, one stuck in CLOSE_WAIT. */
export function smallReport(): Report {
  const normal = [1, 2, 3].map((id) => connection({ id, start: T0 + id * 0.5 }));
  const refused = connection({
    id: 4,
    start: T0 + 2.1,
    duration: 0.00021,
    client: { state: 'CLOSED', packets: 1, bytes: 0 },
    server: { addr: '10.0.0.3', port: 5432, state: 'CLOSED', packets: 1, bytes: 0 },
    connState: 'REJ',
    history: 'Sr',
    handshakeRtt: null,
    anomalies: ['connection-refused'],
  });
  const stuck = connection({
    id: 5,
    start: T0 + 0.2,
    duration: 312.4,
    client: { state: 'FIN_WAIT_2', packets: 9, bytes: 2048 },
    server: { state: 'CLOSE_WAIT', packets: 7, bytes: 81234 },
    connState: 'S1',
    history: 'ShADadF',
    anomalies: ['close-wait-stuck'],
  });
  return report({
    connections: [...normal, refused, stuck],
    anomalies: [
      anomaly('connection-refused', {
        connection: 4,
        endpoint: 'server',
        t: T0 + 2.10021,
        frame: 31,
        message: 'SYN to 10.0.0.3:5432 answered by RST after 210 µs',
        details: { rtt: 0.00021 },
      }),
      anomaly('close-wait-stuck', {
        connection: 5,
        endpoint: 'server',
        t: T0 + 312.6,
        frame: 40,
        message:
          'server 10.0.0.2:80 stayed in CLOSE_WAIT for 5 m 12 s (threshold 60 s) and never sent its FIN',
        details: { duration: 312.4, threshold: 60 },
      }),
    ],
    capture: { files: ['incident-42.pcap.gz'], gzip: true, skipped: { 'non-tcp': 12, arp: 3 } },
  });
}

/** `n` connections to one server that closes first, so the server holds them in TIME_WAIT. */
export function timeWaitStormReport(n = 600): Report {
  const connections: ConnectionReport[] = [];
  for (let id = 1; id <= n; id++) {
    connections.push(
      connection({
        id,
        start: T0 + id * 0.02,
        duration: 0.05,
        client: { addr: `10.0.1.${1 + (id % 3)}`, state: 'CLOSED' },
        server: { state: 'TIME_WAIT' },
        history: 'ShADadfF',
      }),
    );
  }
  return report({
    connections,
    anomalies: [
      anomaly('time-wait-storm', {
        host: '10.0.0.2',
        t: T0 + 10.01,
        frame: 4501,
        message: '10.0.0.2 held 600 endpoints in TIME_WAIT at once (threshold 500)',
        details: { count: n, threshold: 500 },
      }),
    ],
  });
}

/**
 * A busy capture: `n` connections from 50 client hosts to 4 servers, with
 * refusals, resets, zero windows, CLOSE_WAIT leaks, a TIME_WAIT storm and some
 * connections still open at the end.
 */
export function bigReport(n = 40_000): Report {
  const connections: ConnectionReport[] = [];
  const anomalies: AnomalyReport[] = [];
  for (let id = 1; id <= n; id++) {
    const start = T0 + id * 0.0075;
    const c = connection({
      id,
      start,
      duration: 0.05 + (id % 7) * 0.01,
      client: { addr: `10.1.${id % 50}.${1 + (id % 200)}`, port: 1024 + (id % 60000) },
      server: { addr: `10.0.0.${1 + (id % 4)}`, port: id % 4 === 0 ? 5432 : 443 },
    });
    if (id % 1000 === 7) {
      c.client.state = 'CLOSED';
      c.server.state = 'CLOSED';
      c.anomalies.push('connection-refused');
      anomalies.push(anomaly('connection-refused', { connection: id, t: start, frame: id * 11 }));
    } else if (id % 500 === 3) {
      c.client.state = 'CLOSED';
      c.server.state = 'CLOSED';
      c.anomalies.push('mid-stream-rst');
      anomalies.push(
        anomaly('mid-stream-rst', {
          connection: id,
          t: start + 0.04,
          frame: id * 11 + 5,
          message: `server sent RST after ${id % 90} s established, ${id % 17} kB unacknowledged`,
          details: { duration: id % 90 },
        }),
      );
    } else if (id % 8000 === 11) {
      c.client.state = 'FIN_WAIT_2';
      c.server.state = 'CLOSE_WAIT';
      c.anomalies.push('close-wait-stuck');
      anomalies.push(
        anomaly('close-wait-stuck', {
          connection: id,
          t: start + 100,
          frame: id * 11 + 9,
          message: `server stayed in CLOSE_WAIT for ${60 + (id % 300)} s`,
          details: { duration: 60 + (id % 300), threshold: 60 },
        }),
      );
    } else if (id % 40 === 5) {
      c.anomalies.push('zero-window');
      c.server.zeroWindows = 1 + (id % 5);
      anomalies.push(anomaly('zero-window', { connection: id, t: start + 0.01, frame: id * 11 + 3 }));
    } else if (id > n - 200) {
      c.client.state = 'ESTABLISHED';
      c.server.state = 'ESTABLISHED';
      c.anomalies.push('capture-ended-open');
      anomalies.push(anomaly('capture-ended-open', { connection: id, t: start + 0.05, frame: id * 11 + 10 }));
    }
    connections.push(c);
  }
  anomalies.push(
    anomaly('time-wait-storm', {
      host: '10.1.7.8',
      t: T0 + 200,
      frame: 123456,
      message: '10.1.7.8 held 812 endpoints in TIME_WAIT at once (threshold 500)',
      details: { count: 812, threshold: 500 },
    }),
  );
  anomalies.sort((a, b) => a.t - b.t);
  return report({
    connections,
    anomalies,
    capture: { files: ['edge-lb-01.pcapng'], format: 'pcapng', skipped: { 'non-tcp': 5123 } },
  });
}
