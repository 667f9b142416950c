/**
 * `tcptrace-ts [options] <capture...>`: the report, the CI gate, and live mode.
 */
import { statSync } from 'node:fs';
import { Analysis } from '../analyze.js';
import { readCaptureFiles } from '../capture/reader.js';
import { UsageError } from '../config/errors.js';
import { findDefaultConfig, loadConfig } from '../config/load.js';
import { DEFAULT_SETTINGS, type Settings } from '../config/settings.js';
import { loadBaseline } from '../gate/baseline.js';
import { hasGateRules, judge, unjudged } from '../gate/verdict.js';
import type { ConnectionEnds } from '../report/anomaly-text.js';
import { renderAnomalyLine, renderLiveStatus } from '../report/live.js';
import type { AnomalyReport, ConnectionReport } from '../model/report.js';
import { Progress } from '../report/progress.js';
import { sanitize } from '../report/sanitize.js';
import { type Io, termWidth, useColor } from './io.js';
import { LiveScreen } from './live-screen.js';
import { zeekLogHeader, zeekLogLine } from '../zeek/conn-log.js';
import { json } from './json-out.js';
import { writeJunit } from './junit-out.js';
import { type Capture, preloadTerminal, writeOutput } from './report-out.js';
import { checkWritable } from './output-file.js';
import { firstPassLadders, htmlRequest, writeHtmlReport } from './html-out.js';
import { buildSettings, parseTextDate, textTimeZone } from './settings.js';
import { at } from '../model/checked.js';

