/**
 * The JSON Schemas in schema/ against the report model: example reports built
 * with the factories, and (when the CLI is built) the real `--json`, `--ndjson`
 * and `ladder --json` output for every capture in fixtures/.
 *
 * Besides ajv's validation, `undeclared` walks a value beside its schema and
 * lists every property the schema does not declare: the published schemas allow
 * unknown fields (the contract adds fields), but ours must name them all, so a
 * field added to the model without the schema fails here.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { elideRows, ladderJson } from '../../src/report/ladder.js';
import type { ConnectionReport, Report } from '../../src/model/report.js';
import { anomalyEvent, connectionEvent, statesEvent, summaryEvent } from '../../src/report/ndjson.js';
import { bigReport, LADDERS, report, smallReport, timeWaitStormReport, connection } from './factories.js';
import { at, must } from '../../src/model/checked.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
type Schema = Record<string, unknown>;
const load = (name: string): Schema => JSON.parse(readFileSync(path.join(ROOT, 'schema', name), 'utf8'));
const REPORT = load('report.schema.json');
const NDJSON = load('ndjson-event.schema.json');
const LADDER = load('ladder.schema.json');

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(REPORT).addSchema(NDJSON).addSchema(LADDER);
const validateReport = must(ajv.getSchema(REPORT.$id as string), 'ajv.getSchema(REPORT.$id as string)');
const validateEvent = must(ajv.getSchema(NDJSON.$id as string), 'ajv.getSchema(NDJSON.$id as string)');
const validateLadder = must(ajv.getSchema(LADDER.$id as string), 'the ladder schema');
const validateMulti = must(
  ajv.getSchema(`${REPORT.$id}#/$defs/MultiCaptureReport`),
  'the MultiCaptureReport schema',
);

function errors(v: { errors?: unknown }): string {
  return JSON.stringify(v.errors, null, 1)?.slice(0, 2000) ?? '';
}

// --- undeclared properties -------------------------------------------------------------

const SCHEMAS: Record<string, Schema> = {
  [REPORT.$id as string]: REPORT,
  [NDJSON.$id as string]: NDJSON,
  [LADDER.$id as string]: LADDER,
};

/** Resolve `$ref` (same document or another by its relative name), following chains. */
function resolve(s: Schema, base: Schema): { s: Schema; base: Schema } {
  while (typeof s.$ref === 'string') {
    const [file, pointer = ''] = s.$ref.split('#');
    const doc = file
      ? must(
          Object.values(SCHEMAS).find((d) => (d.$id as string).endsWith(`/${file}`)),
          `the schema of ${file}`,
        )
      : base;
    let target: unknown = doc;
    for (const part of pointer.split('/').filter(Boolean)) target = (target as Schema)[part];
    const rest = { ...s };
    delete rest.$ref;
    s = Object.keys(rest).length > 0 ? { allOf: [target, rest] } : (target as Schema);
    base = doc;
  }
  return { s, base };
}

/** Properties an object schema declares, with allOf branches merged. */
function declared(
  s: Schema,
  base: Schema,
): { props: Record<string, { s: Schema; base: Schema }>; extra?: { s: Schema; base: Schema } } {
  const r = resolve(s, base);
  const out: Record<string, { s: Schema; base: Schema }> = {};
  let extra: { s: Schema; base: Schema } | undefined;
  for (const sub of (r.s.allOf as Schema[] | undefined) ?? []) {
    const d = declared(sub, r.base);
    Object.assign(out, d.props);
    extra ??= d.extra;
  }
  for (const [k, v] of Object.entries((r.s.properties as Record<string, Schema>) ?? {}))
    out[k] = { s: v, base: r.base };
  if (r.s.additionalProperties && typeof r.s.additionalProperties === 'object') {
    extra = { s: r.s.additionalProperties as Schema, base: r.base };
  }
  return { props: out, extra };
}

/** The branch of anyOf/oneOf that fits the value (by `type` const for events, else by JSON type). */
function branch(s: Schema, base: Schema, value: unknown): { s: Schema; base: Schema } | null {
  const r = resolve(s, base);
  const options = (r.s.anyOf ?? r.s.oneOf) as Schema[] | undefined;
  if (!options) return r;
  for (const o of options) {
    const ro = resolve(o, r.base);
    const t = (ro.s.properties as Record<string, Schema> | undefined)?.type?.const;
    if (t !== undefined) {
      if ((value as { type?: unknown }).type === t) return branch(ro.s, ro.base, value);
      continue;
    }
    const allOfFirst = (ro.s.allOf as Schema[] | undefined)?.[0];
    const type = ro.s.type ?? (allOfFirst ? resolve(allOfFirst, ro.base).s.type : undefined);
    const jsonType = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (type === jsonType || (type === 'integer' && jsonType === 'number')) return ro;
  }
  return null;
}

