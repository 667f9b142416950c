import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/config/errors.js';
import {
  CONFIG_FILE_NAME,
  findDefaultConfig,
  loadConfig,
  mergeSettings,
  optionName,
  parseConfigText,
  parseMaxRule,
  settingsFromOptions,
} from '../../src/config/load.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/config/settings.js';
import { SETTINGS_KEYS } from '../../src/config/validate.js';
import { must } from '../../src/model/checked.js';

const F = 'tcptrace-ts.config.json';
const parse = (text: string) => parseConfigText(text, F);
const parseObj = (o: unknown) => parse(JSON.stringify(o));

/** The UsageError message that `fn` throws. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a UsageError');
}

const tmp = mkdtempSync(join(tmpdir(), 'tcptrace-ts-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('config file values', () => {
  test('every key accepts its documented forms', () => {
    const s = parseObj({
      $schema: './schema/config.schema.json',
      msl: '30s',
      synTimeout: 3,
      synackTimeout: '2500ms',
      closeWaitTimeout: '1m',
      finWait2Timeout: 60,
      timeWaitThreshold: 1000,
      synFloodThreshold: 50,
      retransmissionBurst: { count: 8, window: '2s' },
      highRetransmissionRate: '5%',
      highRetransmissionMinSegments: 50,
      idleTimeout: '2h',
      handshakeIdleTimeout: 30,
      maxConnections: 1000,
      interval: '1s',
      strict: true,
      failOn: ['error', 'zero-window'],
      max: { 'mid-stream-rst': 0, 'retransmission-rate': '2%', warning: { limit: 10, percent: false } },
      baseline: 'baseline.json',
      junit: 'out/junit.xml',
      format: 'github',
      host: ['10.0.0.1', '2001:db8::1'],
      port: [80, 443],
      conn: [1, 2],
    });
    expect(s).toEqual({
      msl: 30,
      synTimeout: 3,
      synackTimeout: 2.5,
      closeWaitTimeout: 60,
      finWait2Timeout: 60,
      timeWaitThreshold: 1000,
      synFloodThreshold: 50,
      retransmissionBurst: { count: 8, window: 2 },
      highRetransmissionRate: 0.05,
      highRetransmissionMinSegments: 50,
      idleTimeout: 7200,
      handshakeIdleTimeout: 30,
      maxConnections: 1000,
      interval: 1,
      strict: true,
      failOn: ['error', 'zero-window'],
      max: {
        'mid-stream-rst': { limit: 0, percent: false },
        'retransmission-rate': { limit: 2, percent: true },
        warning: { limit: 10, percent: false },
      },
      baseline: 'baseline.json',
      junit: 'out/junit.xml',
      format: 'github',
      host: ['10.0.0.1', '2001:db8::1'],
      port: [80, 443],
      conn: [1, 2],
    });
  });

  test('alternative forms: "5/1s" burst, fraction rate, comma-separated failOn', () => {
    expect(
      parseObj({ retransmissionBurst: '5/500ms', highRetransmissionRate: 0.25, failOn: 'error, syn-flood' }),
    ).toEqual({
      retransmissionBurst: { count: 5, window: 0.5 },
      highRetransmissionRate: 0.25,
      failOn: ['error', 'syn-flood'],
    });
  });

  test('an empty object is no settings', () => {
    expect(parse('{}')).toEqual({});
  });

  test('a byte order mark is skipped', () => {
    expect(parse('\uFEFF{"msl": 10}')).toEqual({ msl: 10 });
  });
});

describe('config file errors name the file and key', () => {
  test.each([
    [{ closeWaitTimout: '5s' }, `${F}: unknown key "closeWaitTimout" (did you mean "closeWaitTimeout"?)`],
    [
      { 'close-wait-timeout': '5s' },
      `${F}: unknown key "close-wait-timeout" (did you mean "closeWaitTimeout"?)`,
    ],
    [{ finWait2timeout: 5 }, `${F}: unknown key "finWait2timeout" (did you mean "finWait2Timeout"?)`],
    [{ colour: true }, `${F}: unknown key "colour"`],
    [
      { msl: '30 seconds' },
      `${F}: key "msl": invalid duration "30 seconds" (expected e.g. 500ms, 30s, 2m, 1h, 1h30m or a number of seconds)`,
    ],
    [{ msl: -1 }, `${F}: key "msl": negative duration -1`],
    [{ msl: '-1s' }, /^tcptrace-ts\.config\.json: key "msl": negative duration "-1s"/],
    [{ msl: true }, /^tcptrace-ts\.config\.json: key "msl": expected a duration .*got true$/],
    [{ msl: null }, /key "msl": expected a duration .*got null$/],
    [{ interval: 0 }, `${F}: key "interval": must be more than zero`],
    [{ timeWaitThreshold: '500' }, null],
    [{ timeWaitThreshold: 1.5 }, `${F}: key "timeWaitThreshold": expected a whole number, got 1.5`],
    [{ timeWaitThreshold: 0 }, `${F}: key "timeWaitThreshold": must be at least 1, got 0`],
    [{ maxConnections: 'lots' }, `${F}: key "maxConnections": expected a whole number, got "lots"`],
    [{ strict: 'yes' }, `${F}: key "strict": expected true or false, got "yes"`],
    [
      { failOn: ['mid-stream-reset'] },
      /key "failOn": unknown anomaly kind or severity "mid-stream-reset" \(did you mean "mid-stream-rst"\?\)/,
    ],
    [{ failOn: ['fatal'] }, /key "failOn": unknown anomaly kind or severity "fatal"/],
    [{ failOn: [3] }, /key "failOn": expected anomaly kinds or severities as strings, got 3/],
    [{ failOn: { error: true } }, /key "failOn": expected a list .* got an object/],
    [{ max: { 'mid-stream-rst': -1 } }, /key "max.mid-stream-rst": expected a whole count >= 0/],
    [
      { max: { 'mid-stream-rts': 0 } },
      /key "max.mid-stream-rts": unknown anomaly kind, severity or metric "mid-stream-rts" \(did you mean "mid-stream-rst"\?\)/,
    ],
    [
      { max: { 'retransmission-rate': 2 } },
      /key "max.retransmission-rate": "retransmission-rate" is a rate: give the limit as a percentage/,
    ],
    [{ max: { connections: '5%' } }, /"connections" is a count: give a whole number, not a percentage/],
    [{ max: { 'time-wait-storm': '5%' } }, /"time-wait-storm" is raised per host, not per connection/],
    [{ max: { error: '150%' } }, /key "max.error": percentage "150%" is above 100%/],
    [
      { max: { error: { limit: 1, percnt: true } } },
      /key "max.error": unknown key "percnt" \(did you mean "percent"\?\)/,
    ],
    [{ max: ['error=0'] }, null],
    [{ max: 3 }, /key "max": expected an object of limits/],
    [{ retransmissionBurst: { count: 5 } }, /key "retransmissionBurst": needs both "count" and "window"/],
    [
      { retransmissionBurst: { count: 0, window: '1s' } },
      /key "retransmissionBurst.count": must be at least 1/,
    ],
    [
      { retransmissionBurst: { count: 5, window: 'soon' } },
      /key "retransmissionBurst.window": invalid duration "soon"/,
    ],
    [{ retransmissionBurst: '5 per second' }, /key "retransmissionBurst": expected "<count>\/<window>"/],
    [{ highRetransmissionRate: 10 }, /key "highRetransmissionRate": expected a fraction from 0 to 1/],
    [
      { format: 'jsn' },
      /key "format": expected one of text, json, ndjson, csv, github, zeek, got "jsn" \(did you mean "json"\?\)/,
    ],
    [{ host: ['db.example.com'] }, /key "host": expected IPv4 or IPv6 addresses, got "db.example.com"/],
    [{ port: [70000] }, /key "port": port 70000 is out of range/],
    [{ conn: [0] }, /key "conn": must be at least 1/],
    [{ junit: '' }, /key "junit": expected a file name/],
  ])('%j', (config, expected) => {
    if (expected === null) {
      expect(() => parseObj(config)).not.toThrow();
      return;
    }
    const message = errorOf(() => parseObj(config));
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  test.each([
    ['[1, 2]', `${F}: expected a JSON object with settings at the top level`],
    ['null', `${F}: expected a JSON object with settings at the top level`],
    ['"msl"', `${F}: expected a JSON object with settings at the top level`],
  ])('top level %s', (text, expected) => {
    expect(errorOf(() => parse(text))).toBe(expected);
  });
});

describe('invalid JSON is reported with its line and column', () => {
  test.each([
    ['{\n  "msl": "30s",\n  "synTimeout": 3,\n}\n', 4, 1, 'trailing comma before }'],
    [
      '{\n  "msl": "30s"\n  "synTimeout": 3\n}',
      3,
      3,
      `expected ',' or '}' after property value, got character "\\""`,
    ],
    ['{\n  msl: 30\n}', 2, 3, 'expected a property name in double quotes, got character "m"'],
    ['{"msl": 30', 1, 11, `expected ',' or '}' after property value, got end of input`],
    ['', 1, 1, 'unexpected end of input, expected a value'],
    ['{"msl": 3x}', 1, 10, `expected ',' or '}' after property value, got character "x"`],
    ["{'msl': 3}", 1, 2, `expected a property name in double quotes, got character "'"`],
    ['{"msl": "30s} ', 1, 9, 'unterminated string'],
    ['{"a": "tab\there"}', 1, 11, 'control character in string (escape it, e.g. \\n)'],
    ['{"msl": 30} x', 1, 13, 'unexpected character "x" after the JSON value'],
    ['{"a": [1, 2,]}', 1, 13, 'trailing comma before ]'],
    ['{"a": 01}', 1, 8, `expected ',' or '}' after property value, got character "1"`],
    ['{"a": "\\q"}', 1, 8, 'bad escape sequence in string'],
  ])('%j', (text, line, column, reason) => {
    expect(errorOf(() => parse(text))).toBe(
      `${F}: invalid JSON at line ${line}, column ${column}: ${reason}`,
    );
  });
});

describe('files', () => {
  test('findDefaultConfig finds tcptrace-ts.config.json in the directory, and only a file', () => {
    const dir = join(tmp, 'discover');
    mkdirSync(dir);
    expect(findDefaultConfig(dir)).toBeUndefined();
    writeFileSync(join(dir, CONFIG_FILE_NAME), '{"msl": "10s"}');
    expect(findDefaultConfig(dir)).toBe(join(dir, CONFIG_FILE_NAME));
    expect(loadConfig(must(findDefaultConfig(dir), 'findDefaultConfig(dir)'))).toEqual({ msl: 10 });

    const dirWithDir = join(tmp, 'dir-named-like-config');
    mkdirSync(join(dirWithDir, CONFIG_FILE_NAME), { recursive: true });
    expect(findDefaultConfig(dirWithDir)).toBeUndefined();
  });

  test('findDefaultConfig does not look in parent directories', () => {
    const parent = join(tmp, 'parent');
    mkdirSync(join(parent, 'child'), { recursive: true });
    writeFileSync(join(parent, CONFIG_FILE_NAME), '{}');
    expect(findDefaultConfig(join(parent, 'child'))).toBeUndefined();
  });

  test('a missing file or a directory is a UsageError naming it', () => {
    const missing = join(tmp, 'nope.json');
    expect(errorOf(() => loadConfig(missing))).toBe(`${missing}: cannot read config file: no such file`);
    expect(errorOf(() => loadConfig(tmp))).toBe(`${tmp}: cannot read config file: is a directory`);
  });

  test('errors in a file name the file as given', () => {
    const path = join(tmp, 'bad.json');
    writeFileSync(path, '{"synTimeout": "3 s"}');
    expect(errorOf(() => loadConfig(path))).toMatch(/bad\.json: key "synTimeout": invalid duration "3 s"/);
  });
});

describe('command-line options', () => {
  test('commander-style values are validated like the config file', () => {
    expect(
      settingsFromOptions({
        msl: '10s',
        closeWaitTimeout: '500ms',
        failOn: 'error,mid-stream-rst',
        max: ['mid-stream-rst=0', 'retransmission-rate=2%'],
        port: ['80', '443'],
        conn: ['3'],
        host: ['10.0.0.1'],
        retransmissionBurst: '10/2s',
        highRetransmissionRate: '5%',
        timeWaitThreshold: '100',
        json: true,
        config: 'x.json',
        junit: undefined,
      }),
    ).toEqual({
      msl: 10,
      closeWaitTimeout: 0.5,
      failOn: ['error', 'mid-stream-rst'],
      max: {
        'mid-stream-rst': { limit: 0, percent: false },
        'retransmission-rate': { limit: 2, percent: true },
      },
      port: [80, 443],
      conn: [3],
      host: ['10.0.0.1'],
      retransmissionBurst: { count: 10, window: 2 },
      highRetransmissionRate: 0.05,
      timeWaitThreshold: 100,
    });
  });

  test('errors name the long option', () => {
    expect(errorOf(() => settingsFromOptions({ closeWaitTimeout: '5 min' }))).toMatch(
      /^--close-wait-timeout: invalid duration "5 min"/,
    );
    expect(errorOf(() => settingsFromOptions({ failOn: 'eror' }))).toMatch(
      /^--fail-on: unknown anomaly kind or severity "eror" \(did you mean "error"\?\)/,
    );
    expect(errorOf(() => settingsFromOptions({ port: 'http' }))).toMatch(
      /^--port: expected a whole number, got "http"/,
    );
  });

  test('every settings key has a long option name: the kebab-case of the key', () => {
    expect(optionName('closeWaitTimeout')).toBe('--close-wait-timeout');
    expect(optionName('finWait2Timeout')).toBe('--fin-wait-2-timeout');
    expect(optionName('failOn')).toBe('--fail-on');
    for (const key of SETTINGS_KEYS) {
      const camel = optionName(key)
        .slice(2)
        .replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      expect(camel).toBe(key);
    }
  });
});

describe('parseMaxRule', () => {
  test.each([
    ['mid-stream-rst=0', 'mid-stream-rst', { limit: 0, percent: false }],
    ['retransmission-rate=2%', 'retransmission-rate', { limit: 2, percent: true }],
    ['connection-refused=1.5%', 'connection-refused', { limit: 1.5, percent: true }],
    ['error=0', 'error', { limit: 0, percent: false }],
    ['warning = 10', 'warning', { limit: 10, percent: false }],
    ['connections=1000', 'connections', { limit: 1000, percent: false }],
    ['refused-rate=5%', 'refused-rate', { limit: 5, percent: true }],
  ])('%s', (text, key, rule) => {
    expect(parseMaxRule(text)).toEqual({ key, rule });
  });

  test.each([
    ['mid-stream-rst', /^--max: expected <kind\|severity\|metric>=<limit>/],
    ['=3', /^--max: expected <kind\|severity\|metric>=<limit>/],
    ['mid-stream-rst=', /^--max mid-stream-rst: invalid limit ""/],
    ['mid-stream-rst=-1', /^--max mid-stream-rst: negative limit "-1"/],
    ['bogus=1', /^--max: unknown anomaly kind, severity or metric "bogus"/],
    ['retransmision-rate=2%', /did you mean "retransmission-rate"\?/],
    ['retransmission-rate=2', /"retransmission-rate" is a rate/],
    ['syn-flood=1%', /"syn-flood" is raised per host/],
  ])('%s is refused', (text, expected) => {
    expect(errorOf(() => parseMaxRule(text))).toMatch(expected);
  });
});

describe('mergeSettings', () => {
  test('defaults < file < command line; gate rules add up', () => {
    const file: Partial<Settings> = {
      msl: 60,
      closeWaitTimeout: 10,
      failOn: ['error'],
      max: { 'mid-stream-rst': { limit: 5, percent: false }, warning: { limit: 10, percent: false } },
      port: [80],
    };
    const cli: Partial<Settings> = {
      msl: 15,
      failOn: ['zero-window', 'error'],
      max: { 'mid-stream-rst': { limit: 0, percent: false } },
      port: [443],
      junit: undefined,
    };
    const s = mergeSettings(DEFAULT_SETTINGS, file, cli);
    expect(s.msl).toBe(15);
    expect(s.closeWaitTimeout).toBe(10);
    expect(s.synTimeout).toBe(DEFAULT_SETTINGS.synTimeout);
    expect(s.failOn).toEqual(['error', 'zero-window']);
    expect(s.max).toEqual({
      'mid-stream-rst': { limit: 0, percent: false },
      warning: { limit: 10, percent: false },
    });
    expect(s.port).toEqual([443]);
    expect('junit' in s).toBe(false);
  });

  test('the result is a copy: changing it leaves the defaults and inputs alone', () => {
    const file: Partial<Settings> = { failOn: ['error'], retransmissionBurst: { count: 3, window: 1 } };
    const s = mergeSettings(DEFAULT_SETTINGS, file);
    s.failOn.push('warning');
    s.retransmissionBurst.count = 99;
    s.max.error = { limit: 0, percent: false };
    expect(DEFAULT_SETTINGS.failOn).toEqual([]);
    expect(DEFAULT_SETTINGS.max).toEqual({});
    expect(file.failOn).toEqual(['error']);
    expect(must(file.retransmissionBurst, 'file.retransmissionBurst').count).toBe(3);
    expect(DEFAULT_SETTINGS.retransmissionBurst.count).toBe(5);
  });

  test('defaults are the documented ones', () => {
    expect(mergeSettings(DEFAULT_SETTINGS)).toEqual({
      msl: 30,
      synTimeout: 3,
      synackTimeout: 3,
      closeWaitTimeout: 5,
      finWait2Timeout: 60,
      timeWaitThreshold: 500,
      synFloodThreshold: 100,
      retransmissionBurst: { count: 5, window: 1 },
      highRetransmissionRate: 0.1,
      highRetransmissionMinSegments: 20,
      idleTimeout: 7875,
      handshakeIdleTimeout: 60,
      maxConnections: 200_000,
      interval: 5,
      strict: false,
      failOn: [],
      max: {},
    });
  });
});