export async function analyzeCommand(
  captures: string[],
  opts: Record<string, unknown>,
  io: Io,
): Promise<number> {
  if (captures.length === 0) throw new UsageError("no capture given (a file, or '-' for standard input)");
  const settings = buildSettings(opts, io);
  const format = settings.format ?? 'text';
  const color = useColor(io, opts);
  const width = termWidth(io);
  const live = captures.includes('-');
  if (settings.baseline && !hasGateRules(settings)) {
    // A baseline only moves the limits of gate rules: without one it would do nothing, silently.
    throw new UsageError(
      '--baseline: compares gate rules with an earlier report, but no rule is given (add --fail-on or --max)',
    );
  }
  // An endless stream (standard input, a pipe, a FIFO) keeps fewer connections in
  // full by default: 200,000 of them, with the garbage V8 lets pile up between
  // collections, are 0.5 to 1 GB resident; 30,000 stay under 300 MB, and the
  // end-of-stream report near 2 s (issue 24, bench/soak.mjs).
  if (
    settings.maxConnections === DEFAULT_SETTINGS.maxConnections &&
    !explicitMaxConnections(opts, io) &&
    captures.some((c) => c === '-' || !isRegularFile(c))
  ) {
    settings.maxConnections = STREAM_MAX_CONNECTIONS;
  }
  const baseline = settings.baseline ? loadBaseline(settings.baseline) : undefined;
  if (settings.junit) checkWritable('--junit', settings.junit);
  const html = htmlRequest(opts);
  if (opts.conn !== undefined && settings.conn === undefined) settings.conn = [];

  // SIGINT/SIGTERM (Ctrl-C on `tcpdump ... | tcptrace-ts -`): stop reading, report
  // what was read, exit with the gate's code. A second signal ends the process at
  // once, killed by it (status 130 or 143): the handlers go soon after the first,
  // so the next one has the default action even while the report is being worked
  // out and no JavaScript can run. They stay for SIGNAL_GRACE first, the event
  // loop free (the report waits for them to go, `released`): a signal caught
  // meanwhile (one queued with the first while a chunk was analysed, or caught
  // by another thread a little later) still reaches this handler, which raises
  // it again; closing the handlers at once would drop it.
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

  const order = opts.order === undefined ? undefined : parseOrder(opts.order);
  const textDate = parseTextDate(opts.textDate);
  const textZone = textTimeZone(opts, io);
  if (format === 'text') await preloadTerminal();
  if (format === 'zeek') io.stdout.write(zeekLogHeader());
  const groups = opts.each ? captures.map((c) => [c]) : [captures];
  // A plain --json report streams its connections from the engine as it writes
  // them (no report object per connection held all at once); a gate needs them all.
  const deferConnections =
    format === 'json' &&
    groups.length === 1 &&
    !hasGateRules(settings) &&
    !baseline &&
    !settings.junit &&
    !html;
  const done: Capture[] = [];
  try {
    for (const files of groups) {
      if (ac.signal.aborted) break;
      done.push(
        await analyzeOne(files, settings, format, {
          color,
          width,
          live,
          io,
          signal: ac.signal,
          released,
          order,
          textDate,
          textZone,
          deferConnections,
          html: html !== undefined,
        }),
      );
    }
  } finally {
    detach();
  }

  // `--conn 7` asks for connections by id: one that is not there is said, and
  // when none of them is, there is nothing to report (exit 2, as a bad argument).
  if (settings.conn !== undefined && settings.conn.length > 0) {
    const where = settings.host || settings.port ? ' with the --host/--port filters' : '';
    const lines: string[] = [];
    for (const c of done) {
      const ids = new Set(c.result.report.connections.map((x) => x.id));
      const missing = settings.conn.filter((id) => !ids.has(id));
      if (missing.length === 0) continue;
      const n = c.total;
      const total = where ? '' : ` (it has ${n} connection${n === 1 ? '' : 's'})`;
      lines.push(`no connection ${missing.join(', ')} in ${sanitize(c.name)}${where}${total}`);
    }
    // None found anywhere: a bad argument. Some: said, and the report of the others.
    if (done.every((c) => c.result.report.connections.length === 0) && lines.length > 0)
      throw new UsageError(`--conn: ${lines.join('; ')}`);
    for (const l of lines) io.stderr.write(`tcptrace-ts: warning: --conn: ${l}\n`);
  }

  const judged = done.map((c) => ({ name: c.name, report: c.result.report }));
  const gate = judge(judged, settings, baseline);

  // Warnings on stderr, one line each, the file they concern first; a damaged
  // capture can have many, the report (and --json capture.warnings) has them all.
  const MAX_WARNINGS = 10;
  for (const c of done) {
    const ws = c.result.stats.warnings;
    for (const w of ws.slice(0, MAX_WARNINGS)) {
      io.stderr.write(`tcptrace-ts: warning: ${sanitize(w.file || c.name)}: ${sanitize(w.message)}\n`);
    }
    if (ws.length > MAX_WARNINGS) {
      io.stderr.write(
        `tcptrace-ts: warning: ${ws.length - MAX_WARNINGS} more warnings (all of them in --json capture.warnings)\n`,
      );
    }
    if (c.result.stats.aborted) {
      io.stderr.write(
        `tcptrace-ts: warning: ${sanitize(c.name)}: interrupted: the report covers what was read before the signal\n`,
      );
    }
  }

  await writeOutput(done, gate, format, settings, { color, width, all: opts.all === true, io });

  if (html && done[0]) {
    await writeHtmlReport(html, done[0].result, done[0].files, settings, { textDate, order });
  }
  if (settings.junit) writeJunit(settings.junit, gate, done);
  // Out-of-range timestamp fractions are damaged record headers too (the records were still read).
  const damaged = (c: Capture) =>
    c.result.report.capture.truncated ||
    c.result.report.capture.damaged ||
    c.result.stats.warnings.some((w) => w.kind === 'invalid-timestamp');
  // A gate over an input with no TCP at all judged nothing: that is not a pass.
  const empty = unjudged(judged, gate);
  for (const c of empty) {
    io.stderr.write(
      `tcptrace-ts: ${sanitize(c.name)}: no TCP segment in the input: the gate has nothing to judge\n`,
    );
  }
  if (empty.length > 0) return 2;
  if (settings.strict && done.some(damaged)) {
    io.stderr.write('tcptrace-ts: --strict: the capture is truncated or damaged\n');
    return 2;
  }
  return gate && !gate.passed ? 1 : 0;
}

