/**
 * A connection's report entry as JSON, written straight from the engine's
 * Connection: the same text as `JSON.stringify(connectionReport(conn))`, without
 * building the report object first, and as bytes (report/json-bytes.ts)
 * rather than a string. `--json` on a big capture writes tens of MB of these.
 * test/report/connection-json.test.ts holds the two to each other.
 *
 * Every string here is the tool's own (state names, causes, anomaly kinds,
 * history letters, formatted addresses); each distinct one is escaped once
 * (JSON, then jsonSafe, then any non-ASCII character as `\u` so that the
 * text is ASCII) and cached.
 */
import {
  type Connection,
  type Endpoint,
  type Side,
  SIDE_NAMES,
  transitionParts,
  VANTAGE_NAMES,
} from '../tcp/connection.js';
import { STATE_NAMES } from '../model/states.js';
import { roundMicros } from './format.js';
import { JsonBytes } from './json-bytes.js';
import { jsonSafe } from './sanitize.js';
import { at, mapTuple } from '../model/checked.js';

const NON_ASCII = /[\u0080-\uffff]/g;

/** JSON text of a string, terminal-safe and ASCII; cached (the set of strings is small). */
const quoted = new Map<string, string>();
function q(s: string): string {
  let j = quoted.get(s);
  if (j === undefined) {
    j = jsonSafe(JSON.stringify(s)).replace(
      NON_ASCII,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    if (quoted.size < 4096) quoted.set(s, j);
  }
  return j;
}

/** The bytes of an ASCII string (fragments are written with one copy each). */
const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
/** `q(s)` as bytes, cached like q. */
const quotedBytes = new Map<string, Uint8Array>();
function qb(s: string): Uint8Array {
  let x = quotedBytes.get(s);
  if (x === undefined) {
    x = b(q(s));
    if (quotedBytes.size < 4096) quotedBytes.set(s, x);
  }
  return x;
}

/**
 * The tail of a transition's object, from `,"endpoint"` to the closing brace,
 * by its transitionCode (side, states and cause): made once each.
 */
const tails: (Uint8Array | undefined)[] = [];
function transitionTail(code: number): Uint8Array {
  let t = tails[code];
  if (t === undefined) {
    const { side, from, to, cause, inferred } = transitionParts(code);
    t = b(
      `,"endpoint":"${SIDE_NAMES[side]}","from":"${STATE_NAMES[from]}","to":"${STATE_NAMES[to]}","cause":${q(cause)}${inferred ? ',"inferred":true' : ''}}`,
    );
    tails[code] = t;
  }
  return t;
}

/**
 * `{"addr":` and the formatted IPv4 address, by number (a capture has few hosts
 * and many connections); the last one of each side is checked first (see
 * docs/performance.md#boxing).
 */
const v4Text = new Map<number, Uint8Array>();
const lastV4: [number, number] = [-1, -1];
const lastV4Text: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
function addrBytes(ep: Endpoint, side: Side, ipVersion: 4 | 6): Uint8Array {
  if (ipVersion === 6) return b(`{"addr":${q(ep.addrText)}`);
  const a = ep.addr4;
  if (lastV4[side] === a) return lastV4Text[side];
  let s = v4Text.get(a);
  if (s === undefined) {
    s = b(`{"addr":"${ep.addrText}"`);
    if (v4Text.size > 65536) v4Text.clear();
    v4Text.set(a, s);
  }
  lastV4[side] = a;
  lastV4Text[side] = s;
  return s;
}

/** `,"state":"<name>","packets":` by state. */
const STATE_KEYS = mapTuple(STATE_NAMES, (n) => b(`,"state":"${n}","packets":`));
const K = {
  port: b(',"port":'),
  bytes: b(',"bytes":'),
  dataSegments: b(',"dataSegments":'),
  isn: b(',"isn":'),
  retransmissions: b(',"retransmissions":'),
  synRetransmissions: b(',"synRetransmissions":'),
  outOfOrder: b(',"outOfOrder":'),
  dupAcks: b(',"dupAcks":'),
  zeroWindows: b(',"zeroWindows":'),
  keepAlives: b(',"keepAlives":'),
  zeroWindowProbes: b(',"zeroWindowProbes":'),
  allZero: b(
    ',"retransmissions":0,"synRetransmissions":0,"outOfOrder":0,"dupAcks":0,"zeroWindows":0,"keepAlives":0,"zeroWindowProbes":0',
  ),
  mss: b(',"mss":'),
  windowScale: b(',"windowScale":'),
  null: b('null'),
  sack: [b(',"sack":false'), b(',"sack":true')],
  timestamps: [b(',"timestamps":false'), b(',"timestamps":true')],
  since: b(',"since":'),
  evidence: [b(',"stateEvidence":"seen"}'), b(',"stateEvidence":"inferred"}')],
  vantage: mapTuple(VANTAGE_NAMES, (v) => b(`,"vantage":"${v}"`)),
  oneWay: [b(',"oneWay":false'), b(',"oneWay":true')],
  captureGaps: b(',"captureGaps":'),
  duplicates: b(',"duplicates":'),
  endNotCaptured: [b(',"endNotCaptured":false'), b(',"endNotCaptured":true')],
  id: b('{"id":'),
  client: b(',"client":'),
  server: b(',"server":'),
  roleInferred: [b(',"roleInferred":false'), b(',"roleInferred":true')],
  midstream: [b(',"midstream":false'), b(',"midstream":true')],
  timedOut: [b(',"timedOut":false'), b(',"timedOut":true')],
  start: b(',"start":'),
  end: b(',"end":'),
  duration: b(',"duration":'),
  handshakeRtt: b(',"handshakeRtt":'),
  connState: b(',"connState":'),
  history: b(',"history":'),
  transitions: b(',"transitions":['),
  t0: b('{"t":'),
  t: b(',{"t":'),
  frame: b(',"frame":'),
  anomalies: b('],"anomalies":['),
  close: b(']}'),
  tunnel: b('],"tunnel":'),
} as const;

function endpointJson(w: JsonBytes, ep: Endpoint, side: Side, ipVersion: 4 | 6): void {
  w.bytes(addrBytes(ep, side, ipVersion));
  w.bytes(K.port);
  w.num(ep.port);
  w.bytes(STATE_KEYS[ep.state]);
  w.num(ep.packets);
  w.bytes(K.bytes);
  w.num(ep.bytes);
  w.bytes(K.dataSegments);
  w.num(ep.dataSegments);
  w.bytes(K.isn);
  if (ep.hasIsn) w.num(ep.isn);
  else w.bytes(K.null);
  if (
    ep.retransmissions === 0 &&
    ep.synRetransmissions === 0 &&
    ep.outOfOrder === 0 &&
    ep.dupAcks === 0 &&
    ep.zeroWindows === 0 &&
    ep.keepAlives === 0 &&
    ep.zeroWindowProbes === 0
  ) {
    w.bytes(K.allZero); // most endpoints
  } else {
    w.bytes(K.retransmissions);
    w.num(ep.retransmissions);
    w.bytes(K.synRetransmissions);
    w.num(ep.synRetransmissions);
    w.bytes(K.outOfOrder);
    w.num(ep.outOfOrder);
    w.bytes(K.dupAcks);
    w.num(ep.dupAcks);
    w.bytes(K.zeroWindows);
    w.num(ep.zeroWindows);
    w.bytes(K.keepAlives);
    w.num(ep.keepAlives);
    w.bytes(K.zeroWindowProbes);
    w.num(ep.zeroWindowProbes);
  }
  w.bytes(K.mss);
  if (ep.mss >= 0) w.num(ep.mss);
  else w.bytes(K.null);
  w.bytes(K.windowScale);
  if (ep.wscale >= 0) w.num(ep.wscale);
  else w.bytes(K.null);
  w.bytes(K.sack[ep.sackPermitted ? 1 : 0]);
  w.bytes(K.timestamps[ep.timestamps ? 1 : 0]);
  w.bytes(K.since);
  if (ep.stateSince > 0) w.num(ep.stateSince);
  else w.bytes(K.null);
  w.bytes(K.evidence[ep.evidenceInferred ? 1 : 0]);
}

/** Writes `JSON.stringify(connectionReport(conn))`, terminal-safe and ASCII, into `w`. */
export function writeConnectionJson(w: JsonBytes, conn: Connection): void {
  w.bytes(K.id);
  w.num(conn.id);
  w.bytes(K.client);
  endpointJson(w, conn.client, 0, conn.ipVersion);
  w.bytes(K.server);
  endpointJson(w, conn.server, 1, conn.ipVersion);
  w.bytes(K.roleInferred[conn.roleInferred ? 1 : 0]);
  w.bytes(K.midstream[conn.midstream ? 1 : 0]);
  w.bytes(K.timedOut[conn.timedOut ? 1 : 0]);
  w.bytes(K.vantage[conn.vantage]);
  w.bytes(K.oneWay[conn.oneWay ? 1 : 0]);
  w.bytes(K.captureGaps);
  w.num(conn.captureGaps);
  w.bytes(K.duplicates);
  w.num(conn.duplicates);
  w.bytes(K.endNotCaptured[conn.endNotCaptured ? 1 : 0]);
  w.bytes(K.start);
  w.num(conn.start);
  w.bytes(K.end);
  w.num(conn.end);
  w.bytes(K.duration);
  w.num(roundMicros(conn.end - conn.start));
  w.bytes(K.handshakeRtt);
  if (conn.synTs > 0 && conn.ackTs > 0) w.num(roundMicros(conn.ackTs - conn.synTs));
  else w.bytes(K.null);
  w.bytes(K.connState);
  w.bytes(qb(conn.zeek.connState()));
  w.bytes(K.history);
  w.bytes(qb(conn.zeek.history));
  w.bytes(K.transitions);
  const n = conn.transitionCount;
  for (let i = 0; i < n; i++) {
    w.bytes(i === 0 ? K.t0 : K.t);
    w.num(conn.transitionT(i));
    w.bytes(K.frame);
    w.num(conn.transitionFrame(i));
    w.bytes(transitionTail(conn.transitionCode(i)));
  }
  w.bytes(K.anomalies);
  const as = conn.anomalies;
  for (let i = 0; i < as.length; i++) {
    if (i > 0) w.byte(44); // ,
    w.bytes(qb(at(as, i)));
  }
  if (conn.tunnel !== null) {
    // Rare (tunnelled connections only), and the chain is the tool's own text: stringified.
    w.bytes(K.tunnel);
    w.bytes(b(jsonSafe(JSON.stringify(conn.tunnel))));
    w.byte(125); // }
    return;
  }
  w.bytes(K.close);
}

const one = new JsonBytes(1 << 12);

/** `JSON.stringify(connectionReport(conn))`, terminal-safe (and ASCII), as a string. */
export function connectionJson(conn: Connection): string {
  writeConnectionJson(one, conn);
  const s = one.text();
  one.take();
  return s;
}
