/**
 * The oracle's checks: the tracker's report on a simulated capture against the
 * simulator's truth. Each check returns violations (empty when the property
 * holds); oracle.test.ts decides which fail the test and which are known
 * tracker gaps.
 */
import { analyze } from '../../src/analyze.js';
import type { Settings } from '../../src/config/settings.js';
import type { ConnectionReport, EndpointReport, Report } from '../../src/model/report.js';
import { chunks } from '../helpers/pcap-writer.js';
import { legalTransition, type St } from './rfc9293.js';
import { F } from './tcp.js';
import {
  simulate,
  type Frame,
  HAPPENED,
  type Scenario,
  SIM_EPOCH,
  type SimResult,
  stateAt,
  toPcap,
  type TruthEndpoint,
} from './sim.js';
import { at, must } from '../../src/model/checked.js';

export interface Violation {
  property:
    | 'final-state'
    | 'since'
    | 'legal-transition'
    | 'duplicates'
    | 'absence'
    | 'family'
    | 'clean'
    | 'spurious'
    | 'history'
    | 'simulator';
  /** A short class for matching known gaps, e.g. "final-state server CLOSE_WAIT!=ESTABLISHED". */
  key: string;
  detail: string;
}

export const ABSENCE_KINDS = [
  'syn-no-synack',
  'synack-no-ack',
  'close-wait-stuck',
  'fin-wait-2-stuck',
  'half-open',
];

export async function report(frames: Frame[], settings: Partial<Settings> = {}): Promise<Report> {
  const { report } = await analyze(chunks(toPcap(frames)), { settings });
  return report;
}

type Side = 'client' | 'server';

/**
 * The condition of a run that makes the capture hardest to read, for grouping
 * violations by cause: a one-way capture, a capture that missed frames (or
 * started late), a host that vanished or crashed (with a lossy path too:
 * path-loss+host-gone), a lossy or reordering path, or a clean one.
 */
export function condition(sc: Scenario): string {
  if (sc.capture.dir !== 'both') return 'one-way';
  // What the run did, once simulated (a loss allowed with probability 1e-300 never happens).
  const h = HAPPENED.get(sc);
  const p = sc.path;
  if (
    h ? h.captureLoss : sc.capture.loss > 0 || (sc.captureFrom ?? 0) > 0 || (sc.capture.miss?.length ?? 0) > 0
  )
    return 'capture-loss';
  const pathLoss = h ? h.pathLoss : p.loss > 0 || p.drops.length > 0;
  if (sc.actions.some((a) => a.op === 'silent' || a.op === 'crash'))
    return pathLoss ? 'path-loss+host-gone' : 'host-gone';
  if (pathLoss) return 'path-loss';
  if (h ? h.dup : p.dup > 0) return 'path-dup';
  if (h ? h.reorder : p.reorder > 0) return 'reorder';
  return 'clean-path';
}
const SIDES: Side[] = ['client', 'server'];

/** The truth endpoint behind a report endpoint: same 4-tuple and ISN (or the only incarnation). */
export function truthOf(res: SimResult, c: ConnectionReport, side: Side, rep?: Report): TruthEndpoint | null {
  const me = c[side];
  const peer = c[side === 'client' ? 'server' : 'client'];
  const same = res.endpoints.filter(
    (e) => e.addr === me.addr && e.port === me.port && e.peer === peer.addr && e.peerPort === peer.port,
  );
  const byIsn = same.filter((e) => me.isn !== null && e.isn === me.isn);
  if (byIsn.length === 1) return at(byIsn, 0);
  // A simulated host that never had a TCB for this 4-tuple (a SYN to a closed
  // port, a segment for no connection): CLOSED all along.
  const noTcb = same.length === 0 && [...res.scenario.a, ...res.scenario.b].includes(me.addr);
  // A lone TCB that another reported connection on the 4-tuple holds (by its
  // ISN): an older incarnation (in TIME_WAIT, answering a SYN that was not
  // newer), so this one never had a TCB of its own.
  const others = (e: TruthEndpoint) =>
    rep?.connections.some(
      (o) =>
        o !== c &&
        o[side].isn === e.isn &&
        o[side].addr === me.addr &&
        o[side].port === me.port &&
        o[side === 'client' ? 'server' : 'client'].addr === peer.addr,
    ) === true;
  if (noTcb || (same.length === 1 && me.isn === null && others(at(same, 0)))) {
    return {
      addr: me.addr,
      port: me.port,
      peer: peer.addr,
      peerPort: peer.port,
      isn: 0,
      name: '(no TCB)',
      changes: [],
      crashedAt: null,
      silentAt: null,
    };
  }
  // The report's ISN is that of the first SYN seen; without one, match by the
  // peer's ISN (our irs) being the peer report's, or take a lone incarnation.
  if (same.length === 1) return at(same, 0);
  const peerIsn = peer.isn;
  if (peerIsn !== null) {
    const peers = res.endpoints.filter(
      (e) => e.addr === peer.addr && e.port === peer.port && e.isn === peerIsn,
    );
    if (peers.length === 1) {
      // Incarnations alternate: the one of ours alive during the peer's life.
      const p = at(peers, 0);
      const start = p.changes[0]?.t ?? 0;
      const mine = same.filter(
        (e) => (e.changes[0]?.t ?? 0) <= start + 5 && (e.changes.at(-1)?.t ?? 0) >= start - 5,
      );
      if (mine.length === 1) return at(mine, 0);
    }
  }
  return null;
}

