/**
 * The command line: parse options (commander), build the settings, run the
 * engine, hand the result to a renderer, map the verdict to an exit code.
 * All output goes through the injected `Io`, so tests run it in-process.
 *
 * Exit codes (SPEC.md): 0 analysed and no gate failed; 1 a gate failed;
 * 2 could not analyse (usage error, unreadable input, not a capture).
 */
import { readFileSync, readlinkSync, writeSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { CaptureError } from '../capture/record.js';
import { UsageError } from '../config/errors.js';
import { sanitize } from '../report/sanitize.js';
import { analyzeCommand } from './analyze-command.js';
import type { Io } from './io.js';

export type { Io } from './io.js';

const VERSION = '0.1.0';

/** Options shared by the report and the ladder. */
function addCommon(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      `JSON file with thresholds and gate rules (default: ./tcptrace-ts.config.json if present)`,
    )
    .option('--msl <duration>', 'maximum segment lifetime; TIME_WAIT lasts 2 x MSL (default 30s)')
    .option('--syn-timeout <duration>', 'a SYN unanswered this long is syn-no-synack (default 3s)')
    .option(
      '--synack-timeout <duration>',
      'a SYN-ACK without final ACK this long is synack-no-ack (default 3s)',
    )
    .option('--close-wait-timeout <duration>', 'CLOSE_WAIT longer than this is close-wait-stuck (default 5s)')
    .option(
      '--fin-wait-2-timeout <duration>',
      'FIN_WAIT_2 longer than this is fin-wait-2-stuck (default 60s)',
    )
    .option(
      '--time-wait-threshold <n>',
      'TIME_WAIT endpoints on one host at once for time-wait-storm (default 500)',
    )
    .option('--syn-flood-threshold <n>', 'half-open handshakes to one listener for syn-flood (default 100)')
    .option(
      '--retransmission-burst <n/window>',
      'retransmissions within a window for retransmission-burst (default 5/1s)',
    )
    .option('--high-retransmission-rate <rate>', 'share of retransmitted data segments (default 10%)')
    .option('--idle-timeout <duration>', 'forget connections idle this long (default 7875s)')
    .option(
      '--handshake-idle-timeout <duration>',
      'forget unfinished handshakes idle this long (default 60s)',
    )
    .option(
      '--max-connections <n>',
      'connections kept in full; beyond, ended ones are summarised (default 200000; 30000 from a stream)',
    )
    .option(
      '--host <addr>',
      'keep only connections with an endpoint on this address (repeatable, or comma-separated)',
      collect,
    )
    .option(
      '--port <n>',
      'keep only connections with an endpoint on this port (repeatable, or comma-separated)',
      collect,
    )
    .option(
      '--tunnel-host <addr>',
      'keep only connections carried in a tunnel with an outer endpoint on this address (repeatable, or comma-separated)',
      collect,
    )
    .option('--strict', 'a truncated or damaged capture exits 2')
    .option(
      '--text-date <YYYY-MM-DD>',
      "tcpdump text input: the day of its time-of-day stamps (default: today for '-', else the file's date)",
    )
    .option(
      '--text-tz <zone>',
      'tcpdump text input: the time zone of its local-time stamps (default: TZ, else the system zone)',
    )
    .option('--order <order>', "several files: 'time' (by first packet, default) or 'given'")
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--debug', 'print stack traces of internal errors');
}

