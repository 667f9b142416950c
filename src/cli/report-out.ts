/**
 * The report of a run in the format asked for (`--json`, `--ndjson`, `--csv`,
 * `--format github`, the terminal text), written to stdout once the captures
 * are analysed.
 */
import type { AnalysisResult } from '../analyze.js';
import type { Settings } from '../config/settings.js';
import type { AnomalyReport, GateResult } from '../model/report.js';
import { renderCsv } from '../report/csv.js';
import { renderGithubAnnotations } from '../report/github.js';
import { sanitize } from '../report/sanitize.js';
import type { Io } from './io.js';
import { json, writeJsonTo } from './json-out.js';

/** One analysed capture (with --each, one of several). */
export interface Capture {
  name: string;
  files: string[];
  result: AnalysisResult;
  elapsed: number;
  /** Connections in the capture before --host/--port/--conn (kept and summarised). */
  total: number;
}

function countBy(anomalies: AnomalyReport[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of anomalies) out[a.kind] = (out[a.kind] ?? 0) + 1;
  return out;
}

export async function writeOutput(
  done: Capture[],
  gate: GateResult | undefined,
  format: string,
  settings: Settings,
  o: { color: boolean; width: number; all: boolean; io: Io },
): Promise<void> {
  const out = o.io.stdout;
  const reports = done.map((c) => ({ name: c.name, report: c.result.report }));
  switch (format) {
    case 'json': {
      // Streamed, and paced by stdout: a big capture's report is tens of MB of JSON.
      const only = done.length === 1 ? done[0] : undefined;
      const deferred = only?.result.deferred;
      if (only !== undefined)
        await writeJsonTo(out, only.result.report, deferred && { key: 'connections', ...deferred });
      else await writeJsonTo(out, { version: 1, captures: reports, gate: gate ?? null });
      return;
    }
    case 'ndjson': {
      for (const c of done) {
        const r = c.result.report;
        out.write(
          `${json({
            type: 'summary',
            name: c.name,
            capture: r.capture,
            connections: r.connections.length + r.summarised.connections,
            anomalies: countBy(r.anomalies),
            states: r.states,
            gate: r.gate ?? null,
          })}\n`,
        );
      }
      return;
    }
    case 'csv': {
      // The first capture's CSV with its header, the others' rows after it.
      const [first, ...rest] = done;
      if (first !== undefined) out.write(renderCsv(first.result.report));
      for (const c of rest) out.write(renderCsv(c.result.report).split('\n').slice(1).join('\n'));
      return;
    }
    case 'zeek':
      // The rows were written as Zeek would log them, during the analysis.
      return;
    case 'github': {
      out.write(renderGithubAnnotations(gate ?? { passed: true, rules: [] }, reports));
      return;
    }
    default:
      writeText(done, gate, settings, o);
  }
}

async function loadTerminal() {
  return import('../report/terminal.js');
}

let terminalModule: Awaited<ReturnType<typeof loadTerminal>> | null = null;

/** The terminal renderer (and cli-table3) is loaded only when a text report is printed. */
export async function preloadTerminal(): Promise<void> {
  terminalModule ??= await loadTerminal();
}

function writeText(
  done: Capture[],
  gate: GateResult | undefined,
  _settings: Settings,
  o: { color: boolean; width: number; all: boolean; io: Io },
): void {
  const out = o.io.stdout;
  const t = terminalModule;
  if (!t) throw new Error('terminal renderer not loaded');
  for (const c of done) {
    if (done.length > 1) out.write(`\n=== ${sanitize(c.name)} ===\n`);
    out.write(t.renderTerminal(c.result.report, { color: o.color, width: o.width, all: o.all }));
  }
  if (done.length > 1 && gate) {
    out.write(`\ngate: ${gate.passed ? 'passed' : 'FAILED'} over ${done.length} captures\n`);
    for (const g of gate.captures ?? []) out.write(`  ${g.passed ? 'pass' : 'FAIL'}  ${sanitize(g.name)}\n`);
  }
  if (o.io.env.GITHUB_ACTIONS === 'true' && gate) {
    out.write(
      renderGithubAnnotations(
        gate,
        done.map((c) => ({ name: c.name, report: c.result.report })),
      ),
    );
  }
}
