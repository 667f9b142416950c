/**
 * Zeek's own test traces with conn.log baselines, beyond the corpus's: copied
 * from zeek/zeek into test/conformance/zeek-traces/ (PROVENANCE.md, manifest.json)
 * so that the conformance test runs from a fresh clone.
 *
 * manifest.json names, for each Zeek run kept, its baseline, the trace (copied
 * here, or the corpus's copy), the btest command line and what of it changes
 * our emulation: the likely_server_ports of the scripts loaded (`zeek -b` loads
 * only the scripts the test names; "default" is a plain `zeek` run, every base
 * script) and whether Zeek checked checksums (no -C). Runs left out are listed
 * there with why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZEEK_DEFAULT_LIKELY_SERVER_PORTS, ZEEK_PORTS, zeekBarePorts } from '../../src/zeek/settings.js';
import { CORPUS } from '../helpers/corpus.mjs';
import { type ZeekCase, parseConnLog } from '../zeek/zeek-baselines.js';

export const ZEEK_TRACES = fileURLToPath(new URL('./zeek-traces', import.meta.url));

interface Run {
  /** `<btest name>/<file>` under testing/btest/Baseline/, copied to baselines/. */
  baseline: string;
  /** `traces/<path>` (here) or `corpus:<path>` (test/corpus). */
  trace: string;
  zeekTrace: string;
  command: string;
  /** "default" (plain zeek) or the base/protocols scripts a `zeek -b` run loaded. */
  ports: 'default' | string[];
  /** Ports the test's script adds to likely_server_ports (a redef, Analyzer::register_for_ports). */
  extraPorts?: number[];
  /** Zeek ran without -C. */
  checksums: boolean;
}

interface Manifest {
  commit: string;
  runs: Run[];
  excluded: { baseline: string; trace: string | null; why: string }[];
}

export function zeekTracesManifest(): Manifest {
  return JSON.parse(readFileSync(join(ZEEK_TRACES, 'manifest.json'), 'utf8')) as Manifest;
}

function portsOf(run: Run): ReadonlySet<number> {
  const extra = run.extraPorts ?? [];
  if (run.ports === 'default')
    return extra.length === 0
      ? ZEEK_DEFAULT_LIKELY_SERVER_PORTS
      : new Set([...ZEEK_DEFAULT_LIKELY_SERVER_PORTS, ...extra]);
  const known = run.ports.filter((p): p is keyof typeof ZEEK_PORTS => p in ZEEK_PORTS);
  return new Set([...zeekBarePorts(...known), ...extra]);
}

/** A history that only a TCP connection has (UDP and ICMP rows have D, d, ^ at most). */
const TCP_HISTORY = /[SHAFRQIT]/i;

/** Every kept run as a case; its rows' `file` is the baseline's `<test>/<file>`. */
export function loadZeekTraceCases(): ZeekCase[] {
  return zeekTracesManifest().runs.map((run) => {
    const pcap = run.trace.startsWith('corpus:')
      ? join(CORPUS, run.trace.slice('corpus:'.length))
      : join(ZEEK_TRACES, run.trace);
    const text = readFileSync(join(ZEEK_TRACES, 'baselines', run.baseline), 'utf8');
    // A cut without `proto` (parseConnLog takes all its rows for TCP): keep the rows whose history is TCP's.
    const hasProto = /(^|\t)proto(\t|$)/m.test(text);
    const rows = parseConnLog(text, run.baseline, run.zeekTrace)
      .filter((r) => hasProto || TCP_HISTORY.test(r.history ?? ''))
      .map((r, i) => ({ ...r, index: i + 1 }));
    return {
      pcap,
      rows,
      likelyServerPorts: portsOf(run),
      checksums: run.checksums,
      single: false,
    };
  });
}
