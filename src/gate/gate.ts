/**
 * The CI gate: turns `failOn` and `max` settings into rules, evaluates them on
 * each capture's report, and gives one verdict (exit code 1 when it failed,
 * SPEC.md "Exit codes") with a per-capture breakdown.
 *
 * - `fail-on <kind>` fails on any anomaly of that kind (info kinds included:
 *   they are named). `fail-on <severity>` fails on any anomaly of that severity
 *   or worse, so `fail-on warning` also fails on errors and info anomalies
 *   fail only under `fail-on info`.
 * - `max <key>` fails when the figure is above the limit. A kind or severity
 *   (exact) counts anomalies, or with a percentage the share of connections
 *   that have one; metrics are in GATE_METRICS.
 * - With a baseline report (a run known to be acceptable, for flaky
 *   environments) a rule fails only on what got worse: `fail-on` on anomaly
 *   kinds that are new or more numerous than in the baseline, `max` on a
 *   figure above both the limit and the baseline's figure.
 * - Several captures: every rule is evaluated on each capture separately (a
 *   capture is one run); the verdict fails if any capture fails.
 */
import type { MaxRule, Settings } from '../config/settings.js';
import { checkMaxRule, validateFailOn } from '../config/gate-rules.js';
import { atLeastAsSevere, isSeverity } from '../model/severity.js';
import type {
  AnomalyReport,
  GateCaptureResult,
  GateResult,
  GateRuleResult,
  Report,
} from '../model/report.js';
import { at } from '../model/checked.js';

/** At most this many anomalies are carried per rule and capture (`matched` counts them all). */
export const GATE_RULE_ANOMALY_CAP = 100;

/** Anomalies carried by metric rules, to show where the figure comes from. */
const METRIC_KINDS: Readonly<Record<string, readonly string[]>> = {
  'retransmission-rate': ['retransmission-burst', 'high-retransmission-rate'],
  retransmissions: ['retransmission-burst', 'high-retransmission-rate'],
  'refused-rate': ['connection-refused'],
  connections: [],
};

/** Percentages are compared with this slack, so 1/50 of 100 is not "above 2%". */
const EPSILON = 1e-9;

export interface GateCapture {
  name: string;
  report: Report;
}

type RuleSpec = { type: 'fail-on'; target: string } | { type: 'max'; target: string; rule: MaxRule };

/** What a report holds, indexed once for all rules. */
interface Facts {
  anomalies: AnomalyReport[];
  byKind: Map<string, AnomalyReport[]>;
  /** Anomalies raised by kind, listed or not (Report.anomalyCounts). */
  totals: Map<string, number>;
  connections: number;
  packets: number;
  retransmissions: number;
}

function factsOf(report: Report): Facts {
  const byKind = new Map<string, AnomalyReport[]>();
  for (const a of report.anomalies) {
    let list = byKind.get(a.kind);
    if (!list) byKind.set(a.kind, (list = []));
    list.push(a);
  }
  let packets = 0;
  let retransmissions = 0;
  for (const c of report.connections) {
    packets += c.client.packets + c.server.packets;
    retransmissions += c.client.retransmissions + c.server.retransmissions;
  }
  const totals = new Map<string, number>(Object.entries(report.anomalyCounts ?? {}));
  return {
    anomalies: report.anomalies,
    byKind,
    totals,
    connections: report.connections.length + (report.summarised?.connections ?? 0),
    packets,
    retransmissions,
  };
}

/** The rules that settings ask for, in order: fail-on entries, then max entries. Validates them. */
export function gateRules(settings: Settings): RuleSpec[] {
  const specs: RuleSpec[] = validateFailOn(settings.failOn, '--fail-on').map((target) => ({
    type: 'fail-on' as const,
    target,
  }));
  for (const [target, rule] of Object.entries(settings.max)) {
    checkMaxRule(target, rule, '--max');
    specs.push({ type: 'max', target, rule });
  }
  return specs;
}