/** States the endpoint held within `slack` seconds of `t` (the capture cannot tell in-flight changes apart). */
function statesAround(ep: TruthEndpoint, t: number, slack: number): Set<St> {
  const s = new Set<St>([stateAt(ep, t - slack)]);
  for (const c of ep.changes) if (c.t >= t - slack && c.t <= t + slack) s.add(c.to);
  return s;
}

/**
 * An endpoint whose last change the capture cannot show at all: its host
 * crashed (state gone without a segment) or was cut off, and nothing it sent
 * after that change was captured.
 */
function unprovable(ep: TruthEndpoint, frames: Frame[], tEnd: number): boolean {
  // ABORT in TIME_WAIT sends nothing (RFC 9293 3.10.5): no capture shows it.
  // (On Linux the application cannot even do it: TIME_WAIT is the kernel's.)
  const final = ep.changes.filter((c) => c.t <= tEnd).at(-1);
  if (final?.from === 'TIME_WAIT' && final.to === 'CLOSED' && final.event === 'abort') return true;
  // An orphaned FIN_WAIT_2 expires on its kernel's tcp_fin_timeout, a local
  // setting (the tracker assumes Linux's 60 s): silently, so until the
  // endpoint answers something with a RST no capture shows it.
  if (
    final?.from === 'FIN_WAIT_2' &&
    final.to === 'CLOSED' &&
    final.event === 'orphan FIN_WAIT_2 timeout' &&
    !frames.some((f) => f.t >= final.t && isFrom(f, ep))
  )
    return true;
  const gone = Math.min(ep.crashedAt ?? Infinity, ep.silentAt ?? Infinity);
  if (gone > tEnd) return false;
  const last = ep.changes.filter((c) => c.t <= tEnd).at(-1);
  if (!last || last.t < gone) return false;
  return !frames.some(
    (f) =>
      f.t >= last.t &&
      f.seg.src === ep.addr &&
      f.seg.sport === ep.port &&
      f.seg.dst === ep.peer &&
      f.seg.dport === ep.peerPort,
  );
}

/**
 * A step the report gives an endpoint after its host vanished (crashed or went
 * silent) that no capture can refute: what it received that a live endpoint
 * answers with nothing (a bare ACK of its SYN or FIN, a RST), or a FIN the
 * report marks as inferred (it never acknowledged it). A crash leaves no trace
 * in a capture: the capture of a live endpoint that got these is the same.
 */
function afterVanishing(
  ep: TruthEndpoint,
  tr: { t: number; cause: string; inferred?: boolean },
  slack: number,
  stateInferred: boolean,
): boolean {
  const gone = Math.min(ep.crashedAt ?? Infinity, ep.silentAt ?? Infinity);
  if (tr.t - SIM_EPOCH < gone - slack) return false;
  if (/^received (ACK of its (FIN|SYN)|RST)/.test(tr.cause)) return true;
  return /^received FIN/.test(tr.cause) && (tr.inferred === true || stateInferred);
}

export interface FinalStats {
  compared: number;
  matched: number;
  inferredMismatch: number;
  unprovable: number;
  /** Report endpoints with no simulated endpoint: spoofed sources (no host), or a match the oracle could not make. */
  spoofed: number;
  unmatched: number;
}

