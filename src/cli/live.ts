/**
 * Live mode (`tcpdump -U -w - | tcptrace-ts -`): the capture clock advanced
 * with the wall clock while no packet arrives (timers such as CLOSE_WAIT keep
 * running), the state view refreshed, and which anomalies get a live line.
 */
import type { Analysis } from '../analyze.js';
import { at } from '../model/checked.js';
import type { ConnectionEnds } from '../report/anomaly-text.js';
import { renderLiveStatus } from '../report/live.js';
import type { LiveScreen } from './live-screen.js';

/**
 * Live anomaly lines are for traffic happening now (`tcpdump -U -w - | tcptrace-ts -`):
 * a stored capture piped in (`cat f.pcap | tcptrace-ts -`, `tcpdump -r f.pcap |`)
 * has times far from the wall clock, and prints the report alone, as for the file.
 * The window allows for clock skew between a remote capture host and this one.
 */
const LIVE_WINDOW = 600;

export function happeningNow(t: number): boolean {
  return Math.abs(Date.now() / 1000 - t) <= LIVE_WINDOW;
}

/**
 * The ends of connection `id`, for an anomaly's live line; not a whole
 * connectionReport(): at the end of a stream there is a line for every open
 * connection.
 */
export function connectionEnds(analysis: Analysis | null, id: number | null): ConnectionEnds | undefined {
  if (id === null || analysis === null) return undefined;
  // Ids increase along the list (compaction keeps the order): a binary search. The
  // scan from the end it replaces made the end of a stream quadratic (an anomaly
  // for every open connection there): 168 s after 8 M packets (issue 24).
  const conns = analysis.tracker.conns;
  let lo = 0;
  let hi = conns.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = at(conns, mid);
    if (c.id === id) {
      return {
        client: { addr: c.client.addrText, port: c.client.port },
        server: { addr: c.server.addrText, port: c.server.port },
      };
    }
    if (c.id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export interface TickerOptions {
  /** Seconds between ticks (at least 0.1). */
  interval: number;
  /** Each tick's states as an NDJSON line, when the output is NDJSON. */
  emitStates: ((line: { t: number; states: ReturnType<Analysis['states']> }) => void) | undefined;
  /** The state view, drawn on stderr when it is a terminal (`statusOnTty`). */
  screen: LiveScreen;
  statusOnTty: boolean;
  color: boolean;
  width: number;
}

/** Starts the ticker of a live run (unref'd: it never keeps the process up); clear it when the reading ends. */
export function startLiveTicker(a: Analysis, opts: TickerOptions): NodeJS.Timeout {
  const started = Date.now();
  let seenTs = 0;
  let seenWall = Date.now();
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (a.lastTs !== seenTs) {
        seenTs = a.lastTs;
        seenWall = now;
      } else if (seenTs > 0) {
        a.advanceClock(seenTs + (now - seenWall) / 1000);
      }
      const states = a.states();
      opts.emitStates?.({ t: now / 1000, states });
      if (opts.statusOnTty) {
        const text = renderLiveStatus(
          states,
          {
            packets: a.packets,
            connections: a.tracker.conns.length,
            elapsed: (now - started) / 1000,
            now: a.tracker.now,
          },
          { color: opts.color, width: opts.width },
        );
        opts.screen.status(text);
      }
    },
    Math.max(100, opts.interval * 1000),
  );
  timer.unref?.();
  return timer;
}
