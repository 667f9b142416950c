/**
 * The gate rules as settings: what `failOn` and `max` may name (anomaly kinds,
 * severities, gate metrics) and how a limit reads (a count, or a percentage
 * for rates and per-connection kinds). gate/gate.ts evaluates the rules; the
 * config file, the command line and the gate all check them here.
 */
import { ANOMALY_KINDS, KIND_BY_NAME } from '../model/kinds.js';
import { isSeverity, SEVERITIES } from '../model/severity.js';
import { type MaxRule, parsePercentOrCount } from './duration.js';
import { GATE_METRICS } from './settings.js';
import { didYouMean } from './suggest.js';
import { fail, type Label, list, show } from './value-text.js';

/** Names accepted in `failOn`: anomaly kinds and severities. */
export function failOnNames(): string[] {
  return [...ANOMALY_KINDS.map((k) => k.kind), ...SEVERITIES];
}

/** Names accepted as `max` keys: anomaly kinds, severities and gate metrics. */
export function maxKeyNames(): string[] {
  return [...failOnNames(), ...Object.keys(GATE_METRICS)];
}

export function validateFailOn(v: unknown, at: Label): string[] {
  const out: string[] = [];
  for (const x of list(v, at)) {
    if (typeof x !== 'string') fail(at, `expected anomaly kinds or severities as strings, got ${show(x)}`);
    // Kinds and severities are lower case; `CLOSE-WAIT-STUCK` (as in a log line or an alert) is read too.
    const name = x.trim().toLowerCase();
    if (!KIND_BY_NAME.has(name) && !isSeverity(name)) {
      fail(
        at,
        `unknown anomaly kind or severity "${name}"${didYouMean(name, failOnNames())} (severities: error, warning, info)`,
      );
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Checks that `key` can be a count rule and that `rule` fits it (rates need %, host-level kinds no %). */
export function checkMaxRule(key: string, rule: MaxRule, at: Label): void {
  const metric = GATE_METRICS[key];
  const kind = KIND_BY_NAME.get(key);
  if (!metric && !kind && !isSeverity(key)) {
    fail(at, `unknown anomaly kind, severity or metric "${key}"${didYouMean(key, maxKeyNames())}`);
  }
  if (metric?.rate && !rule.percent) {
    fail(at, `"${key}" is a rate: give the limit as a percentage, e.g. "2%"`);
  }
  if (metric && !metric.rate && rule.percent)
    fail(at, `"${key}" is a count: give a whole number, not a percentage`);
  if (kind && kind.level !== 'connection' && rule.percent) {
    fail(at, `"${key}" is raised per ${kind.level}, not per connection: give a count, not a percentage`);
  }
  if (!rule.percent && !Number.isSafeInteger(rule.limit))
    fail(at, `"${key}": a count must be a whole number`);
  if (!(rule.limit >= 0) || (rule.percent && rule.limit > 100)) fail(at, `"${key}": limit out of range`);
}

/**
 * One `--max` argument: `<kind|severity|metric>=<count|percent%>`, e.g.
 * `mid-stream-rst=0` or `retransmission-rate=2%`.
 */
export function parseMaxRule(text: string, at: Label = '--max'): { key: string; rule: MaxRule } {
  const eq = text.indexOf('=');
  if (eq <= 0)
    fail(
      at,
      `expected <kind|severity|metric>=<limit>, e.g. mid-stream-rst=0 or retransmission-rate=2%, got ${show(text)}`,
    );
  const key = text.slice(0, eq).trim().toLowerCase();
  const rule = parsePercentOrCount(text.slice(eq + 1), `${at} ${key}`);
  checkMaxRule(key, rule, at);
  return { key, rule };
}

function maxRuleValue(key: string, v: unknown, at: Label): MaxRule {
  let rule: MaxRule;
  if (typeof v === 'number') {
    if (GATE_METRICS[key]?.rate)
      fail(at, `"${key}" is a rate: give the limit as a percentage string, e.g. "2%"`);
    rule = { limit: v, percent: false };
    if (!Number.isSafeInteger(v) || v < 0)
      fail(at, `expected a whole count >= 0 or a percentage string like "2%", got ${v}`);
  } else if (typeof v === 'string') {
    rule = parsePercentOrCount(v, at);
  } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (k !== 'limit' && k !== 'percent')
        fail(`${at}`, `unknown key "${k}"${didYouMean(k, ['limit', 'percent'])}`);
    }
    if (typeof o.limit !== 'number' || !Number.isFinite(o.limit))
      fail(at, `"limit" must be a number, got ${show(o.limit)}`);
    if (o.percent !== undefined && typeof o.percent !== 'boolean')
      fail(at, `"percent" must be true or false, got ${show(o.percent)}`);
    rule = { limit: o.limit, percent: o.percent === true };
  } else {
    return fail(
      at,
      `expected a count, a percentage string like "2%" or {"limit", "percent"}, got ${show(v)}`,
    );
  }
  checkMaxRule(key, rule, at);
  return rule;
}

/**
 * `max` as a record (config file: `{"mid-stream-rst": 0, "retransmission-rate": "2%"}`)
 * or as `key=limit` strings (the CLI's repeatable `--max`).
 */
export function validateMax(v: unknown, at: Label, nested: (key: string) => Label): Record<string, MaxRule> {
  const out: Record<string, MaxRule> = {};
  if (typeof v === 'string' || Array.isArray(v)) {
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x !== 'string') fail(at, `expected "kind=limit" strings, got ${show(x)}`);
      const { key, rule } = parseMaxRule(x, at);
      out[key] = rule;
    }
    return out;
  }
  if (v === null || typeof v !== 'object')
    fail(at, `expected an object of limits, e.g. {"mid-stream-rst": 0}, got ${show(v)}`);
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    const key = name.toLowerCase();
    out[key] = maxRuleValue(key, value, nested(name));
  }
  return out;
}
