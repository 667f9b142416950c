/**
 * The CI slice of `npm run fuzz` (bench/fuzz.mjs): 60 mutants of the fixture
 * captures from a fixed list of seeds, each analysed by the built library in
 * a worker thread (test/helpers/isolated.mjs) with a 10 s limit. Every one
 * (a third with a tiny connection cap or timeouts) must end cleanly, every time: a valid report (test/helpers/check-report.mjs)
 * or a CaptureError; no other exception, no hang. Runs dist/ (`npm test`
 * builds first).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Isolated } from '../helpers/isolated.mjs';
import { CHUNK_SIZES, mutate, randomSettings, rng } from '../helpers/mutate.mjs';
import { at } from '../../src/model/checked.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = readdirSync(join(ROOT, 'fixtures'))
  .filter((f) => f.endsWith('.pcap'))
  .sort()
  .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(ROOT, 'fixtures', f))) }));

/** The fixed seeds: case i mutates fixture i mod n with seed SEEDS[i]. */
const SEEDS = Array.from({ length: 60 }, (_, i) => (i + 1) * 7919 + 17);

const iso = new Isolated();
afterAll(() => iso.close());

describe('60 mutants of the fixtures end cleanly', () => {
  it('dist/ is built', () => {
    expect(existsSync(join(ROOT, 'dist/analyze.js')), 'run `npm run build` first').toBe(true);
  });

  it.each(SEEDS.map((seed, i) => [i, seed] as const))(
    'case %i (seed %i)',
    async (i, seed) => {
      const base = at(FIXTURES, i % FIXTURES.length);
      const r = rng(seed);
      const { bytes, ops } = mutate(base.bytes, r, [at(FIXTURES, (i + 7) % FIXTURES.length).bytes]);
      const chunk = at(CHUNK_SIZES, i % CHUNK_SIZES.length);
      // A third of the cases with a tiny connection cap or timeouts (compaction, eviction, timers).
      const settings = i % 3 === 0 ? (randomSettings(r) ?? { maxConnections: 2 }) : undefined;
      const res = await iso.run(bytes, {
        chunk: chunk === 1 && bytes.length > 20_000 ? 4096 : chunk,
        timeoutMs: 10_000,
        settings,
      });
      const what = `${basename(base.name)} ${ops.join(' ')} ${JSON.stringify(settings ?? {})}: ${res.outcome} ${res.message ?? ''} ${(res.problems ?? []).join('; ')}`;
      expect(['ok', 'capture-error'], what).toContain(res.outcome);
    },
    15_000,
  );
});