export function newFinalStats(): FinalStats {
  return { compared: 0, matched: 0, inferredMismatch: 0, unprovable: 0, spoofed: 0, unmatched: 0 };
}

function isFrom(f: Frame, ep: TruthEndpoint): boolean {
  return (
    f.seg.src === ep.addr && f.seg.sport === ep.port && f.seg.dst === ep.peer && f.seg.dport === ep.peerPort
  );
}

/** Property 1: final states (and `since`) equal the truth wherever the capture proves them. */
export function checkFinalStates(
  res: SimResult,
  frames: Frame[],
  rep: Report,
  stats: FinalStats,
): Violation[] {
  const out: Violation[] = [];
  if (frames.length === 0) return out;
  const tEnd = must(frames.at(-1), 'frames.at(-1)').t;
  const p = res.scenario.path;
  const slack = Math.max(p.delayAB, p.delayBA) + p.reorderDelay + 1e-3;
  for (const c of rep.connections) {
    for (const side of SIDES) {
      const ep = truthOf(res, c, side, rep);
      if (!ep) {
        if (c[side].addr.startsWith('192.0.2.')) stats.spoofed++;
        else stats.unmatched++;
        continue;
      }
      const got = c[side] as EndpointReport & { stateEvidence?: string; since?: number | null };
      stats.compared++;
      const allowed = statesAround(ep, tEnd, slack);
      // A close in SYN_RECEIVED sends its FIN only once the SYN is
      // acknowledged: until that FIN leaves, no capture can show the close,
      // nor tell it from one just after ESTABLISHED (as in checkHistory).
      const last = ep.changes.filter((x) => x.t <= tEnd + slack).at(-1);
      if (
        last?.from === 'SYN_RECEIVED' &&
        last.to === 'FIN_WAIT_1' &&
        !frames.some((f) => f.t >= last.t && (f.seg.flags & 1) !== 0 && isFrom(f, ep))
      ) {
        allowed.add('SYN_RECEIVED');
        allowed.add('ESTABLISHED');
      }
      if (allowed.has(got.state as St)) {
        stats.matched++;
        // null: the report claims no time (an endpoint it never saw move).
        if (got.since !== undefined && got.since !== null) {
          // Not before the endpoint got there; and not after the first segment it sent
          // in that state was captured (that segment shows the state). Later than the
          // truth is otherwise allowed: a change is stamped at the time of its evidence.
          // In a state after its own close, only its FIN and what it sends after it
          // show the state: a close in SYN_RECEIVED (FIN_WAIT_1) holds its FIN back
          // until its SYN is acknowledged (RFC 9293 3.10.4) and answers in the
          // meantime as before (its SYN-ACK, an ACK of a repeated SYN).
          const entry = ep.changes.filter((x) => x.to === got.state && x.t <= tEnd + slack).at(-1);
          const since = got.since - SIM_EPOCH;
          const closed = ['FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING', 'LAST_ACK', 'TIME_WAIT'].includes(got.state);
          const fin = frames.find((f) => (f.seg.flags & 1) !== 0 && isFrom(f, ep));
          if (entry && (!closed || fin)) {
            const own = frames.find(
              (f) =>
                f.sent >= entry.t &&
                f.senderState === got.state &&
                (!closed || f.sent >= must(fin, 'its FIN').sent) &&
                f.seg.src === ep.addr &&
                f.seg.sport === ep.port &&
                f.seg.dst === ep.peer &&
                f.seg.dport === ep.peerPort,
            );
            const early = since < entry.t - slack;
            const late = own !== undefined && since > own.t + slack;
            if (early || late) {
              out.push({
                property: 'since',
                key: `since [${condition(res.scenario)}] ${side} ${got.state} ${early ? 'early' : 'late'}`,
                detail:
                  `conn ${c.id} ${side} ${got.state} since ${since.toFixed(4)}, truth entered at ${entry.t.toFixed(4)}` +
                  (own ? `, its first segment in that state captured at ${own.t.toFixed(4)}` : ''),
              });
            }
          }
        }
        continue;
      }
      if (got.stateEvidence === 'inferred') {
        stats.inferredMismatch++;
        continue;
      }
      const lastStep = c.transitions.filter((x) => x.endpoint === side && x.from !== x.to).at(-1);
      if (
        unprovable(ep, frames, tEnd) ||
        (lastStep !== undefined && afterVanishing(ep, lastStep, slack, false))
      ) {
        stats.unprovable++;
        continue;
      }
      const truth = stateAt(ep, tEnd);
      out.push({
        property: 'final-state',
        key: `final-state [${condition(res.scenario)}] ${side} ${got.state}!=${truth}`,
        detail:
          `conn ${c.id} ${side} ${got.addr}:${got.port}: report ${got.state} (${got.stateEvidence ?? 'no stateEvidence'}), ` +
          `truth ${[...allowed].join('|')} at capture end ${tEnd.toFixed(4)}; truth: ` +
          ep.changes.map((x) => `${x.t.toFixed(3)} ${x.to} (${x.event})`).join(', '),
      });
    }
  }
  return out;
}

