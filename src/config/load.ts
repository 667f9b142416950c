/**
 * Settings from the config file and the command line, merged over the
 * defaults: defaults < config file < command line.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { UsageError } from './errors.js';
import { locateJsonError } from './json-error.js';
import type { Settings } from './settings.js';
import { didYouMean } from './suggest.js';
import { SETTINGS_KEYS, validateValue } from './validate.js';

export { parseMaxRule } from './gate-rules.js';

/** Looked for in the working directory when no `--config` is given. */
export const CONFIG_FILE_NAME = 'tcptrace-ts.config.json';

/** Keys a config file may carry that are not settings (editor support). */
const IGNORED_FILE_KEYS = new Set(['$schema']);

/** `<cwd>/tcptrace-ts.config.json` when that is a file, else undefined. */
export function findDefaultConfig(cwd: string): string | undefined {
  const path = join(cwd, CONFIG_FILE_NAME);
  return statSync(path, { throwIfNoEntry: false })?.isFile() ? path : undefined;
}

/** The path as messages show it: relative to the working directory when it is inside it. */
function displayPath(path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Reads and validates a config file. Every problem is a UsageError naming the file (and the key). */
export function loadConfig(path: string): Partial<Settings> {
  const name = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(e));
    throw new UsageError(`${name}: cannot read config file: ${why}`);
  }
  return parseConfigText(text, name);
}

/** Parses and validates config file text; `source` names the file in messages. */
export function parseConfigText(text: string, source: string): Partial<Settings> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const where = locateJsonError(text);
    if (where) {
      throw new UsageError(
        `${source}: invalid JSON at line ${where.line}, column ${where.column}: ${where.reason}`,
      );
    }
    throw new UsageError(`${source}: invalid JSON: ${(e as Error).message}`);
  }
  return validateConfig(data, source);
}

/** Validates parsed config file contents (an object with settings keys). */
export function validateConfig(data: unknown, source: string): Partial<Settings> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`${source}: expected a JSON object with settings at the top level`);
  }
  const out: Partial<Settings> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (IGNORED_FILE_KEYS.has(key)) continue;
    if (!(SETTINGS_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`${source}: unknown key "${key}"${didYouMean(key, SETTINGS_KEYS)}`);
    }
    const k = key as keyof Settings;
    const at = `${source}: key "${key}"`;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- key and value types match by construction
    (out as any)[k] = validateValue(k, value, at, (sub) => `${source}: key "${key}.${sub}"`);
  }
  return out;
}

/**
 * Settings given to the library (`analyze(f, { settings })`): the config file's
 * forms and checks (durations as `"10s"` or seconds, rates as `"10%"`, max
 * limits as `"2%"`), so the library is no looser than the CLI. A bad key or
 * value is a UsageError: `settings.closeWaitTimeout: negative duration -1`,
 * `settings: unknown key "closeWaitTimout" (did you mean "closeWaitTimeout"?)`.
 */
export function validateSettings(data: unknown, source = 'settings'): Partial<Settings> {
  if (data === undefined || data === null) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`${source}: expected an object of settings`);
  }
  const out: Partial<Settings> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!(SETTINGS_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`${source}: unknown key "${key}"${didYouMean(key, SETTINGS_KEYS)}`);
    }
    if (value === undefined) continue;
    const k = key as keyof Settings;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- key and value types match by construction
    (out as any)[k] = validateValue(k, value, `${source}.${key}`, (sub) => `${source}.${key}.${sub}`);
  }
  return out;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`).replace(/\d+/g, (m) => `-${m}`);
}

/** The long option for a settings key: `closeWaitTimeout` is `--close-wait-timeout`. */
export function optionName(key: keyof Settings): string {
  return `--${kebab(key)}`;
}

/**
 * Settings from parsed command-line options (commander's `opts()`: camelCase
 * keys, values as strings or string arrays). Keys that are not settings (other
 * options) are ignored, as are undefined values; bad values are a UsageError
 * naming the option (`--msl: invalid duration "3x" ...`).
 */
export function settingsFromOptions(opts: Readonly<Record<string, unknown>>): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const key of SETTINGS_KEYS) {
    const value = opts[key];
    if (value === undefined) continue;
    const at = optionName(key);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- key and value types match by construction
    (out as any)[key] = validateValue(key, value, at, (sub) => `${at} ${sub}`);
  }
  return out;
}

/**
 * defaults < file < CLI. Scalars and lists are replaced by the later source,
 * except the gate rules, which add up: `failOn` is the union of both sources
 * and `max` merges per key (the CLI's limit wins for the same key). Undefined
 * values do not override. The result shares no arrays or objects with the inputs.
 */
export function mergeSettings(
  defaults: Readonly<Settings>,
  fileConfig?: Partial<Settings>,
  cliOptions?: Partial<Settings>,
): Settings {
  const out = clone(defaults as Settings);
  for (const layer of [fileConfig, cliOptions]) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer) as [keyof Settings, unknown][]) {
      if (value === undefined) continue;
      if (key === 'failOn') {
        out.failOn = [...new Set([...out.failOn, ...(value as string[])])];
      } else if (key === 'max') {
        out.max = { ...out.max, ...clone(value as Settings['max']) };
      } else {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- key and value types match by construction
        (out as any)[key] = clone(value);
      }
    }
  }
  return out;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}
