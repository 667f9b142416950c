/**
 * Parsers for the values of thresholds and gate rules given as text: durations
 * (`--msl 30s`), counts and percentages (`--max mid-stream-rst=0`,
 * `--max retransmission-rate=2%`) and rates (`10%` or `0.1`). They return plain
 * numbers or throw a UsageError whose message quotes the bad text.
 */
import { UsageError } from './errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };

/** A decimal without sign or exponent: `5`, `1.5`, `.5`. */
const DECIMAL = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const BARE = new RegExp(`^${DECIMAL}$`);
/** One or more `<number><unit>` parts, Go-style: `1h30m`, `1.5s`, `500ms`. */
const PART = new RegExp(`(${DECIMAL})(ms|s|m|h|d)`, 'y');

const DURATION_EXAMPLES = 'expected e.g. 500ms, 30s, 2m, 1h, 1h30m or a number of seconds';

/**
 * A duration in seconds. Accepts `500ms`, `30s`, `1.5s`, `2m`, `1h`, `1d`,
 * compounds like `1h30m`, and a bare number (seconds). Rejects negative
 * values, empty text, exponents, NaN and Infinity.
 * @param label names the option or key in the error message (e.g. `--msl`).
 */
export function parseDuration(text: string, label?: string): number {
  const prefix = label ? `${label}: ` : '';
  const s = String(text).trim();
  if (s.startsWith('-')) throw new UsageError(`${prefix}negative duration "${text}" (${DURATION_EXAMPLES})`);
  if (s.length === 0) throw new UsageError(`${prefix}empty duration (${DURATION_EXAMPLES})`);
  if (BARE.test(s)) return checkFinite(Number(s), text, prefix);
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    const unit = m === null ? undefined : UNIT_SECONDS[m[2] ?? ''];
    if (m === null || unit === undefined)
      throw new UsageError(`${prefix}invalid duration "${text}" (${DURATION_EXAMPLES})`);
    total += Number(m[1]) * unit;
    pos = PART.lastIndex;
  }
  return checkFinite(total, text, prefix);
}

function checkFinite(value: number, text: string, prefix: string): number {
  if (!Number.isFinite(value))
    throw new UsageError(`${prefix}invalid duration "${text}" (${DURATION_EXAMPLES})`);
  return value;
}

/** The limit of a count rule: a count (`0`, `5`) or a percentage (`2%`, `0.5%`). */
export interface MaxRule {
  limit: number;
  /** The limit is a percentage (0-100) rather than a count. */
  percent: boolean;
}

/**
 * `5` (a whole count) or `2%` / `0.5%` (a percentage, at most 100%).
 * @param label names the option or key in the error message.
 */
export function parsePercentOrCount(text: string, label?: string): MaxRule {
  const prefix = label ? `${label}: ` : '';
  const s = String(text).trim();
  const pct = new RegExp(`^(${DECIMAL})\\s*%$`).exec(s);
  if (pct) {
    const limit = Number(pct[1]);
    if (!(limit <= 100)) throw new UsageError(`${prefix}percentage "${text}" is above 100%`);
    return { limit, percent: true };
  }
  if (/^\d+$/.test(s)) {
    const limit = Number(s);
    if (!Number.isSafeInteger(limit)) throw new UsageError(`${prefix}count "${text}" is too large`);
    return { limit, percent: false };
  }
  if (s.startsWith('-')) throw new UsageError(`${prefix}negative limit "${text}"`);
  throw new UsageError(
    `${prefix}invalid limit "${text}" (expected a whole count like 5 or a percentage like 2%)`,
  );
}

/**
 * A rate as a fraction in [0, 1]: `10%` gives 0.1; a bare number is already a
 * fraction (`0.1`). A bare number above 1 is refused rather than guessed at
 * (is `10` ten percent or ten times?).
 */
export function parseRate(text: string, label?: string): number {
  const prefix = label ? `${label}: ` : '';
  const s = String(text).trim();
  const pct = new RegExp(`^(${DECIMAL})\\s*%$`).exec(s);
  if (pct) {
    const v = Number(pct[1]);
    if (!(v <= 100)) throw new UsageError(`${prefix}percentage "${text}" is above 100%`);
    return v / 100;
  }
  if (BARE.test(s)) {
    const v = Number(s);
    if (!(v <= 1))
      throw new UsageError(
        `${prefix}rate "${text}" is above 1 (write a percentage like "10%" or a fraction like 0.1)`,
      );
    return v;
  }
  throw new UsageError(
    `${prefix}invalid rate "${text}" (expected a percentage like 10% or a fraction like 0.1)`,
  );
}
