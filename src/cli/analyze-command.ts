/**
 * `tcptrace-ts [options] <capture...>`: the report, the CI gate, and live mode.
 */
import { Analysis } from '../analyze.js';
import { readCaptureFiles } from '../capture/reader.js';
import { UsageError } from '../config/errors.js';
import type { Settings } from '../config/settings.js';
import { loadBaseline } from '../gate/baseline.js';
import { hasGateRules, judge } from '../gate/verdict.js';
import { renderAnomalyLine } from '../report/live.js';
import type { AnomalyReport, ConnectionReport } from '../model/report.js';
import { Progress } from '../report/progress.js';
import { type Io, termWidth, useColor } from './io.js';
import { LiveScreen } from './live-screen.js';
import { zeekLogHeader, zeekLogLine } from '../zeek/conn-log.js';
import { json } from './json-out.js';
import { writeJunit } from './junit-out.js';
import { type Capture, preloadTerminal, writeOutput } from './report-out.js';
import { checkWritable } from './output-file.js';
import { firstPassLadders, htmlRequest, writeHtmlReport } from './html-out.js';
import { buildSettings, parseOrder, parseTextDate, streamDefaults, textTimeZone } from './settings.js';
import { interruptOnSignals } from './signals.js';
import { lineQueue } from './line-queue.js';
import { connectionEnds, happeningNow, startLiveTicker } from './live.js';
import { checkConnIds, exitCode, writeWarnings } from './outcome.js';

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
  streamDefaults(settings, captures, opts, io);
  const baseline = settings.baseline ? loadBaseline(settings.baseline) : undefined;
  if (settings.junit) checkWritable('--junit', settings.junit);
  const html = htmlRequest(opts);
  if (opts.conn !== undefined && settings.conn === undefined) settings.conn = [];

  // SIGINT/SIGTERM: stop reading, report what was read (signals.ts).
  const interrupt = interruptOnSignals(io);

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
      if (interrupt.signal.aborted) break;
      done.push(
        await analyzeOne(files, settings, format, {
          color,
          width,
          live,
          io,
          signal: interrupt.signal,
          released: interrupt.released,
          order,
          textDate,
          textZone,
          deferConnections,
          html: html !== undefined,
        }),
      );
    }
  } finally {
    interrupt.detach();
  }

  checkConnIds(done, settings, io);

  const judged = done.map((c) => ({ name: c.name, report: c.result.report }));
  const gate = judge(judged, settings, baseline);

  writeWarnings(done, io);

  await writeOutput(done, gate, format, settings, { color, width, all: opts.all === true, io });

  if (html && done[0]) {
    await writeHtmlReport(html, done[0].result, done[0].files, settings, { textDate, order });
  }
  if (settings.junit) writeJunit(settings.junit, gate, done);
  return exitCode(done, judged, gate, settings, io);
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
  const { emit, drained } = lineQueue(out, ctx.signal);
  let analysis: Analysis | null = null;
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
            if (happeningNow(a.t))
              screen.print(renderAnomalyLine(a, connectionEnds(analysis, a.connection), { color }));
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

  // Live mode: the capture clock follows the wall clock while no packet arrives (live.ts).
  const timer = live
    ? startLiveTicker(a, {
        interval: settings.interval,
        emitStates: ndjson
          ? ({ t, states }) => emit(`${json({ type: 'states', t, ...states })}\n`)
          : undefined,
        screen,
        statusOnTty: liveText && io.stderr.isTTY === true,
        color,
        width,
      })
    : undefined;

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

/** Connections held before settled ones go to the spill file (--json): a few MB of objects. */
const STORE_ENDED = 5000;
