/**
 * The baseline for `--baseline <file>`: a JSON report (`--json`) from a run
 * that was accepted. Only what the gate compares is checked: the report
 * version, its anomalies and its connections.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../config/errors.js';
import type { Report } from '../model/report.js';

export function loadBaseline(path: string): Report {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${path}: cannot read baseline report: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: the baseline is not JSON (write it with tcptrace-ts --json)`);
  }
  return checkBaseline(data, path);
}

export function checkBaseline(data: unknown, source: string): Report {
  const r = data as Partial<Report> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) {
    throw new UsageError(`${source}: the baseline is not a tcptrace-ts JSON report`);
  }
  if (r.version !== 1) {
    throw new UsageError(
      `${source}: baseline report version ${JSON.stringify(r.version)} is not supported (expected 1)`,
    );
  }
  if (!Array.isArray(r.anomalies) || !Array.isArray(r.connections)) {
    throw new UsageError(`${source}: the baseline report has no "anomalies" and "connections" arrays`);
  }
  for (const a of r.anomalies) {
    if (a === null || typeof a !== 'object' || typeof a.kind !== 'string' || typeof a.severity !== 'string') {
      throw new UsageError(`${source}: the baseline report has an anomaly without "kind" and "severity"`);
    }
  }
  return r as Report;
}