/**
 * Property 2, the second half: the report's story is true. The states an
 * endpoint entered, in the report's order, are states the simulated endpoint
 * entered in that order (the capture may show fewer), and none is stamped
 * before the endpoint got there by more than the path's delay: a change can be
 * stamped late (at the time of the evidence, issue 19), never early. A FIN that
 * also acknowledges ours passes through FIN_WAIT_2 on Linux (the ACK is
 * processed first), so either story is accepted there, and so is FIN_WAIT_2
 * before the abort of a closed FIN_WAIT_1 socket that data reaches; so is ESTABLISHED before
 * FIN_WAIT_1 for a close in SYN_RECEIVED (its FIN leaves only once the SYN is
 * acknowledged, so no capture can tell it from a close just after).
 */
export function checkHistory(res: SimResult, rep: Report): Violation[] {
  const out: Violation[] = [];
  const p = res.scenario.path;
  const slack = Math.max(p.delayAB, p.delayBA) + p.reorderDelay + 1e-3;
  const cond = condition(res.scenario);
  for (const c of rep.connections) {
    for (const side of SIDES) {
      const ep = truthOf(res, c, side, rep);
      if (!ep) continue;
      const truth: { to: St; t: number }[] = [];
      for (const x of ep.changes) {
        if (x.from === 'FIN_WAIT_1' && x.to === 'TIME_WAIT') truth.push({ to: 'FIN_WAIT_2', t: x.t });
        // Data reaching a closed socket in FIN_WAIT_1 with the ACK of its FIN: Linux
        // processes the ACK first (FIN_WAIT_2), then aborts on the data
        // (tcp_rcv_state_process, TCPAbortOnData).
        if (x.from === 'FIN_WAIT_1' && x.to === 'CLOSED' && x.event === 'rcv data after close')
          truth.push({ to: 'FIN_WAIT_2', t: x.t });
        // A close in SYN_RECEIVED sends its FIN only once the SYN is acknowledged:
        // the capture cannot tell it from a close just after ESTABLISHED.
        if (x.from === 'SYN_RECEIVED' && x.to === 'FIN_WAIT_1') truth.push({ to: 'ESTABLISHED', t: x.t });
        truth.push({ to: x.to, t: x.t });
      }
      let j = 0;
      const inferredAtEnd = (c[side] as { stateEvidence?: string }).stateEvidence === 'inferred';
      const steps = c.transitions.filter((tr) => tr.endpoint === side && tr.from !== tr.to);
      for (const tr of c.transitions) {
        // A restart of TIME_WAIT is an event, not a change of state.
        if (tr.endpoint !== side || tr.from === tr.to) continue;
        // What follows rests on a step no capture can refute (its host vanished).
        if (afterVanishing(ep, tr, slack, inferredAtEnd)) break;
        // The step into a final state the report marks inferred is a guess as
        // much as the state (the final-state check does not compare those).
        if (inferredAtEnd && tr === steps.at(-1)) break;
        const t = tr.t - SIM_EPOCH;
        let k = j;
        // An inferred step (one the capture did not show) must be true, but its time is a guess.
        const inferred = (tr as { inferred?: boolean }).inferred === true;
        while (k < truth.length && !(at(truth, k).to === tr.to && (inferred || at(truth, k).t <= t + slack)))
          k++;
        if (k === truth.length) {
          const held = truth.slice(j).some((x) => x.to === tr.to);
          out.push({
            property: 'history',
            key: `history [${cond}] ${side} ${held ? 'early' : 'never'} ${tr.from}>${tr.to}`,
            detail:
              `conn ${c.id} ${side} ${tr.from} -> ${tr.to} at ${t.toFixed(4)} (${tr.cause}): ` +
              (held ? 'stamped before the endpoint got there' : 'the endpoint never made that change then') +
              `; truth: ${ep.changes.map((x) => `${x.t.toFixed(4)} ${x.to} (${x.event})`).join(', ') || 'no TCB'}`,
          });
          break;
        }
        j = k + 1;
      }
    }
  }
  return out;
}