interface RunCtx {
  color: boolean;
  width: number;
  live: boolean;
  io: Io;
  signal: AbortSignal;
  /** Resolves once a first signal's handlers are gone (signals have their default action). */
  released: Promise<void>;
  order: 'time' | 'given' | undefined;
  textDate: number | undefined;
  textZone: string | undefined;
  /** Ask the engine for the connections on demand (AnalysisResult.deferred). */
  deferConnections: boolean;
  /** Record segments for the HTML report's drawings. */
  html: boolean;
}

async function analyzeOne(
  files: string[],
  settings: Settings,
  format: string,
  ctx: RunCtx,
): Promise<Capture> {
  const { io, color, width, live } = ctx;
  const out = io.stdout;
  const emitted = new Set<number>();
  const ndjson = format === 'ndjson';
  const liveText = live && format === 'text';
  const screen = new LiveScreen(
    out,
    io.stderr,
    liveText && io.stderr.isTTY === true,
    io.stdout.isTTY === true,
  );
  // NDJSON lines go through one queue, in order, written while stdout takes
  // them: the reader waits for it to drain (backpressure below), and so does
  // the end of the capture, where the connections that end together (their
  // last ACKs settled by the end) would otherwise pile up in stdout's buffer.
  const o = out as NodeJS.WritableStream & { writableNeedDrain?: boolean };
  const queue: string[] = [];
  let queued = 0;
  const pump = (): void => {
    while (queued < queue.length && !o.writableNeedDrain) out.write(at(queue, queued++));
    if (queued === queue.length) {
      queue.length = 0;
      queued = 0;
    }
  };
  const emit = (line: string): void => {
    queue.push(line);
    pump();
  };
  const drained = (): Promise<void> | undefined => {
    pump();
    if (queue.length === 0 && !o.writableNeedDrain) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        pump();
        if (queue.length > 0 || o.writableNeedDrain) {
          if (!ctx.signal.aborted) return;
        }
        o.off('drain', done);
        ctx.signal.removeEventListener('abort', done);
        resolve();
      };
      o.on('drain', done);
      ctx.signal.addEventListener('abort', done, { once: true });
    });
  };
  let analysis: Analysis | null = null;
  // The ends of an anomaly's connection, for its live line; not a whole connectionReport():
  // at the end of a stream there is a line for every open connection.
  const connById = (id: number | null): ConnectionEnds | undefined => {
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
  };
  analysis = new Analysis({
    settings,
    // A streamed --json report takes ended connections back from the spill
    // file (engine/connection-store.ts): memory stays flat on big captures.
    storeEnded: ctx.deferConnections ? STORE_ENDED : undefined,
    textDate: ctx.textDate,
    textTimeZone: ctx.textZone,
    ladder: undefined,
    ladders: ctx.html ? firstPassLadders() : undefined,
    onAnomaly: ndjson
      ? (a: AnomalyReport) => emit(`${json({ type: 'anomaly', ...a })}\n`)
      : liveText
        ? (a: AnomalyReport) => {
            if (happeningNow(a.t)) screen.print(renderAnomalyLine(a, connById(a.connection), { color }));
          }
        : undefined,
    onConnectionEnd: ndjson
      ? (c: ConnectionReport) => {
          emitted.add(c.id);
          emit(`${json({ type: 'connection', ...c })}\n`);
        }
      : undefined,
    onStates: ndjson ? (t, states) => emit(`${json({ type: 'states', t, ...states })}\n`) : undefined,
    // Addresses, numbers and Zeek's letters only: nothing from the capture's bytes.
    onZeekRow: format === 'zeek' ? (row) => out.write(zeekLogLine(row)) : undefined,
  });
  const a = analysis;

  // Live mode: advance the capture clock with the wall clock while no packet
  // arrives (timers such as CLOSE_WAIT keep running), and refresh the state view.
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  if (live) {
    let seenTs = 0;
    let seenWall = Date.now();
    const statusOnTty = liveText && io.stderr.isTTY === true;
    timer = setInterval(
      () => {
        const now = Date.now();
        if (a.lastTs !== seenTs) {
          seenTs = a.lastTs;
          seenWall = now;
        } else if (seenTs > 0) {
          a.advanceClock(seenTs + (now - seenWall) / 1000);
        }
        const states = a.states();
        if (ndjson) emit(`${json({ type: 'states', t: now / 1000, ...states })}\n`);
        if (statusOnTty) {
          const text = renderLiveStatus(
            states,
            {
              packets: a.packets,
              connections: a.tracker.conns.length,
              elapsed: (now - started) / 1000,
              now: a.tracker.now,
            },
            { color, width },
          );
          screen.status(text);
        }
      },
      Math.max(100, settings.interval * 1000),
    );
    timer.unref?.();
  }

  const progress = !live && format !== 'ndjson' ? new Progress(io.stderr as NodeJS.WriteStream) : null;
  const t0 = performance.now();
  let stats: Awaited<ReturnType<typeof readCaptureFiles>>;
  try {
    stats = await readCaptureFiles(files, a.sink, {
      signal: ctx.signal,
      stdin: io.stdin,
      order: ctx.order,
      // ndjson and live anomaly lines are written as packets are read: when stdout
      // cannot keep up, reading waits for it to drain (memory stays bounded).
      backpressure: drained,
      onProgress: progress?.active ? (b) => progress.update(b, a.packets) : undefined,
    });
  } finally {
    if (timer) clearInterval(timer);
    screen.done();
    progress?.done();
  }
  // After a first signal, the rest (finish(), the report) would run in the
  // microtasks that follow the signal's callback, before the handlers go: a
  // second signal then waited for the whole report (0.2 to 9 s on a big flow
  // table). Once they are gone, a second signal kills the process at once,
  // whatever synchronous work runs then.
  if (ctx.signal.aborted) await ctx.released;
  const result = a.finish(stats, { deferConnections: ctx.deferConnections });
  if (ndjson) {
    for (const c of result.report.connections) {
      if (!emitted.has(c.id)) emit(`${json({ type: 'connection', ...c })}\n`);
    }
    await drained();
  }
  return {
    name: files.join(','),
    files,
    result,
    elapsed: (performance.now() - t0) / 1000,
    total: a.tracker.conns.length + result.report.summarised.connections,
  };
}

