/**
 * GitHub Actions workflow commands (`--format github`): an `::error` line per
 * failing gate rule, then one line per anomaly that broke a rule (`::error`,
 * `::warning` or `::notice` by its severity), capped so a bad capture does not
 * flood the log (GitHub shows only a few annotations per step anyway).
 * Nothing is printed when the gate passed.
 */
import { anomalyPlace, formatTime } from '../gate/describe.js';
import type { AnomalyReport, GateResult, GateRuleResult, Report, Severity } from '../model/report.js';
import { sanitize } from './sanitize.js';

/** Message text: `%`, CR and LF are percent-encoded (actions/toolkit `escapeData`). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values (`title=`): also `:` and `,`, which delimit properties (`escapeProperty`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

type Level = 'error' | 'warning' | 'notice';

const LEVEL: Readonly<Record<Severity, Level>> = { error: 'error', warning: 'warning', info: 'notice' };

/**
 * One workflow command. The runner prints it into the log, which a browser and
 * terminals (the raw log) render: ESC, BEL, C1 controls and bidi overrides from
 * file names and config values are escaped visibly, as every other format does.
 */
function command(level: Level, title: string, message: string): string {
  return `::${level} title=${sanitize(escapeProperty(title))}::${sanitize(escapeData(message))}`;
}

export interface GithubOptions {
  /** Most lines printed, the summary line included. Default 50. */
  maxLines?: number;
}

export function renderGithubAnnotations(
  gate: GateResult,
  reports: readonly { name: string; report: Report }[],
  options: GithubOptions = {},
): string {
  const maxLines = Math.max(1, options.maxLines ?? 50);
  const perCapture: { name: string; report: Report | undefined; rules: GateRuleResult[] }[] =
    gate.captures && gate.captures.length > 0
      ? gate.captures.map((c) => ({
          name: c.name,
          report: reports.find((r) => r.name === c.name)?.report,
          rules: c.rules,
        }))
      : [{ name: reports[0]?.name ?? '', report: reports[0]?.report, rules: gate.rules }];

  const ruleLines: string[] = [];
  const anomalyLines: string[] = [];
  const seen = new Set<AnomalyReport>();
  for (const { name, report, rules } of perCapture) {
    for (const rule of rules) {
      if (rule.passed) continue;
      const where = name ? ` (${name})` : '';
      ruleLines.push(command('error', `tcptrace-ts gate: ${rule.name}${where}`, rule.message));
      for (const a of rule.anomalies) {
        if (seen.has(a)) continue;
        seen.add(a);
        const place = anomalyPlace(a, report);
        const title = `${a.kind}${name ? ` in ${name}` : ''}${a.connection !== null ? ` conn ${a.connection}` : ''}`;
        const message = `${a.message}\n${place} at ${formatTime(a.t)} frame ${a.frame}${a.hint ? `\n${a.hint}` : ''}`;
        anomalyLines.push(command(LEVEL[a.severity] ?? 'error', title, message));
      }
    }
  }
  const all = [...ruleLines, ...anomalyLines];
  if (all.length <= maxLines) return all.length > 0 ? `${all.join('\n')}\n` : '';
  const kept = all.slice(0, maxLines - 1);
  const left = all.length - kept.length;
  kept.push(
    command(
      'warning',
      'tcptrace-ts',
      `${left} more annotations not shown; see the report or the JUnit file for all of them`,
    ),
  );
  return `${kept.join('\n')}\n`;
}