/** Property 2: every change in `transitions` is a legal RFC 9293 transition, chained per endpoint. */
export function checkLegal(rep: Report, sc: Scenario): Violation[] {
  const cond = condition(sc);
  const out: Violation[] = [];
  for (const c of rep.connections) {
    const at: Record<Side, string> = { client: 'CLOSED', server: 'CLOSED' };
    for (const t of c.transitions) {
      if (!legalTransition(t.from, t.to)) {
        out.push({
          property: 'legal-transition',
          key: `legal-transition [${cond}] ${t.from}>${t.to}`,
          detail: `conn ${c.id} ${t.endpoint} ${t.from} -> ${t.to} (${t.cause}) at ${(t.t - SIM_EPOCH).toFixed(4)}`,
        });
      }
      if (t.from !== at[t.endpoint] && !(at[t.endpoint] === 'CLOSED' && t.from === 'LISTEN')) {
        out.push({
          property: 'legal-transition',
          key: `legal-transition [${cond}] chain ${at[t.endpoint]}/${t.from}`,
          detail: `conn ${c.id} ${t.endpoint}: a change from ${t.from} after it reached ${at[t.endpoint]}`,
        });
      }
      at[t.endpoint] = t.to;
    }
  }
  return out;
}

const connKey = (c: ConnectionReport) =>
  `${c.client.addr}:${c.client.port}>${c.server.addr}:${c.server.port}#${c.client.isn ?? '-'}`;
const tupleKey = (c: ConnectionReport) =>
  [`${c.client.addr}:${c.client.port}`, `${c.server.addr}:${c.server.port}`].sort().join('~');

/** Each connection's states and each anomaly, as comparable strings. */
function view(rep: Report): { states: string[]; anomalies: string[] } {
  const byId = new Map(rep.connections.map((c) => [c.id, c]));
  return {
    states: rep.connections.map((c) => `${connKey(c)} ${c.client.state}/${c.server.state}`).sort(),
    anomalies: rep.anomalies
      .map((a) => {
        const c = a.connection === null ? undefined : byId.get(a.connection);
        return `${c ? connKey(c) : (a.host ?? '-')} ${a.kind} ${a.endpoint ?? '-'}`;
      })
      .sort(),
  };
}

/** Property 3: every frame captured twice changes no state and no anomaly. */
export function checkDuplicates(single: Report, twice: Report, sc: Scenario): Violation[] {
  const cond = condition(sc);
  const a = view(single);
  const b = view(twice);
  const out: Violation[] = [];
  for (const s of b.states.filter((x) => !a.states.includes(x))) {
    out.push({
      property: 'duplicates',
      key: `duplicates [${cond}] state`,
      detail: `doubled capture: ${s}; single: ${a.states.join('; ')}`,
    });
  }
  const extra = multisetMinus(b.anomalies, a.anomalies);
  const missing = multisetMinus(a.anomalies, b.anomalies);
  for (const x of extra)
    out.push({
      property: 'duplicates',
      key: `duplicates [${cond}] +${x.split(' ')[1]}`,
      detail: `doubled capture adds ${x}`,
    });
  for (const x of missing)
    out.push({
      property: 'duplicates',
      key: `duplicates [${cond}] -${x.split(' ')[1]}`,
      detail: `doubled capture loses ${x}`,
    });
  return out;
}

function multisetMinus(a: string[], b: string[]): string[] {
  const left = [...b];
  const out: string[] = [];
  for (const x of a) {
    const i = left.indexOf(x);
    if (i >= 0) left.splice(i, 1);
    else out.push(x);
  }
  return out;
}