/**
 * Live anomaly lines are for traffic happening now (`tcpdump -U -w - | tcptrace-ts -`):
 * a stored capture piped in (`cat f.pcap | tcptrace-ts -`, `tcpdump -r f.pcap |`)
 * has times far from the wall clock, and prints the report alone, as for the file.
 * The window allows for clock skew between a remote capture host and this one.
 */
const LIVE_WINDOW = 600;

function happeningNow(t: number): boolean {
  return Math.abs(Date.now() / 1000 - t) <= LIVE_WINDOW;
}

/** How long the handlers of a first signal stay, in ms (see analyzeCommand). */
const SIGNAL_GRACE = 200;
/** A turn of the event loop this short (ms) ran nothing long since its poll for signals (settle). */
const SETTLE_TURN = 10;
/** The most the handlers wait for such a turn after the grace, in ms. */
const SETTLE_MAX = 1000;

/** The default --max-connections for a stream input (see analyzeCommand). */
export const STREAM_MAX_CONNECTIONS = 30_000;

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true; // the reader names the problem
  }
}

/** --max-connections given on the command line, or maxConnections in the config file. */
function explicitMaxConnections(opts: Record<string, unknown>, io: Io): boolean {
  if (opts.maxConnections !== undefined) return true;
  const path = typeof opts.config === 'string' ? opts.config : findDefaultConfig(io.cwd);
  // buildSettings has loaded it already: it is valid.
  return path !== undefined && loadConfig(path).maxConnections !== undefined;
}

function parseOrder(v: unknown): 'time' | 'given' {
  if (v === 'time' || v === 'given') return v;
  throw new UsageError(`--order: expected 'time' or 'given', got "${String(v)}"`);
}

/** Connections held before settled ones go to the spill file (--json): a few MB of objects. */
const STORE_ENDED = 5000;