export function evaluateGate(
  reports: readonly GateCapture[],
  settings: Settings,
  baseline?: Report,
): GateResult {
  const specs = gateRules(settings);
  const base = baseline ? factsOf(baseline) : undefined;
  const captures: GateCaptureResult[] = reports.map(({ name, report }) => {
    const facts = factsOf(report);
    const rules = specs.map((spec) => ({ ...evaluateRule(spec, facts, base), capture: name }));
    return { name, passed: rules.every((r) => r.passed), rules };
  });
  const rules = specs.map((spec, i) =>
    aggregate(
      spec,
      captures.map((c) => at(c.rules, i)),
    ),
  );
  const result: GateResult = { passed: captures.every((c) => c.passed), rules, captures };
  if (baseline) result.baseline = true;
  return result;
}

function ruleName(spec: RuleSpec): string {
  return `${spec.type} ${spec.target}`;
}

function evaluateRule(spec: RuleSpec, facts: Facts, base: Facts | undefined): GateRuleResult {
  return spec.type === 'fail-on'
    ? failOn(spec.target, facts, base)
    : maxRule(spec.target, spec.rule, facts, base);
}

function matcher(target: string): (a: AnomalyReport) => boolean {
  if (isSeverity(target)) {
    return (a) => atLeastAsSevere(a.severity, target);
  }
  return (a) => a.kind === target;
}

function countByKind(list: readonly AnomalyReport[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of list) m.set(a.kind, (m.get(a.kind) ?? 0) + 1);
  return m;
}

/**
 * Counts by kind of whole kinds of anomalies, taking the report's totals where
 * it lists fewer than were raised (a flood: see Report.anomalyCounts).
 */
function kindTotals(list: readonly AnomalyReport[], facts: Facts): Map<string, number> {
  const m = countByKind(list);
  for (const [k, n] of m) {
    const t = facts.totals.get(k);
    if (t !== undefined && t > n) m.set(k, t);
  }
  return m;
}

