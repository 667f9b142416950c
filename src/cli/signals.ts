/**
 * SIGINT/SIGTERM during a run (Ctrl-C on `tcpdump ... | tcptrace-ts -`): the
 * first stops the reading (`signal` aborts) and the report covers what was
 * read, exiting with the gate's code. A second signal ends the process at
 * once, killed by it (status 130 or 143): the handlers go soon after the
 * first, so the next one has the default action even while the report is
 * being worked out and no JavaScript can run. They stay for SIGNAL_GRACE
 * first, the event loop free (the report waits for them to go, `released`): a
 * signal caught meanwhile (one queued with the first while a chunk was
 * analysed, or caught by another thread a little later) still reaches the
 * handler, which raises it again; closing the handlers at once would drop it.
 */
import type { Io } from './io.js';

/** How long the handlers of a first signal stay, in ms. */
const SIGNAL_GRACE = 200;
/** A turn of the event loop this short (ms) ran nothing long since its poll for signals (settle). */
const SETTLE_TURN = 10;
/** The most the handlers wait for such a turn after the grace, in ms. */
const SETTLE_MAX = 1000;

export interface Interrupt {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** Resolves once the handlers are gone (signals have their default action). */
  readonly released: Promise<void>;
  /** Removes the handlers (at the end of the reading; again is harmless). */
  detach(): void;
}

/** Installs the handlers on `io.signals` for one run. */
export function interruptOnSignals(io: Io): Interrupt {
  const ac = new AbortController();
  let signalled = false;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const detach = () => {
    io.signals.off('SIGINT', onInt);
    io.signals.off('SIGTERM', onTerm);
    release();
  };
  // Timers run before the event loop reads the signals caught meanwhile: a
  // second signal caught while a long step kept the loop busy past the grace
  // is still unread when the grace's timer fires, and removing the handlers
  // then drops it (the process went on to its report and exited 0: 1 run in
  // 13 under load). So the handlers go from setImmediate, after a poll for
  // signals, once a whole turn of the loop took under SETTLE_TURN ms (nothing
  // long ran since that poll); after SETTLE_MAX ms of busy turns, anyway.
  const settle = () => {
    const since = performance.now();
    let last = since;
    const turn = () => {
      const now = performance.now();
      if (now - last < SETTLE_TURN || now - since > SETTLE_MAX) detach();
      else {
        last = now;
        setImmediate(turn);
      }
    };
    setImmediate(turn);
  };
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => {
    if (!signalled) {
      signalled = true;
      ac.abort();
      setTimeout(settle, SIGNAL_GRACE);
      return;
    }
    detach();
    if (io.signals === process) process.kill(process.pid, sig);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);
  return { signal: ac.signal, released, detach };
}
