/**
 * JUnit XML for CI (`--junit <file>`, SPEC.md): a `<testsuite>` per capture, a
 * `<testcase>` per gate rule, failed with the anomalies that broke it. The
 * shape is the common denominator that Jenkins, GitLab and the GitHub test
 * reporters read: `<testsuites>` > `<testsuite>` > `<testcase classname name
 * time>` > `<failure message type>`, with tests/failures/errors counts.
 */
import { describeAnomaly } from '../gate/describe.js';
import type { GateResult, GateRuleResult, Report } from '../model/report.js';

export interface JunitCapture {
  name: string;
  report: Report;
  /** Seconds spent analysing this capture (the suite's `time`); 0 when not measured. */
  elapsed?: number;
}

/**
 * Characters XML 1.0 does not allow, even escaped (section 2.2 "Char"): C0
 * controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF. Capture
 * contents and file names can hold anything, so they become U+FFFD.
 */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values: also quotes, and tab/LF/CR as references so that attribute normalisation keeps them. */
export function xmlAttr(s: string): string {
  return xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

function seconds(t: number | undefined): string {
  return t !== undefined && Number.isFinite(t) && t > 0 ? t.toFixed(3) : '0';
}

/** The rules of one capture: its breakdown from the gate, else the overall rules. */
function rulesFor(gate: GateResult, name: string, index: number): GateRuleResult[] {
  const captures = gate.captures;
  if (captures && captures.length > 0) {
    return (captures.find((c) => c.name === name) ?? captures[index])?.rules ?? [];
  }
  return gate.rules;
}

function failureBody(rule: GateRuleResult, report: Report): string {
  const lines = [rule.message, ...rule.anomalies.map((a) => describeAnomaly(a, report))];
  const more = (rule.matched ?? rule.anomalies.length) - rule.anomalies.length;
  if (rule.anomalies.length > 0 && more > 0) lines.push(`... and ${more} more`);
  return lines.join('\n');
}

export function renderJunit(gate: GateResult, reports: readonly JunitCapture[]): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let time = 0;
  reports.forEach(({ name, report, elapsed }, index) => {
    const rules = rulesFor(gate, name, index);
    const classname = `tcptrace-ts.${name}`;
    const cases: string[] = [];
    if (rules.length === 0) {
      cases.push(`    <testcase${attrs({ classname, name: 'analysis', time: '0' })}/>`);
    }
    for (const rule of rules) {
      const head = `    <testcase${attrs({ classname, name: rule.name, time: '0' })}`;
      if (rule.passed) {
        cases.push(`${head}/>`);
      } else {
        const failure = `<failure${attrs({ message: rule.message, type: rule.type ?? 'gate' })}>${xmlText(failureBody(rule, report))}</failure>`;
        cases.push(`${head}>\n      ${failure}\n    </testcase>`);
      }
    }
    const suiteTests = Math.max(rules.length, 1);
    const suiteFailures = rules.filter((r) => !r.passed).length;
    tests += suiteTests;
    failures += suiteFailures;
    time += elapsed ?? 0;
    const c = report.capture;
    const properties = [
      ['format', c.format],
      ['packets', c.packets],
      ['tcpPackets', c.tcpPackets],
      ['connections', report.connections.length + (report.summarised?.connections ?? 0)],
      ['anomalies', report.anomalies.length],
      ['truncated', String(c.truncated)],
    ]
      .map(([k, v]) => `      <property${attrs({ name: k as string, value: v as string | number })}/>`)
      .join('\n');
    suites.push(
      `  <testsuite${attrs({ name, tests: suiteTests, failures: suiteFailures, errors: 0, skipped: 0, time: seconds(elapsed) })}>\n` +
        `    <properties>\n${properties}\n    </properties>\n` +
        `${cases.join('\n')}\n  </testsuite>`,
    );
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs({ name: 'tcptrace-ts', tests, failures, errors: 0, time: seconds(time) })}>\n` +
    (suites.length > 0 ? `${suites.join('\n')}\n` : '') +
    '</testsuites>\n'
  );
}
