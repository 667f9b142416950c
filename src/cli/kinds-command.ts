/**
 * `tcptrace-ts kinds`: every anomaly kind with its severity, level and one line,
 * from model/kinds.ts: what `--fail-on` and `--max` accept, without reading source.
 */
import { ANOMALY_KINDS } from '../model/kinds.js';
import { bySeverity } from '../model/severity.js';
import { GATE_METRICS } from '../config/settings.js';
import type { Io } from './io.js';

export function kindsCommand(opts: Record<string, unknown>, io: Io): number {
  // Errors first, then warnings, then info; the kinds' own order within a severity.
  const kinds = [...ANOMALY_KINDS].sort((a, b) => bySeverity(a.severity, b.severity));
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify(kinds.map(({ kind, severity, level, title, hint }) => ({ kind, severity, level, title, hint })))}\n`,
    );
    return 0;
  }
  const w = Math.max(...kinds.map((k) => k.kind.length));
  const lines = kinds.map((k) => `${k.severity.padEnd(9)}${k.kind.padEnd(w + 2)}${k.title}`);
  if (opts.hints) {
    lines.length = 0;
    for (const k of kinds)
      lines.push(`${k.severity.padEnd(9)}${k.kind.padEnd(w + 2)}${k.title}`, `         hint: ${k.hint}`);
  }
  const metrics = Object.entries(GATE_METRICS).map(([m, d]) => `  ${m.padEnd(w + 9)}${d.description}`);
  io.stdout.write(
    [
      `${'severity'.padEnd(9)}${'kind'.padEnd(w + 2)}when`,
      ...lines,
      '',
      '--fail-on takes kinds and severities (error, warning, info: that severity or worse);',
      '--max KEY=LIMIT also takes these metrics:',
      ...metrics,
      '',
    ].join('\n'),
  );
  return 0;
}
