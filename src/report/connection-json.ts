/**
 * A connection's report entry as JSON text, written straight from the engine's
 * Connection: the same text as `JSON.stringify(connectionReport(conn))`, without
 * building the report object first. `--json` on a big capture writes tens of
 * MB of these; skipping the intermediate objects halves the time and the
 * garbage. test/report/connection-json.test.ts holds the two to each other.
 *
 * Every string here is the tool's own (state names, causes, anomaly kinds,
 * history letters, formatted addresses); each distinct one is escaped once
 * (JSON, then jsonSafe) and cached.
 */
import { CLIENT, type Connection, type Endpoint, SERVER } from '../tcp/connection.js';
import { STATE_NAMES } from '../tcp/states.js';
import { jsonSafe } from './sanitize.js';

const SIDES = ['client', 'server'] as const;

/** JSON text of a string, terminal-safe; cached (the set of strings is small). */
const quoted = new Map<string, string>();
function q(s: string): string {
  let j = quoted.get(s);
  if (j === undefined) {
    j = jsonSafe(JSON.stringify(s));
    if (quoted.size < 4096) quoted.set(s, j);
  }
  return j;
}

/**
 * JSON.stringify of a number. Timestamps repeat (both endpoints change state
 * on one segment; a connection starts and ends at a transition): the last
 * few conversions are remembered.
 */
const memoNum = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
const memoStr = ['', '', '', ''];
let memoNext = 0;
function num(x: number): string {
  for (let i = 0; i < 4; i++) if (memoNum[i] === x) return memoStr[i]!;
  const s = Number.isFinite(x) ? `${x}` : 'null';
  memoNum[memoNext] = x;
  memoStr[memoNext] = s;
  memoNext = (memoNext + 1) & 3;
  return s;
}

/**
 * The tail of a transition's object, from `"endpoint"` to the closing brace:
 * one per (cause, side, from, to), made once.
 */
const tails = new Map<string, string[]>();
function transitionTail(cause: string, side: number, from: number, to: number): string {
  let byCause = tails.get(cause);
  if (byCause === undefined) {
    byCause = [];
    if (tails.size < 4096) tails.set(cause, byCause);
  }
  const k = (side * 16 + from) * 16 + to;
  let t = byCause[k];
  if (t === undefined) {
    t = `"endpoint":"${SIDES[side]}","from":"${STATE_NAMES[from]}","to":"${STATE_NAMES[to]}","cause":${q(cause)}}`;
    byCause[k] = t;
  }
  return t;
}

/** Formatted IPv4 addresses by number (a capture has few hosts and many connections). */
const v4Text = new Map<number, string>();
function addrText(ep: Endpoint, ipVersion: 4 | 6): string {
  if (ipVersion === 6) return q(ep.addrText);
  let s = v4Text.get(ep.addr4);
  if (s === undefined) {
    s = `"${ep.addrText}"`;
    if (v4Text.size > 65536) v4Text.clear();
    v4Text.set(ep.addr4, s);
  }
  return s;
}

function endpointJson(ep: Endpoint, ipVersion: 4 | 6): string {
  return (
    `{"addr":${addrText(ep, ipVersion)},"port":${ep.port},"state":"${STATE_NAMES[ep.state]}"` +
    `,"packets":${ep.packets},"bytes":${ep.bytes},"dataSegments":${ep.dataSegments}` +
    `,"isn":${ep.hasIsn ? ep.isn : 'null'},"retransmissions":${ep.retransmissions}` +
    `,"synRetransmissions":${ep.synRetransmissions},"outOfOrder":${ep.outOfOrder}` +
    `,"dupAcks":${ep.dupAcks},"zeroWindows":${ep.zeroWindows},"keepAlives":${ep.keepAlives}` +
    `,"zeroWindowProbes":${ep.zeroWindowProbes},"mss":${ep.mss >= 0 ? ep.mss : 'null'}` +
    `,"windowScale":${ep.wscale >= 0 ? ep.wscale : 'null'},"sack":${ep.sackPermitted}` +
    `,"timestamps":${ep.timestamps}}`
  );
}

/** `JSON.stringify(connectionReport(conn))`, terminal-safe. */
export function connectionJson(conn: Connection): string {
  let tr = '';
  const n = conn.transitionCount;
  for (let i = 0; i < n; i++) {
    const tail = transitionTail(
      conn.transitionCause(i),
      conn.transitionSide(i),
      conn.transitionFrom(i),
      conn.transitionTo(i),
    );
    tr += `${i === 0 ? '' : ','}{"t":${num(conn.transitionT(i))},"frame":${conn.transitionFrame(i)},${tail}`;
  }
  let an = '';
  const as = conn.anomalies;
  for (let i = 0; i < as.length; i++) an += i === 0 ? q(as[i]!) : `,${q(as[i]!)}`;
  const rtt = conn.synTs > 0 && conn.ackTs > 0 ? num(conn.ackTs - conn.synTs) : 'null';
  return (
    `{"id":${conn.id},"client":${endpointJson(conn.ep[CLIENT], conn.ipVersion)}` +
    `,"server":${endpointJson(conn.ep[SERVER], conn.ipVersion)}` +
    `,"roleInferred":${conn.roleInferred},"midstream":${conn.midstream},"timedOut":${conn.timedOut}` +
    `,"start":${num(conn.start)},"end":${num(conn.end)},"duration":${num(conn.end - conn.start)}` +
    `,"handshakeRtt":${rtt},"connState":${q(conn.zeek.connState())},"history":${q(conn.zeek.history)}` +
    `,"transitions":[${tr}],"anomalies":[${an}]}`
  );
}
