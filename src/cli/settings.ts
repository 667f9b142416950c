/**
 * From the command line's options to the engine's settings: the shared part of
 * the report and ladder commands (defaults < config file < command line; one
 * output format; the tcpdump-text day and zone).
 */
import { statSync } from 'node:fs';
import { UsageError } from '../config/errors.js';
import { findDefaultConfig, loadConfig, mergeSettings, settingsFromOptions } from '../config/load.js';
import { DEFAULT_SETTINGS, type Settings } from '../config/settings.js';
import { normalizeZone } from '../decode/tcpdump-text/zone.js';
import type { Io } from './io.js';

function splitList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
  return items.map((x) => x.trim()).filter((x) => x.length > 0);
}

/** `--text-date 2026-11-21` as epoch seconds of that UTC day. */
export function parseTextDate(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v));
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(t) || new Date(t).getUTCDate() !== Number(m[3])) {
    throw new UsageError(`--text-date: expected a date like 2026-11-21, got "${String(v)}"`);
  }
  return t / 1000;
}

/**
 * The zone tcpdump text's local-time stamps are read in: --text-tz, else TZ
 * (the reader's zone, as tcpdump's own localtime() uses), else the system's.
 * The process's own TZ is already its local zone (the engine's default, looked
 * up only when text is read); a TZ that differs is the caller's (tests).
 */
export function textTimeZone(opts: Record<string, unknown>, io: Io): string | undefined {
  if (opts.textTz !== undefined) {
    const z = normalizeZone(String(opts.textTz));
    if (z === null)
      throw new UsageError(
        `--text-tz: unknown time zone "${String(opts.textTz)}" (expected a name like America/New_York or UTC)`,
      );
    return z;
  }
  const tz = io.env.TZ;
  if (tz === undefined || tz === '' || tz === process.env.TZ) return undefined;
  return normalizeZone(tz) ?? undefined;
}

/** Settings from defaults < config file < command line. */
export function buildSettings(opts: Record<string, unknown>, io: Io): Settings {
  const configPath = typeof opts.config === 'string' ? opts.config : findDefaultConfig(io.cwd);
  const file = configPath ? loadConfig(configPath) : undefined;
  const cli: Record<string, unknown> = { ...opts };
  for (const k of ['host', 'port', 'tunnelHost', 'conn', 'failOn'])
    if (cli[k] !== undefined) cli[k] = splitList(cli[k]);
  if (Array.isArray(cli.max)) {
    // settingsFromOptions validates `max` as the config's object form; --max is "key=limit".
    cli.max = Object.fromEntries(
      (cli.max as string[]).flatMap((m) =>
        m.split(',').map((x) => {
          const i = x.indexOf('=');
          if (i < 0) throw new UsageError(`--max: expected KIND=LIMIT (e.g. mid-stream-rst=0), got "${x}"`);
          return [x.slice(0, i).trim(), x.slice(i + 1).trim()];
        }),
      ),
    );
  }
  // One output format: `--json --csv` is a mistake to say, not to settle silently.
  const asked = (['json', 'ndjson', 'csv', 'zeek'] as const).filter((f) => cli[f] === true);
  const flags = asked.map((f) => `--${f}`);
  if (cli.format !== undefined && !asked.includes(cli.format as (typeof asked)[number]))
    flags.push(`--format ${String(cli.format)}`);
  if (flags.length > 1) throw new UsageError(`${flags.join(' and ')}: choose one output format`);
  if (asked.length > 0) cli.format = asked[0];
  return mergeSettings(DEFAULT_SETTINGS, file, settingsFromOptions(cli));
}

/** The default --max-connections for a stream input (see streamDefaults). */
export const STREAM_MAX_CONNECTIONS = 30_000;

/**
 * An endless stream (standard input, a pipe, a FIFO) keeps fewer connections in
 * full by default: 200,000 of them, with the garbage V8 lets pile up between
 * collections, are 0.5 to 1 GB resident; 30,000 stay under 300 MB, and the
 * end-of-stream report near 2 s (issue 24, bench/soak.mjs).
 */
export function streamDefaults(
  settings: Settings,
  captures: string[],
  opts: Record<string, unknown>,
  io: Io,
): void {
  if (
    settings.maxConnections === DEFAULT_SETTINGS.maxConnections &&
    !explicitMaxConnections(opts, io) &&
    captures.some((c) => c === '-' || !isRegularFile(c))
  ) {
    settings.maxConnections = STREAM_MAX_CONNECTIONS;
  }
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true; // the reader names the problem
  }
}

/** --max-connections given on the command line, or maxConnections in the config file. */
function explicitMaxConnections(opts: Record<string, unknown>, io: Io): boolean {
  if (opts.maxConnections !== undefined) return true;
  const path = typeof opts.config === 'string' ? opts.config : findDefaultConfig(io.cwd);
  // buildSettings has loaded it already: it is valid.
  return path !== undefined && loadConfig(path).maxConnections !== undefined;
}

/** `--order time|given`: how several captures' records are merged. */
export function parseOrder(v: unknown): 'time' | 'given' {
  if (v === 'time' || v === 'given') return v;
  throw new UsageError(`--order: expected 'time' or 'given', got "${String(v)}"`);
}
