/**
 * Each anomaly kind is decided in one place (issue "Truth from one vantage
 * point", item 10): every kind of the catalogue belongs to exactly one
 * detector family (src/detect/<family>.ts), and each family's file raises
 * only its own kinds.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Detectors } from '../../src/detect/detectors.js';
import { ANOMALY_KINDS } from '../../src/model/kinds.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { at } from '../../src/model/checked.js';

const families = new Detectors(DEFAULT_SETTINGS, () => {}).families;

describe('detector families', () => {
  it('cover every kind of the catalogue, each kind in exactly one family', () => {
    const all = families.flatMap((f) => [...f.kinds]);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(ANOMALY_KINDS.map((k) => k.kind).sort());
  });

  // Kinds a family only reads (to avoid saying the same thing twice), never raises.
  const reads: Record<string, string[]> = {
    'wait-states': ['half-open', 'syn-no-synack', 'synack-no-ack'],
  };
  const FILES = ['handshake', 'resets', 'wait-states', 'hosts', 'transfer'];
  for (const file of FILES) {
    it(`src/detect/${file}.ts names no kind of another family but those it only reads`, () => {
      const text = readFileSync(new URL(`../../src/detect/${file}.ts`, import.meta.url), 'utf8');
      // The family objects come in this order (Detectors.families).
      const own = at(families, FILES.indexOf(file));
      const catalogue = new Set(ANOMALY_KINDS.map((k) => k.kind));
      const named = new Set(
        (text.match(/'[a-z0-9-]+'/g) ?? []).map((q) => q.slice(1, -1)).filter((k) => catalogue.has(k)),
      );
      const foreign = [...named].filter((k) => !own.kinds.includes(k) && !(reads[file] ?? []).includes(k));
      expect(foreign).toEqual([]);
    });
  }
});