function undeclared(value: unknown, schema: Schema, base: Schema, at = ''): string[] {
  const b = branch(schema, base, value);
  if (!b || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    const items = resolve(b.s, b.base).s.items as Schema | undefined;
    return items ? value.flatMap((v, i) => undeclared(v, items, b.base, `${at}/${i}`)) : [];
  }
  const { props, extra } = declared(b.s, b.base);
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = props[k] ?? extra;
    if (!p) out.push(`${at}/${k}`);
    else out.push(...undeclared(v, p.s, p.base, `${at}/${k}`));
  }
  return out;
}

const checkReport = (r: unknown) => {
  expect(validateReport(r), errors(validateReport)).toBe(true);
  expect(undeclared(r, REPORT, REPORT)).toEqual([]);
};
const checkEvent = (e: unknown) => {
  expect(validateEvent(e), errors(validateEvent)).toBe(true);
  expect(undeclared(e, NDJSON, NDJSON)).toEqual([]);
};
const checkLadder = (l: unknown) => {
  expect(validateLadder(l), errors(validateLadder)).toBe(true);
  expect(undeclared(l, LADDER, LADDER)).toEqual([]);
};

// --- example reports -------------------------------------------------------------------

describe('report.schema.json', () => {
  it.each([
    ['small', smallReport],
    ['time-wait storm', () => timeWaitStormReport(50)],
    ['busy', () => bigReport(1200)],
    ['empty', () => report()],
  ])('accepts the %s example report', (_, make) => {
    const r = JSON.parse(JSON.stringify(make()));
    checkReport(r);
  });

  it('accepts a report with every optional field', () => {
    const r = smallReport();
    r.capture.unavailable = ['ttl', 'payload'];
    r.summarised = { connections: 12, states: { TIME_WAIT: 10, CLOSED: 2 } };
    at(r.anomalies, 0).details = { rtt: 0.0002, note: 'x', flag: true, samples: [1, 2] };
    at(r.connections, 0).transitions = [
      { t: 1, frame: 1, endpoint: 'client', from: 'CLOSED', to: 'SYN_SENT', cause: 'sent SYN' },
    ];
    const rule = {
      name: 'fail-on error',
      passed: false,
      message: 'x',
      anomalies: [at(r.anomalies, 0)],
      type: 'fail-on' as const,
      target: 'error',
      figure: 1,
      limit: 0,
      percent: false,
      baselineFigure: 0,
      matched: 1,
      capture: 'a.pcap',
    };
    r.gate = {
      passed: false,
      rules: [rule],
      captures: [{ name: 'a.pcap', passed: false, rules: [rule] }],
      baseline: true,
    };
    checkReport(JSON.parse(JSON.stringify(r)));
    const multi = { version: 1, captures: [{ name: 'a.pcap', report: r }], gate: r.gate };
    expect(validateMulti(JSON.parse(JSON.stringify(multi))), errors(validateMulti)).toBe(true);
  });

  it.each<[string, (r: Report) => void]>([
    ['an unknown state', (r) => void ((at(r.connections, 0).client as { state: string }).state = 'ESTAB')],
    ['an unknown severity', (r) => void ((r.anomalies[0] as { severity: string }).severity = 'fatal')],
    ['a kind not in kebab-case', (r) => void (at(r.anomalies, 0).kind = 'Mid_Stream')],
    ['a missing field', (r) => void delete (r.connections[0] as Partial<ConnectionReport>).history],
    ['a state count key that is not a state', (r) => void (r.states.client.BOGUS = 1)],
    ['a port out of range', (r) => void (at(r.connections, 0).server.port = 70000)],
    ['a wrong version', (r) => void ((r as { version: number }).version = 2)],
    ['a start that is not a number', (r) => void ((r.capture as { start: unknown }).start = '2025-11-21')],
  ])('rejects %s', (_, spoil) => {
    const r = structuredClone(smallReport());
    spoil(r);
    expect(validateReport(JSON.parse(JSON.stringify(r)))).toBe(false);
  });

  it('notices a field the schema does not declare', () => {
    const r = JSON.parse(JSON.stringify(smallReport()));
    r.connections[1].client.newCounter = 3;
    r.capture.newFlag = true;
    expect(validateReport(r)).toBe(true); // open for consumers
    expect(undeclared(r, REPORT, REPORT).sort()).toEqual([
      '/capture/newFlag',
      '/connections/1/client/newCounter',
    ]);
  });
});

describe('ndjson-event.schema.json', () => {
  it('accepts every event type', () => {
    const r = smallReport();
    const events = [
      anomalyEvent(at(r.anomalies, 0)),
      anomalyEvent({ ...at(r.anomalies, 1), connection: null, endpoint: null, host: '10.0.0.2' }),
      connectionEvent(at(r.connections, 4)),
      statesEvent(1763726400.5, r.states),
      summaryEvent('a.pcap', r),
    ];
    for (const e of events) checkEvent(JSON.parse(JSON.stringify(e)));
    expect(Object.keys(at(events, 0))[0]).toBe('type');
  });

  it('rejects an unknown type and an event without its fields', () => {
    expect(validateEvent({ type: 'hello' })).toBe(false);
    expect(validateEvent({ type: 'anomaly', kind: 'zero-window' })).toBe(false);
    expect(validateEvent({ ...connectionEvent(connection()), type: 'anomaly' })).toBe(false);
    expect(validateEvent({ type: 'states', t: 1, client: {}, server: {}, hosts: [] })).toBe(true);
  });
});

