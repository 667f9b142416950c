/**
 * What a run says besides its report, and how it ends: connections asked for
 * by id that are not there, the captures' warnings on stderr, and the exit
 * code (0 analysed, 1 the gate failed, 2 nothing to judge or, with --strict, a
 * damaged capture). The verdict itself is the library's (gate/verdict.ts).
 */
import { UsageError } from '../config/errors.js';
import type { Settings } from '../config/settings.js';
import type { GateCapture } from '../gate/gate.js';
import { unjudged } from '../gate/verdict.js';
import type { GateResult } from '../model/report.js';
import { sanitize } from '../report/sanitize.js';
import type { Io } from './io.js';
import type { Capture } from './report-out.js';

/** Warnings on stderr per capture; the report (and --json capture.warnings) has them all. */
const MAX_WARNINGS = 10;

/**
 * `--conn 7` asks for connections by id: one that is not there is said, and
 * when none of them is, there is nothing to report (a UsageError: exit 2, as a
 * bad argument).
 */
export function checkConnIds(done: readonly Capture[], settings: Settings, io: Io): void {
  if (settings.conn === undefined || settings.conn.length === 0) return;
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

/**
 * Warnings on stderr, one line each, the file they concern first; a damaged
 * capture can have many, the report (and --json capture.warnings) has them all.
 */
export function writeWarnings(done: readonly Capture[], io: Io): void {
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
}

/** The exit code, after the report is written; says on stderr why it is 2. */
export function exitCode(
  done: readonly Capture[],
  judged: readonly GateCapture[],
  gate: GateResult | undefined,
  settings: Settings,
  io: Io,
): number {
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
