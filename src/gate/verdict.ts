/**
 * The gate's verdict over one run: the rules of the settings applied to each
 * capture's report, each report carrying its own verdict, and the captures
 * that held nothing to judge. Computed here, not in the CLI, so `analyze()`
 * callers get the same verdict as `tcptrace-ts --fail-on ...`; the CLI only maps
 * it to an exit code.
 */
import type { Settings } from '../config/settings.js';
import type { GateResult, Report } from '../model/report.js';
import { evaluateGate, type GateCapture } from './gate.js';

/** Gate rules were given (`failOn`, `max`): there is a verdict to give. */
export function hasGateRules(settings: Pick<Settings, 'failOn' | 'max'>): boolean {
  return settings.failOn.length + Object.keys(settings.max).length > 0;
}

/**
 * Judges the captures by the settings' rules (and against the baseline, if
 * any) and records the verdict on each report (`report.gate`): with several
 * captures a report gets its own capture's verdict, with one the whole verdict.
 * Undefined when there is nothing to judge by (no rules, no baseline).
 */
export function judge(
  captures: readonly GateCapture[],
  settings: Settings,
  baseline?: Report,
): GateResult | undefined {
  if (!hasGateRules(settings) && !baseline) return undefined;
  const gate = evaluateGate(captures, settings, baseline);
  for (const c of captures) c.report.gate = gate.captures?.find((g) => g.name === c.name) ?? gate;
  const [only] = captures;
  if (captures.length === 1 && only !== undefined) only.report.gate = gate;
  return gate;
}

/**
 * Captures without a single TCP segment, when a gate was given: it judged
 * nothing there, which is not a pass (tcpdump text without -n, a wrong
 * interface or filter, an empty capture). The CLI exits 2 on them.
 */
export function unjudged(captures: readonly GateCapture[], gate: GateResult | undefined): GateCapture[] {
  return gate ? captures.filter((c) => c.report.capture.tcpPackets === 0) : [];
}
