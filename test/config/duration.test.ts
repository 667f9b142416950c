import { describe, expect, test } from 'vitest';
import { parseDuration, parsePercentOrCount, parseRate } from '../../src/config/duration.js';
import { UsageError } from '../../src/config/errors.js';

describe('parseDuration', () => {
  test.each([
    ['500ms', 0.5],
    ['30s', 30],
    ['2m', 120],
    ['1h', 3600],
    ['1d', 86_400],
    ['1.5s', 1.5],
    ['.5s', 0.5],
    ['0', 0],
    ['0s', 0],
    ['45', 45],
    ['2.25', 2.25],
    ['1h30m', 5400],
    ['1m0.5s', 60.5],
    [' 30s ', 30],
  ])('%j is %d s', (text, seconds) => {
    expect(parseDuration(text)).toBeCloseTo(seconds, 9);
  });

  test.each([
    '',
    ' ',
    '-1s',
    '-5',
    'abc',
    '30x',
    's',
    '30 s',
    '1e3',
    'NaN',
    'Infinity',
    '1h-30m',
    '30s5',
    '1,5s',
    '0x10',
  ])('rejects %j with a UsageError', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });

  test('the message names the option and quotes the text', () => {
    expect(() => parseDuration('3x', '--msl')).toThrow(
      /^--msl: invalid duration "3x" \(expected e\.g\. 500ms/,
    );
    expect(() => parseDuration('-3s', '--msl')).toThrow(/^--msl: negative duration "-3s"/);
  });
});

describe('parsePercentOrCount', () => {
  test.each([
    ['0', { limit: 0, percent: false }],
    ['12', { limit: 12, percent: false }],
    ['2%', { limit: 2, percent: true }],
    ['0.5%', { limit: 0.5, percent: true }],
    ['100%', { limit: 100, percent: true }],
    [' 3 ', { limit: 3, percent: false }],
  ])('%j', (text, rule) => {
    expect(parsePercentOrCount(text)).toEqual(rule);
  });

  test.each(['', '-1', '1.5', '101%', 'x', '2%%', '%', '-2%', '99999999999999999999'])(
    'rejects %j',
    (text) => {
      expect(() => parsePercentOrCount(text)).toThrow(UsageError);
    },
  );
});

describe('parseRate', () => {
  test.each([
    ['10%', 0.1],
    ['0.1', 0.1],
    ['0', 0],
    ['1', 1],
    ['100%', 1],
  ])('%j is %d', (text, rate) => {
    expect(parseRate(text)).toBeCloseTo(rate, 12);
  });

  test.each(['10', '150%', 'ten', '-0.1'])('rejects %j', (text) => {
    expect(() => parseRate(text)).toThrow(UsageError);
  });
});
