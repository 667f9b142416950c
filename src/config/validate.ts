/**
 * Validation of settings values, shared by the config file and the command
 * line: the same key accepts the same values in both (a duration as `"30s"`
 * or a number of seconds, a rule list as an array or a comma-separated
 * string), and a bad one is a UsageError naming the file and key, or the option.
 */
import { isIP } from 'node:net';
import { ANOMALY_KINDS, KIND_BY_NAME } from '../model/kinds.js';
import { isSeverity, SEVERITIES } from '../model/severity.js';
import { type MaxRule, parseDuration, parsePercentOrCount, parseRate } from './duration.js';
import { UsageError } from './errors.js';
import { GATE_METRICS, OUTPUT_FORMATS, type OutputFormat, type Settings } from './settings.js';
import { didYouMean } from './suggest.js';

/** Every key of Settings, in the order of the interface. */
export const SETTINGS_KEYS = [
  'msl',
  'synTimeout',
  'synackTimeout',
  'closeWaitTimeout',
  'finWait2Timeout',
  'timeWaitThreshold',
  'synFloodThreshold',
  'retransmissionBurst',
  'highRetransmissionRate',
  'highRetransmissionMinSegments',
  'idleTimeout',
  'handshakeIdleTimeout',
  'maxConnections',
  'interval',
  'strict',
  'failOn',
  'max',
  'baseline',
  'junit',
  'format',
  'host',
  'port',
  'tunnelHost',
  'conn',
] as const satisfies readonly (keyof Settings)[];

// Compile-time check that SETTINGS_KEYS lists every key of Settings.
type MissingKeys = Exclude<keyof Settings, (typeof SETTINGS_KEYS)[number]>;
const _allKeysListed: MissingKeys extends never ? true : MissingKeys = true;
void _allKeysListed;

/** How a value's position is named in messages: `tcptrace-ts.config.json: key "msl"` or `--msl`. */
export type Label = string;

function fail(at: Label, message: string): never {
  throw new UsageError(`${at}: ${message}`);
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function duration(v: unknown, at: Label, positive = false): number {
  let s: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(at, `invalid duration ${show(v)}`);
    if (v < 0) fail(at, `negative duration ${v}`);
    s = v;
  } else if (typeof v === 'string') {
    s = parseDuration(v, at);
  } else {
    return fail(at, `expected a duration (e.g. "30s", "500ms" or a number of seconds), got ${show(v)}`);
  }
  if (positive && s === 0) fail(at, 'must be more than zero');
  return s;
}

function count(v: unknown, at: Label, min = 0): number {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) fail(at, `expected a whole number, got ${show(v)}`);
  if (n < min) fail(at, `must be at least ${min}, got ${n}`);
  return n;
}

/** A list given as an array, or as a comma-separated string (the CLI's `--fail-on a,b`). */
function list(v: unknown, at: Label): unknown[] {
  if (Array.isArray(v)) return v.flatMap((x) => (typeof x === 'string' ? splitCommas(x) : [x]));
  if (typeof v === 'string') return splitCommas(v);
  if (typeof v === 'number') return [v];
  return fail(at, `expected a list (an array or a comma-separated string), got ${show(v)}`);
}

function splitCommas(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function nonEmptyString(v: unknown, at: Label): string {
  if (typeof v !== 'string' || v.trim() === '') fail(at, `expected a file name, got ${show(v)}`);
  return v;
}

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

function burst(v: unknown, at: Label, nested: (key: string) => Label): { count: number; window: number } {
  if (typeof v === 'string') {
    const m = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(v);
    if (!m) fail(at, `expected "<count>/<window>", e.g. "5/1s", got ${show(v)}`);
    return { count: count(m[1], at, 1), window: duration(m[2], at, true) };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    fail(at, `expected {"count": 5, "window": "1s"} or "5/1s", got ${show(v)}`);
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'count' && k !== 'window') fail(at, `unknown key "${k}"${didYouMean(k, ['count', 'window'])}`);
  }
  if (o.count === undefined || o.window === undefined) fail(at, 'needs both "count" and "window"');
  return { count: count(o.count, nested('count'), 1), window: duration(o.window, nested('window'), true) };
}

function rate(v: unknown, at: Label): number {
  if (typeof v === 'number') {
    if (!(v >= 0 && v <= 1))
      fail(at, `expected a fraction from 0 to 1 or a percentage string like "10%", got ${v}`);
    return v;
  }
  if (typeof v === 'string') return parseRate(v, at);
  return fail(at, `expected a fraction like 0.1 or a percentage string like "10%", got ${show(v)}`);
}

function hosts(v: unknown, at: Label): string[] {
  return list(v, at).map((x) => {
    if (typeof x !== 'string' || isIP(x.trim()) === 0)
      fail(at, `expected IPv4 or IPv6 addresses, got ${show(x)}`);
    return x.trim();
  });
}

function ports(v: unknown, at: Label): number[] {
  return list(v, at).map((x) => {
    const n = count(x, at);
    if (n > 65535) fail(at, `port ${n} is out of range (0-65535)`);
    return n;
  });
}

function format(v: unknown, at: Label): OutputFormat {
  if (typeof v !== 'string' || !OUTPUT_FORMATS.includes(v as OutputFormat)) {
    const hint = typeof v === 'string' ? didYouMean(v, OUTPUT_FORMATS) : '';
    fail(at, `expected one of ${OUTPUT_FORMATS.join(', ')}, got ${show(v)}${hint}`);
  }
  return v as OutputFormat;
}

/** Validates one key's value; `at` names it, `nested(k)` names a part of it. */
export function validateValue<K extends keyof Settings>(
  key: K,
  v: unknown,
  at: Label,
  nested: (sub: string) => Label,
): Settings[K] {
  return VALIDATORS[key](v, at, nested) as Settings[K];
}

type Validator = (v: unknown, at: Label, nested: (sub: string) => Label) => unknown;

const VALIDATORS: Record<keyof Settings, Validator> = {
  msl: (v, at) => duration(v, at),
  synTimeout: (v, at) => duration(v, at, true),
  synackTimeout: (v, at) => duration(v, at, true),
  closeWaitTimeout: (v, at) => duration(v, at),
  finWait2Timeout: (v, at) => duration(v, at),
  timeWaitThreshold: (v, at) => count(v, at, 1),
  synFloodThreshold: (v, at) => count(v, at, 1),
  retransmissionBurst: burst,
  highRetransmissionRate: rate,
  highRetransmissionMinSegments: (v, at) => count(v, at),
  idleTimeout: (v, at) => duration(v, at, true),
  handshakeIdleTimeout: (v, at) => duration(v, at, true),
  // 0 kept nothing and summarised every connection at its first packet (issue 24).
  maxConnections: (v, at) => count(v, at, 1),
  interval: (v, at) => duration(v, at, true),
  strict: (v, at) => {
    if (typeof v !== 'boolean') fail(at, `expected true or false, got ${show(v)}`);
    return v;
  },
  failOn: (v, at) => validateFailOn(v, at),
  max: validateMax,
  baseline: nonEmptyString,
  junit: nonEmptyString,
  format,
  host: hosts,
  port: ports,
  tunnelHost: hosts,
  conn: (v, at) => list(v, at).map((x) => count(x, at, 1)),
};