/**
 * A repeatable option's values. Not commander's variadic `<x...>`: that takes
 * every word after the option, so `--host 10.0.0.1 a.pcap` took the capture
 * as a second address and failed with "no capture given".
 */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function buildProgram(io: Io, result: { code: number }): Command {
  const program = new Command('tcptrace-ts');
  program
    .description('Reads packet captures and works out the TCP state of both endpoints of every connection.')
    .version(VERSION, '-V, --version')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // A usage error is one line, like every other error (scripts read the first line of stderr).
      outputError: (s, write) =>
        write(
          `tcptrace-ts: ${oneLine(s.replace(/^error: /, '').trim())} (run tcptrace-ts --help for usage)\n`,
        ),
    })
    .exitOverride()
    .enablePositionalOptions();

  const report = addCommon(program)
    .argument('[capture...]', "capture files (pcap, pcapng, gzip, tcpdump text); '-' reads standard input")
    .option('--json', 'the JSON report on stdout (SPEC.md)')
    .option('--ndjson', 'one JSON event a line as things happen, then a summary')
    .option('--csv', 'one CSV row a connection')
    .option('--zeek', "Zeek's conn.log view: connections split by Zeek's timers, its conn_state and history")
    .addOption(
      new Option('--format <format>', 'output format').choices([
        'text',
        'json',
        'ndjson',
        'csv',
        'github',
        'zeek',
      ]),
    )
    .option(
      '--fail-on <list>',
      'anomaly kinds and/or severities (error, warning) that fail the run (exit 1; repeatable, or comma-separated)',
      collect,
    )
    .option(
      '--max <rule>',
      'count rule KIND=LIMIT or METRIC=LIMIT% (repeatable, or comma-separated), e.g. mid-stream-rst=0,retransmission-rate=2%',
      collect,
    )
    .option('--junit <file>', 'write JUnit XML: a test case per gate rule')
    .option(
      '--html <file>',
      'write the HTML report: states over time, connection table, ladders and time-sequence graphs (one self-contained file)',
    )
    .option(
      '--html-conn <id>',
      'also draw these connections in the HTML report (repeatable, or comma-separated)',
      collect,
    )
    .option(
      '--baseline <report.json>',
      'fail only on anomalies new or more numerous than in this earlier --json report',
    )
    .option('--each', 'analyse each capture file separately: one verdict, a breakdown per capture')
    .option('--conn <id>', 'keep only these connection ids (repeatable, or comma-separated)', collect)
    .option('--all', 'show every connection, example and warning')
    .option('--interval <duration>', 'live refresh / ndjson states period (default 5s)')
    .action(async (captures: string[], opts: Record<string, unknown>) => {
      result.code = await analyzeCommand(captures, opts, io);
    });
  void report;

  program
    .command('kinds')
    .description(
      'list every anomaly kind with its severity and when it fires (what --fail-on and --max accept)',
    )
    .option('--hints', 'with the hint of each kind')
    .option('--json', 'as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { kindsCommand } = await import('./kinds-command.js');
      result.code = kindsCommand(opts, io);
    });

  program.addHelpText(
    'after',
    `
Exit codes:
  0  analysed; no gate failed
  1  analysed; a gate (--fail-on, --max, or a config file rule) failed
  2  could not analyse: usage error, unreadable file, not a capture (a truncated
     or damaged one with --strict), or a gate given an input with no TCP

Anomaly kinds (what --fail-on and --max take): tcptrace-ts kinds`,
  );

  addCommon(program.command('ladder'))
    .description("draw connections as ladder diagrams, each side's state after every segment")
    .argument('<capture...>', 'capture files')
    .option(
      '--conn <ids>',
      'connection ids from the report (repeatable, or comma-separated); not needed when the capture (after --host/--port) has one connection',
      collect,
    )
    .option('--absolute', 'absolute sequence numbers (default: relative to each ISN)')
    .option('--all', 'show every segment (default: elide the middle of long connections)')
    .option('--json', 'the rows as JSON')
    .option('--svg <file>', 'write the ladder drawn as an SVG file (arrows sloped by estimated flight time)')
    .action(async (captures: string[], opts: Record<string, unknown>) => {
      // Loaded only for this command: every report run would pay its startup otherwise.
      const { ladderCommand } = await import('./ladder-command.js');
      result.code = await ladderCommand(captures, opts, io);
    });
  return program;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(io, result);
  const debug = argv.includes('--debug');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; commander already printed its message.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return 0;
      return 2;
    }
    if (e instanceof UsageError || e instanceof CaptureError) {
      io.stderr.write(`tcptrace-ts: ${oneLine(e.message)}\n`);
      return 2;
    }
    const err = e as Error;
    const msg = `tcptrace-ts: internal error: ${oneLine(err?.message ?? String(e))}`;
    if (debug && err?.stack) io.stderr.write(`${msg}\n${err.stack}\n`);
    else io.stderr.write(`${msg} (run with --debug for a stack trace, and please report it)\n`);
    return 2;
  }
}

function oneLine(s: string): string {
  // Control characters and bidi overrides from file names and config values must not
  // reach the terminal raw: escaped visibly, as in every report.
  return sanitize(s.replace(/[\r\n]+/g, ' '));
}

/** The real process's I/O. */
export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signals: process,
  };
}

export async function main(argv: string[]): Promise<number> {
  // An output error is exit 2 with one line naming it (a full disk: ENOSPC), never a
  // stack trace or the gate's exit 1; `tcptrace-ts big.pcap | head`, the reader going
  // away, stops quietly as cat does, with the code so far.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    writeErr(`tcptrace-ts: cannot write to standard output: ${oneLine(e.message)}\n`);
    process.exit(2);
  });
  // Nowhere left to say anything: no uncaught exception either.
  process.stderr.on('error', () => {});
  if (stdoutClosed()) {
    writeErr('tcptrace-ts: standard output is closed: nowhere to write the report\n');
    return 2;
  }
  const code = await run(argv, processIo());
  // An interrupted read of a pipe leaves stdin open, which would keep the process
  // alive after the report: let go of it.
  process.stdin.destroy();
  // Let stdout drain (large reports into a pipe) before the process exits.
  await new Promise<void>((resolve) => {
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => resolve());
    else resolve();
  });
  return code;
}

function writeErr(s: string): void {
  try {
    writeSync(2, s);
  } catch {
    // stderr is gone too.
  }
}

/**
 * Started with standard output closed (`>&-`)? Node then opens /dev/null
 * read-write on fd 1 before any script runs, and the report would vanish with
 * exit 0. A shell's `> /dev/null` opens it write-only; a /dev/null opened
 * read-write is taken as closed (spawn's stdio 'ignore' does that too, and there
 * nothing would be read either). Linux only (/proc); elsewhere never.
 */
function stdoutClosed(): boolean {
  try {
    if (readlinkSync('/proc/self/fd/1') !== '/dev/null') return false;
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync('/proc/self/fdinfo/1', 'utf8'));
    return flags !== null && (parseInt(flags[1] ?? '0', 8) & 3) === 2;
  } catch {
    return false;
  }
}
