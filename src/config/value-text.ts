/**
 * The pieces every settings validator uses: how a value's place is named in a
 * message, the UsageError for a bad one, how the bad value is shown, and a list
 * given as an array or as comma-separated text.
 */
import { UsageError } from './errors.js';

/** How a value's position is named in messages: `tcptrace-ts.config.json: key "msl"` or `--msl`. */
export type Label = string;

export function fail(at: Label, message: string): never {
  throw new UsageError(`${at}: ${message}`);
}

export function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** A list given as an array, or as a comma-separated string (the CLI's `--fail-on a,b`). */
export function list(v: unknown, at: Label): unknown[] {
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