/** Warning- and error-level absence anomalies, by unordered 4-tuple. */
function absences(rep: Report): Set<string> {
  const byId = new Map(rep.connections.map((c) => [c.id, c]));
  const s = new Set<string>();
  for (const a of rep.anomalies) {
    if (!ABSENCE_KINDS.includes(a.kind) || a.severity === 'info') continue;
    const c = a.connection === null ? undefined : byId.get(a.connection);
    s.add(`${c ? tupleKey(c) : '-'} ${a.kind}`);
  }
  return s;
}

/**
 * Where the thinned capture holds no trace of the answer a handshake
 * diagnosis says is missing, it is a faithful capture of a peer that never
 * answered, and no reader of it can tell otherwise: syn-no-synack where no
 * frame of the SYN's peer is left on the 4-tuple during one of the client's
 * attempts (its SYNs with one ISN); synack-no-ack where the
 * SYN-ACK's receiver is left with nothing but SYNs. Counted (absenceErased),
 * not a violation. (Stuck-state and half-open diagnoses get no such pass:
 * the tracker is to find the capture's gaps from what is left.)
 */
function answerErased(x: string, part: Report, frames: Frame[]): boolean {
  const [tuple, kind] = x.split(' ');
  const c = part.connections.find((k) => tupleKey(k) === tuple);
  if (!c) return false;
  const from = (f: Frame, ep: { addr: string; port: number }) =>
    f.seg.src === ep.addr && f.seg.sport === ep.port;
  const mine = frames.filter(
    (f) =>
      (from(f, c.client) && f.seg.dst === c.server.addr && f.seg.dport === c.server.port) ||
      (from(f, c.server) && f.seg.dst === c.client.addr && f.seg.dport === c.client.port),
  );
  // syn-no-synack: some attempt (the client's SYNs with one ISN, until a SYN
  // with another) has no frame of the server during it.
  if (kind === 'syn-no-synack') {
    const syns = mine.filter((f) => from(f, c.client) && f.seg.flags === SYN_FLAG);
    return syns.some((f, i) => {
      if (i > 0 && syns[i - 1]?.seg.seq === f.seg.seq) return false;
      const next = syns.slice(i + 1).find((g) => g.seg.seq !== f.seg.seq);
      return !mine.some((g) => from(g, c.server) && g.t >= f.t && (next === undefined || g.t < next.t));
    });
  }
  // Nothing from the client after the server's last SYN-ACK (only its SYNs
  // before): the thinned capture looks like a silent client.
  // (Either side's SYN-ACKs: in a simultaneous open the client sends them too.)
  if (kind === 'synack-no-ack') {
    return [
      [c.server, c.client],
      [c.client, c.server],
    ].some(([sender, peer]) => {
      if (sender === undefined || peer === undefined) return false;
      const lastSynAck = mine.findLastIndex(
        (f) => from(f, sender) && (f.seg.flags & SYN_FLAG) !== 0 && (f.seg.flags & ACK_FLAG) !== 0,
      );
      return (
        lastSynAck >= 0 && mine.slice(lastSynAck + 1).every((f) => !from(f, peer) || f.seg.flags === SYN_FLAG)
      );
    });
  }
  return false;
}
const SYN_FLAG = 2;
const ACK_FLAG = 16;

/**
 * A synack-no-ack that is true of the simulated endpoint: it stayed in
 * SYN_RECEIVED for --synack-timeout's default (3 s) or more. The full
 * capture may have missed it (its final ACK read as arrived at the very
 * instant the wait ended); the thinned one is then right, not a false alarm.
 */
function trulyWaited(x: string, truth: SimResult): boolean {
  const [tuple, kind] = x.split(' ');
  if (kind !== 'synack-no-ack' || tuple === undefined) return false;
  const ends = tuple.split('~');
  return truth.endpoints.some((ep) => {
    if (!ends.includes(`${ep.addr}:${ep.port}`) || !ends.includes(`${ep.peer}:${ep.peerPort}`)) return false;
    return ep.changes.some((c, i) => {
      if (c.to !== 'SYN_RECEIVED') return false;
      const left = ep.changes[i + 1]?.t ?? Infinity;
      return left - c.t >= 3;
    });
  });
}

/** Added synack-no-acks true of the simulated endpoint (trulyWaited). */
export const absenceTrue = { count: 0 };

/** Handshake diagnoses a thinned capture raised with every trace of the answer removed (answerErased). */
export const absenceErased = { count: 0 };

