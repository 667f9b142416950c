/** `--junit FILE`: the gate's JUnit XML, a test case per rule, written once the run is judged. */
import { writeFileSync } from 'node:fs';
import { UsageError } from '../config/errors.js';
import type { GateResult } from '../model/report.js';
import { renderJunit } from '../report/junit.js';
import { writeProblem } from './output-file.js';
import type { Capture } from './report-out.js';

export function writeJunit(path: string, gate: GateResult | undefined, done: readonly Capture[]): void {
  const xml = renderJunit(
    gate ?? { passed: true, rules: [] },
    done.map((c) => ({ name: c.name, report: c.result.report, elapsed: c.elapsed })),
  );
  try {
    writeFileSync(path, xml);
  } catch (e) {
    // A path the user gave that cannot be written is their error, not ours (exit 2, one line).
    throw new UsageError(`--junit: cannot write ${path}: ${writeProblem(e)}`);
  }
}
