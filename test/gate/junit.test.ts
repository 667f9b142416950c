import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { evaluateGate } from '../../src/gate/gate.js';
import { renderJunit } from '../../src/report/junit.js';
import type { Report } from '../../src/model/report.js';
import { anomaly, connection, maxRules, report, settings } from './factories.js';
import { at, must } from '../../src/model/checked.js';

interface Attrs {
  [k: string]: unknown;
}
interface Failure extends Attrs {
  message: string;
  type: string;
  '#text'?: string;
}
interface TestCase extends Attrs {
  classname: string;
  name: string;
  time: string;
  failure?: Failure[];
}
interface TestSuite extends Attrs {
  name: string;
  tests: string;
  failures: string;
  errors: string;
  time: string;
  testcase: TestCase[];
  properties: { property: { name: string; value: string }[] };
}
interface Doc {
  testsuites: Attrs & { tests: string; failures: string; testsuite: TestSuite[] };
}

/** The text of the first failure of the first test case of the first suite (a run with one rule failing). */
function firstFailureText(doc: Doc): string {
  const failures = must(
    at(at(doc.testsuites.testsuite, 0).testcase, 0).failure,
    'a failure of the first test case',
  );
  return must(at(failures, 0)['#text'], "the first failure's text");
}

/** Parses with fast-xml-parser, as a CI reporter would, after checking well-formedness. */
function parse(xml: string): Doc {
  expect(XMLValidator.validate(xml)).toBe(true);
  // Characters XML 1.0 forbids (the validator does not check them).
  expect(xml).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    htmlEntities: true,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'property'].includes(name),
  });
  return parser.parse(xml) as Doc;
}

function render(captures: { name: string; report: Report }[], s = settings(), baseline?: Report) {
  const gate = evaluateGate(captures, s, baseline);
  return { gate, xml: renderJunit(gate, captures), doc: parse(renderJunit(gate, captures)) };
}