describe('ladder.schema.json', () => {
  it('accepts ladders, elided or not', () => {
    checkLadder(JSON.parse(JSON.stringify(ladderJson(LADDERS.normalClose()))));
    const big = LADDERS.bulk(50);
    checkLadder(JSON.parse(JSON.stringify(ladderJson({ ...big, ...elideRows(big.rows, false) }))));
  });

  it('accepts several ladders (ladder --conn 1,2 --json) as an array', () => {
    checkLadder(JSON.parse(JSON.stringify([ladderJson(LADDERS.normalClose()), ladderJson(LADDERS.bulk(5))])));
  });
});

// --- real output -----------------------------------------------------------------------

const CLI = path.join(ROOT, 'dist/cli/main.js');
const BIN = path.join(ROOT, 'bin/tcptrace-ts');
const FIXTURES = path.join(ROOT, 'fixtures');
const captures = readdirSync(FIXTURES)
  .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
  .sort();

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}
const run = promisify(execFile);
async function tcptrace(args: string[]): Promise<Output> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      maxBuffer: 256 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? String(e),
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Fixtures drawn as ladders too (connection 1). */
// lossy-download's rows carry SACK blocks (`sack`).
const LADDER_FIXTURES = [
  'normal-close-client',
  'simultaneous-open',
  'simultaneous-close',
  'zero-window',
  'lossy-download',
];

describe('schemas against ./bin/tcptrace-ts output on fixtures/', () => {
  const single = new Map<string, Output>();
  const ladders = new Map<string, Output>();
  let merged: { json: Output; ndjson: Output } | undefined;

  // `npm test` builds first; a missing dist/ is a failure here, not a reason to check less.
  it('the CLI is built and fixtures/ has captures', () => {
    expect(existsSync(CLI), 'run `npm run build` first').toBe(true);
    expect(existsSync(BIN)).toBe(true);
    expect(captures.length).toBeGreaterThan(20);
  });

  beforeAll(async () => {
    // One --json run per capture; one run over all of them (several files make one
    // time-ordered capture) for --json and --ndjson; a few ladders. A few processes at a time.
    const all = captures.map((f) => path.join('fixtures', f));
    const jobs: (() => Promise<void>)[] = [
      ...captures.map(
        (f) => async () => void single.set(f, await tcptrace(['--json', path.join('fixtures', f)])),
      ),
      ...captures
        .filter((f) => LADDER_FIXTURES.some((n) => f.startsWith(`${n}.`)))
        .map(
          (f) => async () =>
            void ladders.set(
              f,
              await tcptrace(['ladder', path.join('fixtures', f), '--conn', '1', '--json']),
            ),
        ),
      async () => {
        const [json, ndjson] = await Promise.all([
          tcptrace(['--json', ...all]),
          tcptrace(['--ndjson', ...all]),
        ]);
        merged = { json, ndjson };
      },
    ];
    const worker = async () => {
      for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) await job();
    };
    await Promise.all(Array.from({ length: Math.max(2, Math.min(8, os.cpus().length)) }, worker));
  }, 240_000);

  it.for(captures)('--json %s', (f) => {
    const o = must(single.get(f), 'single.get(f)');
    // Every fixture is a good capture: exit 2 (or a crash) is a failure, with what the CLI said.
    expect([0, 1], `exit ${o.code}: ${o.stderr.slice(0, 500)}`).toContain(o.code);
    const r = parseJson(o.stdout);
    expect(r, `--json output of ${f} is not JSON (exit ${o.code}): ${o.stdout.slice(0, 300)}`).toBeDefined();
    checkReport(r);
  });

  it('--json and --ndjson over all fixtures at once', () => {
    const m = must(merged, 'merged');
    expect([0, 1], m.json.stderr).toContain(m.json.code);
    expect([0, 1], m.ndjson.stderr).toContain(m.ndjson.code);
    checkReport(parseJson(m.json.stdout));
    const lines = m.ndjson.stdout.split('\n').filter((l) => l !== '');
    const types = new Set<string>();
    for (const line of lines) {
      const e = JSON.parse(line) as { type: string };
      types.add(e.type);
      checkEvent(e);
    }
    expect([...types].sort()).toEqual(expect.arrayContaining(['anomaly', 'connection', 'summary']));
    expect((JSON.parse(at(lines, lines.length - 1)) as { type: string }).type).toBe('summary');
  });

  it.for(LADDER_FIXTURES)('ladder --json %s', (name) => {
    const entry = [...ladders.entries()].find(([f]) => f.startsWith(`${name}.`));
    expect(entry, `fixtures/${name}.* is missing`).toBeDefined();
    expect(must(entry, 'entry')[1].code, must(entry, 'entry')[1].stderr).toBe(0);
    checkLadder(JSON.parse(must(entry, 'entry')[1].stdout));
  });
});
