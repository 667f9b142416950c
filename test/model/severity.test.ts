import { describe, expect, it } from 'vitest';
import {
  atLeastAsSevere,
  bySeverity,
  isSeverity,
  SEVERITIES,
  severityRank,
} from '../../src/model/severity.js';

describe('severity: one order for sorting and for the gate', () => {
  it('sorts most severe first, an unknown name last', () => {
    expect(['info', 'bogus', 'error', 'warning'].sort(bySeverity)).toEqual([
      'error',
      'warning',
      'info',
      'bogus',
    ]);
    expect(SEVERITIES.map(severityRank)).toEqual([0, 1, 2]);
  });

  it('the gate threshold takes itself and everything more severe; an unknown name counts as an error', () => {
    expect(SEVERITIES.filter((s) => atLeastAsSevere(s, 'warning'))).toEqual(['error', 'warning']);
    expect(SEVERITIES.filter((s) => atLeastAsSevere(s, 'error'))).toEqual(['error']);
    expect(SEVERITIES.filter((s) => atLeastAsSevere(s, 'info'))).toEqual(['error', 'warning', 'info']);
    expect(atLeastAsSevere('bogus', 'error')).toBe(true);
  });

  it('a prototype name is not a severity', () => {
    expect(isSeverity('toString')).toBe(false);
    expect(isSeverity('info')).toBe(true);
  });
});