describe('renderJunit', () => {
  test('a suite per capture, a case per rule, failures carry their anomalies', () => {
    const a = report(
      [
        anomaly('mid-stream-rst', 3, { endpoint: 'server', frame: 17, message: 'server sent RST' }),
        anomaly('zero-window', 4),
      ],
      { connections: [connection(3), connection(4)] },
    );
    const b = report([], { connections: 2 });
    const { doc } = render(
      [
        { name: 'a.pcap', report: a },
        { name: 'b.pcap', report: b },
      ],
      settings({ failOn: ['error'], max: maxRules('zero-window=0', 'connections=100') }),
    );
    const root = doc.testsuites;
    expect(root).toMatchObject({ name: 'tcptrace-ts', tests: '6', failures: '2', errors: '0' });
    expect(root.testsuite.map((s) => [s.name, s.tests, s.failures])).toEqual([
      ['a.pcap', '3', '2'],
      ['b.pcap', '3', '0'],
    ]);
    const [sa, sb] = root.testsuite as [TestSuite, TestSuite];
    expect(sa.testcase.map((c) => [c.classname, c.name])).toEqual([
      ['tcptrace-ts.a.pcap', 'fail-on error'],
      ['tcptrace-ts.a.pcap', 'max zero-window'],
      ['tcptrace-ts.a.pcap', 'max connections'],
    ]);
    expect(sb.testcase.every((c) => c.failure === undefined)).toBe(true);
    for (const s of root.testsuite) for (const c of s.testcase) expect(c.time).toBe('0');

    const failOn = at(must(at(sa.testcase, 0).failure, 'at(sa.testcase, 0).failure'), 0);
    expect(failOn.type).toBe('fail-on');
    expect(failOn.message).toBe('fail-on error: 1 anomaly (1 mid-stream-rst)');
    const lines = must(failOn['#text'], "failOn['#text']").split('\n');
    expect(lines[0]).toBe('fail-on error: 1 anomaly (1 mid-stream-rst)');
    expect(lines[1]).toBe(
      'mid-stream-rst conn 3 client 10.77.0.1:48003 -> server 10.77.0.2:80 (server) at 2025-11-21T12:00:00.500Z frame 17: server sent RST',
    );
    expect(lines).toHaveLength(2);

    const zw = at(must(at(sa.testcase, 1).failure, 'at(sa.testcase, 1).failure'), 0);
    expect(zw).toMatchObject({ type: 'max', message: 'zero-window: 1 > max 0' });
    expect(zw['#text']).toContain('zero-window conn 4 ');
    expect(at(sa.testcase, 2).failure).toBeUndefined();
  });

  test('suite properties describe the capture', () => {
    const { doc } = render([{ name: 'a.pcap', report: report([], { connections: 3, summarised: 2 }) }]);
    const props = Object.fromEntries(
      at(doc.testsuites.testsuite, 0).properties.property.map((p) => [p.name, p.value]),
    );
    expect(props).toMatchObject({ format: 'pcap', connections: '5', anomalies: '0', truncated: 'false' });
  });

  test('no rules: one passing "analysis" case per capture', () => {
    const { doc } = render([
      { name: 'a.pcap', report: report([anomaly('mid-stream-rst')]) },
      { name: 'b.pcap', report: report() },
    ]);
    expect(doc.testsuites).toMatchObject({ tests: '2', failures: '0' });
    for (const s of doc.testsuites.testsuite) {
      expect(s).toMatchObject({ tests: '1', failures: '0' });
      expect(s.testcase).toHaveLength(1);
      expect(s.testcase[0]).toMatchObject({ name: 'analysis', classname: `tcptrace-ts.${s.name}` });
      expect(at(s.testcase, 0).failure).toBeUndefined();
    }
  });

  test('host-level anomalies name the host', () => {
    const r = report([anomaly('time-wait-storm', null, { host: '10.77.0.1', message: '600 TIME_WAIT' })]);
    const { doc } = render([{ name: 'a', report: r }], settings({ failOn: ['warning'] }));
    const text = firstFailureText(doc);
    expect(text.split('\n')[1]).toBe(
      'time-wait-storm host 10.77.0.1 at 2025-11-21T12:00:00.500Z frame 17: 600 TIME_WAIT',
    );
  });

  test('IPv6 endpoints are bracketed', () => {
    const c = connection(1, { client: { addr: '2001:db8::1' }, server: { addr: '2001:db8::2', port: 443 } });
    const r = report([anomaly('mid-stream-rst', 1)], { connections: [c] });
    const { doc } = render([{ name: 'a', report: r }], settings({ failOn: ['error'] }));
    expect(firstFailureText(doc)).toContain('client [2001:db8::1]:48001 -> server [2001:db8::2]:443');
  });

  test('more anomalies than the rule carries end with "... and N more"', () => {
    const r = report(Array.from({ length: 120 }, (_, i) => anomaly('mid-stream-rst', i + 1)));
    const { doc } = render([{ name: 'a', report: r }], settings({ failOn: ['mid-stream-rst'] }));
    const lines = firstFailureText(doc).split('\n');
    expect(lines).toHaveLength(1 + 100 + 1);
    expect(lines.at(-1)).toBe('... and 20 more');
  });

  test('escapes markup and strips characters XML 1.0 forbids, in names, attributes and text', () => {
    const nasty = 'a<b>&"c\' \u0001\u0008\u000b\u001b\uFFFE\uD800 end';
    const r = report([anomaly('mid-stream-rst', 1, { message: `payload ${nasty}\nsecond line` })]);
    const name = `cap<&">\u0000.pcap`;
    const { xml, doc } = render([{ name, report: r }], settings({ failOn: ['error'] }));
    expect(xml).not.toContain('<b>');
    const suite = at(doc.testsuites.testsuite, 0);
    expect(suite.name).toBe('cap<&">\uFFFD.pcap');
    expect(at(suite.testcase, 0).classname).toBe('tcptrace-ts.cap<&">\uFFFD.pcap');
    const text = must(
      at(must(at(suite.testcase, 0).failure, 'at(suite.testcase, 0).failure'), 0)['#text'],
      "at(must(at(suite.testcase, 0).failure, 'at(suit...",
    );
    expect(text).toContain('payload a<b>&"c\' \uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD end\nsecond line');
  });

  test('a failure message with a newline survives as an attribute', () => {
    const gate = {
      passed: false,
      rules: [
        { name: 'custom <rule>', passed: false, message: 'line one\nline two\ttab "q"', anomalies: [] },
      ],
    };
    const xml = renderJunit(gate, [{ name: 'a', report: report() }]);
    const c = at(at(parse(xml).testsuites.testsuite, 0).testcase, 0);
    expect(c.name).toBe('custom <rule>');
    expect(must(c.failure, 'c.failure')[0]).toMatchObject({
      message: 'line one\nline two\ttab "q"',
      type: 'gate',
    });
  });

  test('time attributes: the analysis time per capture when given, summed on the root', () => {
    const gate = evaluateGate([{ name: 'a', report: report() }], settings({ failOn: ['error'] }));
    const xml = renderJunit(gate, [
      { name: 'a', report: report(), elapsed: 1.25 },
      { name: 'b', report: report(), elapsed: 0.5 },
    ]);
    const doc = parse(xml);
    expect(doc.testsuites.time).toBe('1.750');
    expect(doc.testsuites.testsuite.map((s) => s.time)).toEqual(['1.250', '0.500']);
  });

  test('no captures: an empty, valid document', () => {
    const xml = renderJunit({ passed: true, rules: [] }, []);
    expect(parse(xml).testsuites).toMatchObject({ tests: '0', failures: '0' });
  });
});