function sum(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function cap(list: AnomalyReport[]): AnomalyReport[] {
  return list.length > GATE_RULE_ANOMALY_CAP ? list.slice(0, GATE_RULE_ANOMALY_CAP) : list;
}

function failOn(target: string, facts: Facts, base: Facts | undefined): GateRuleResult {
  const name = ruleName({ type: 'fail-on', target });
  const match = matcher(target);
  const matched = facts.anomalies.filter(match);
  const counts = kindTotals(matched, facts);
  const n = sum(counts);
  const common = {
    name,
    type: 'fail-on' as const,
    target,
    limit: 0,
    percent: false,
    matched: n,
  };
  const breakdown = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  if (!base) {
    const passed = n === 0;
    return {
      ...common,
      passed,
      figure: n,
      message: passed
        ? `${name}: no matching anomalies`
        : `${name}: ${n} ${n === 1 ? 'anomaly' : 'anomalies'} (${breakdown})`,
      anomalies: passed ? [] : cap(matched),
    };
  }
  const baseMatched = base.anomalies.filter(match);
  const baseCounts = kindTotals(baseMatched, base);
  const baseN = sum(baseCounts);
  const worse: string[] = [];
  const notes: string[] = [];
  for (const [kind, n] of counts) {
    const b = baseCounts.get(kind) ?? 0;
    if (n > b) {
      worse.push(kind);
      notes.push(b === 0 ? `${kind} ${n} (new)` : `${kind} ${n} > baseline ${b}`);
    }
  }
  const passed = worse.length === 0;
  return {
    ...common,
    passed,
    figure: n,
    baselineFigure: baseN,
    message: passed
      ? `${name}: ${n} matching, none above the baseline (${baseN})`
      : `${name}: ${notes.join(', ')}`,
    anomalies: passed ? [] : cap(matched.filter((a) => worse.includes(a.kind))),
  };
}

/** The figure a max rule measures, and the anomalies that make it up. */
function measure(
  target: string,
  rule: MaxRule,
  facts: Facts,
): { figure: number; anomalies: AnomalyReport[] } {
  const share = (list: readonly AnomalyReport[]) => {
    const ids = new Set<number>();
    for (const a of list) if (a.connection !== null) ids.add(a.connection);
    return facts.connections === 0 ? 0 : (ids.size / facts.connections) * 100;
  };
  const metricKinds = METRIC_KINDS[target];
  if (metricKinds) {
    const anomalies = metricKinds.flatMap((k) => facts.byKind.get(k) ?? []);
    switch (target) {
      case 'retransmission-rate':
        return { figure: facts.packets === 0 ? 0 : (facts.retransmissions / facts.packets) * 100, anomalies };
      case 'retransmissions':
        return { figure: facts.retransmissions, anomalies };
      case 'refused-rate':
        return { figure: share(anomalies), anomalies };
      default:
        return { figure: facts.connections, anomalies };
    }
  }
  const list = isSeverity(target)
    ? facts.anomalies.filter((a) => a.severity === target)
    : (facts.byKind.get(target) ?? []);
  return { figure: rule.percent ? share(list) : sum(kindTotals(list, facts)), anomalies: list };
}

/** A figure for messages: counts as they are, percentages to 2 decimals, more when needed to show it is above the limit. */
export function formatFigure(value: number, percent: boolean, above?: number): string {
  if (!percent) return String(value);
  let digits = 2;
  let s = trimZeros(value.toFixed(digits));
  while (above !== undefined && value > above && Number(s) <= above && digits < 9) {
    digits++;
    s = trimZeros(value.toFixed(digits));
  }
  return `${s}%`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function maxRule(target: string, rule: MaxRule, facts: Facts, base: Facts | undefined): GateRuleResult {
  const name = ruleName({ type: 'max', target, rule });
  const { figure, anomalies } = measure(target, rule, facts);
  const baselineFigure = base ? measure(target, rule, base).figure : undefined;
  const allowed = baselineFigure !== undefined ? Math.max(rule.limit, baselineFigure) : rule.limit;
  const passed = figure <= allowed + (rule.percent ? EPSILON : 0);
  const shown = formatFigure(figure, rule.percent, passed ? undefined : allowed);
  const limit = rule.percent ? `${rule.limit}%` : String(rule.limit);
  const op = passed ? '<=' : '>';
  let message: string;
  if (baselineFigure !== undefined && baselineFigure > rule.limit) {
    message = `${target}: ${shown} ${op} baseline ${formatFigure(baselineFigure, rule.percent)} (max ${limit})`;
  } else {
    const note =
      baselineFigure !== undefined ? ` (baseline ${formatFigure(baselineFigure, rule.percent)})` : '';
    message = `${target}: ${shown} ${op} max ${limit}${note}`;
  }
  const result: GateRuleResult = {
    name,
    passed,
    message,
    anomalies: passed ? [] : cap(anomalies),
    type: 'max',
    target,
    figure,
    limit: rule.limit,
    percent: rule.percent,
    matched: anomalies.length,
  };
  if (baselineFigure !== undefined) result.baselineFigure = baselineFigure;
  return result;
}

/** One rule over all captures: passed on each; figure is the worst; message names the failing captures. */
function aggregate(spec: RuleSpec, results: GateRuleResult[]): GateRuleResult {
  const [only] = results;
  if (results.length === 1 && only !== undefined) return { ...only };
  const name = ruleName(spec);
  const failed = results.filter((r) => !r.passed);
  const worst = results.reduce<GateRuleResult | undefined>(
    (w, r) => (w === undefined || (r.figure ?? 0) > (w.figure ?? 0) ? r : w),
    undefined,
  );
  const out: GateRuleResult = {
    name,
    passed: failed.length === 0,
    message:
      results.length === 0
        ? `${name}: no captures`
        : failed.length === 0
          ? `${name}: passed on all ${results.length} captures`
          : `${name}: failed on ${failed.length} of ${results.length} captures: ${failed.map((r) => `${r.capture}: ${r.message}`).join('; ')}`,
    anomalies: cap(failed.flatMap((r) => r.anomalies)),
    type: spec.type,
    target: spec.target,
    limit: spec.type === 'max' ? spec.rule.limit : 0,
    percent: spec.type === 'max' ? spec.rule.percent : false,
    matched: results.reduce((n, r) => n + (r.matched ?? 0), 0),
  };
  if (worst?.figure !== undefined) out.figure = worst.figure;
  return out;
}