/** Property 4: a capture with frames removed, or one direction kept, adds no absence warning or error. */
export function checkAbsence(
  full: Report,
  part: Report,
  how: string,
  sc: Scenario,
  frames: Frame[],
  truth?: SimResult,
): Violation[] {
  const cond = condition(sc);
  const before = absences(full);
  return [...absences(part)]
    .filter((x) => !before.has(x))
    .filter((x) => !(answerErased(x, part, frames) && ++absenceErased.count > 0))
    .filter((x) => !(truth !== undefined && trulyWaited(x, truth) && ++absenceTrue.count > 0))
    .map((x) => ({
      property: 'absence' as const,
      key: `absence [${cond}] ${how} +${x.split(' ')[1]}`,
      detail: `${how}: adds ${x}`,
    }));
}

/** A scenario's captured frames, the truth and the report's transitions, as text (SIM_EXPLAIN in oracle.test.ts). */
export async function explain(sc: Scenario, settings: Partial<Settings> = {}): Promise<string> {
  const res = simulate(sc);
  const rep = await report(res.frames, settings);
  const flags = (f: number) =>
    (f & F.SYN ? 'S' : '') +
    (f & F.FIN ? 'F' : '') +
    (f & F.RST ? 'R' : '') +
    (f & F.PSH ? 'P' : '') +
    (f & F.ACK ? '.' : '');
  const out = [
    `scenario: ${JSON.stringify(sc)}`,
    'captured frames (time, direction, ports, flags, seq, ack, len, win):',
  ];
  for (const f of res.frames) {
    const g = f.seg;
    out.push(
      `  ${f.t.toFixed(4)} ${g.src}:${g.sport} > ${g.dst}:${g.dport} ${flags(g.flags)} ${g.seq} ${g.ack} ${g.len} ${g.win}`,
    );
  }
  out.push('truth (simulator):');
  for (const e of res.endpoints) {
    out.push(
      `  ${e.name} ${e.addr}:${e.port} isn ${e.isn}: ${e.changes.map((c) => `${c.t.toFixed(4)} ${c.to} (${c.event})`).join(', ')}`,
    );
  }
  out.push('report:');
  for (const c of rep.connections) {
    out.push(
      `  conn ${c.id} ${c.client.addr}:${c.client.port} ${c.client.state} / ${c.server.addr}:${c.server.port} ${c.server.state} [${c.anomalies.join(', ')}]`,
    );
    for (const t of c.transitions)
      out.push(`    ${(t.t - SIM_EPOCH).toFixed(4)} ${t.endpoint} ${t.from} -> ${t.to} (${t.cause})`);
  }
  return out.join('\n');
}

/**
 * Kinds whose cause the simulated stacks never produce: no endpoint sends new
 * data after its own FIN, and no SYN carries data. Raised on a simulated
 * capture, they are wrong ("raised in the runs built to show it and nowhere else").
 */
export const IMPOSSIBLE_KINDS = ['data-after-fin', 'syn-with-data'];

export function checkSpurious(rep: Report, sc: Scenario): Violation[] {
  return rep.anomalies
    .filter((a) => IMPOSSIBLE_KINDS.includes(a.kind))
    .map((a) => ({
      property: 'spurious' as const,
      key: `spurious [${condition(sc)}] ${a.kind}`,
      detail: `${a.kind}: ${a.message}`,
    }));
}

/**
 * The simulator's own truth follows RFC 9293 (a check of the oracle, not of
 * the tracker): every change legal, except a SYN cookie's ACK, which creates
 * an ESTABLISHED socket with no SYN_RECEIVED before it (Linux).
 */
export function checkSimulator(res: SimResult): Violation[] {
  const out: Violation[] = [];
  for (const e of res.endpoints) {
    for (const c of e.changes) {
      if (
        legalTransition(c.from, c.to) ||
        (c.from === 'CLOSED' && c.to === 'ESTABLISHED' && c.event === 'rcv ACK of SYN cookie')
      )
        continue;
      out.push({
        property: 'simulator',
        key: `simulator ${c.from}>${c.to}`,
        detail: `${e.name} ${e.addr}:${e.port} ${c.from} -> ${c.to} (${c.event}) at ${c.t}`,
      });
    }
  }
  return out;
}
