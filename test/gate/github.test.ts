import { describe, expect, test } from 'vitest';
import { evaluateGate } from '../../src/gate/gate.js';
import { escapeData, escapeProperty, renderGithubAnnotations } from '../../src/report/github.js';
import type { Report } from '../../src/model/report.js';
import { anomaly, maxRules, report, settings } from './factories.js';

function render(captures: { name: string; report: Report }[], s = settings(), maxLines?: number) {
  const gate = evaluateGate(captures, s);
  return renderGithubAnnotations(gate, captures, maxLines === undefined ? {} : { maxLines });
}

describe('escaping (GitHub workflow command rules)', () => {
  test.each([
    ['100%', '100%25'],
    ['a\r\nb', 'a%0D%0Ab'],
    ['%0A', '%250A'],
    ['a:b,c', 'a:b,c'],
  ])('data %j', (input, out) => {
    expect(escapeData(input)).toBe(out);
  });

  test.each([
    ['a:b,c', 'a%3Ab%2Cc'],
    ['50%\n', '50%25%0A'],
  ])('property %j', (input, out) => {
    expect(escapeProperty(input)).toBe(out);
  });
});

describe('renderGithubAnnotations', () => {
  test('nothing when the gate passed', () => {
    expect(
      render([{ name: 'a.pcap', report: report([anomaly('zero-window')]) }], settings({ failOn: ['error'] })),
    ).toBe('');
  });

  test('a line per failing rule, then a line per anomaly at its severity', () => {
    const r = report([
      anomaly('mid-stream-rst', 1, { message: 'server sent RST' }),
      anomaly('zero-window', 2, { message: 'window 0', hint: '' }),
    ]);
    const out = render(
      [{ name: 'a.pcap', report: r }],
      settings({ failOn: ['warning'], max: maxRules('connections=100') }),
    );
    expect(out.endsWith('\n')).toBe(true);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      '::error title=tcptrace-ts gate%3A fail-on warning (a.pcap)::fail-on warning: 2 anomalies (1 mid-stream-rst, 1 zero-window)',
    );
    expect(lines[1]).toMatch(
      /^::error title=mid-stream-rst in a.pcap conn 1::server sent RST%0Aconn 1 client 10\.77\.0\.1:48001 /,
    );
    expect(lines[1]).toContain('%0AAn application abort');
    expect(lines[2]).toBe(
      '::warning title=zero-window in a.pcap conn 2::window 0%0Aconn 2 client 10.77.0.1:48002 -> server 10.77.0.2:80 (server) at 2025-11-21T12:00:00.500Z frame 17',
    );
  });

  test('an info kind named explicitly is a notice', () => {
    const out = render(
      [{ name: 'a', report: report([anomaly('keep-alive')]) }],
      settings({ failOn: ['keep-alive'] }),
    );
    expect(out.split('\n')[1]).toMatch(/^::notice title=keep-alive in a conn 1::/);
  });

  test('an anomaly broken by two rules is annotated once', () => {
    const out = render(
      [{ name: 'a', report: report([anomaly('mid-stream-rst')]) }],
      settings({ failOn: ['error', 'mid-stream-rst'], max: maxRules('mid-stream-rst=0') }),
    );
    const lines = out.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('::error title=tcptrace-ts gate'))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('::error title=mid-stream-rst'))).toHaveLength(1);
  });

  test('capture contents cannot inject commands or properties', () => {
    const evil = 'x\n::error title=fake::pwned\r\n100% done, a:b';
    const r = report([anomaly('mid-stream-rst', 1, { message: evil, hint: '' })]);
    const out = render([{ name: 'cap,title=x:y', report: r }], settings({ failOn: ['error'] }));
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^::(error|warning|notice) title=[^:,]*::[^\r\n]*$/);
    expect(lines[1]).toContain('::x%0A::error title=fake::pwned%0D%0A100%25 done, a:b%0A');
    expect(lines[1]).toContain('title=mid-stream-rst in cap%2Ctitle=x%3Ay conn 1::');
  });

  test(`caps the number of lines, ending with a summary`, () => {
    const r = report(Array.from({ length: 80 }, (_, i) => anomaly('mid-stream-rst', i + 1)));
    const out = render([{ name: 'a', report: r }], settings({ failOn: ['error'] }));
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[0]).toMatch(/^::error title=tcptrace-ts gate/);
    // 1 rule line + 80 anomalies = 81; 49 shown, 32 left
    expect(lines[49]).toBe(
      '::warning title=tcptrace-ts::32 more annotations not shown; see the report or the JUnit file for all of them',
    );
    expect(
      render([{ name: 'a', report: r }], settings({ failOn: ['error'] }), 5)
        .trimEnd()
        .split('\n'),
    ).toHaveLength(5);
  });

  test('rule lines come before anomaly lines, so a cap keeps every failing rule', () => {
    const r = report([
      ...Array.from({ length: 10 }, (_, i) => anomaly('mid-stream-rst', i + 1)),
      anomaly('zero-window', 20),
    ]);
    const out = render([{ name: 'a', report: r }], settings({ failOn: ['error', 'zero-window'] }), 3);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toContain('fail-on error');
    expect(lines[1]).toContain('fail-on zero-window');
  });

  test('several captures: each failing capture is named', () => {
    const out = render(
      [
        { name: 'a.pcap', report: report() },
        { name: 'b.pcap', report: report([anomaly('mid-stream-rst')]) },
      ],
      settings({ failOn: ['error'] }),
    );
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe(
      '::error title=tcptrace-ts gate%3A fail-on error (b.pcap)::fail-on error: 1 anomaly (1 mid-stream-rst)',
    );
    expect(lines).toHaveLength(2);
  });
});
