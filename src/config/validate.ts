/**
 * Validation of settings values, shared by the config file and the command
 * line: the same key accepts the same values in both (a duration as `"30s"`
 * or a number of seconds, a rule list as an array or a comma-separated
 * string), and a bad one is a UsageError naming the file and key, or the option.
 * What a gate rule may name and how its limit reads: gate-rules.ts.
 */
import { isIP } from 'node:net';
import { parseDuration, parseRate } from './duration.js';
import { validateFailOn, validateMax } from './gate-rules.js';
import { OUTPUT_FORMATS, type OutputFormat, type Settings } from './settings.js';
import { didYouMean } from './suggest.js';
import { fail, type Label, list, show } from './value-text.js';

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

function nonEmptyString(v: unknown, at: Label): string {
  if (typeof v !== 'string' || v.trim() === '') fail(at, `expected a file name, got ${show(v)}`);
  return v;
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
