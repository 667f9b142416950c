/**
 * The leaner selection for the big files of src/tcp/ (classify, delivery,
 * tracker, connection, record-layout: stryker.tcp.config.mjs). Every segment
 * passes through them, so per-test coverage runs nearly every test of the
 * selection for each of their mutants; the capture-wide tests below take
 * seconds a mutant there. Left out here, kept in vitest.mutation.config.ts
 * (`npm run mutation`); what that changes: docs/mutation.md, "The lean
 * selection".
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.mutation.config.ts';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        'test/fixtures/kernel-truth.test.ts',
        'test/detect/corpus-kinds.test.ts',
        'test/tcp/summarised.test.ts',
        'test/detect/summarised-host-cap.test.ts',
        'test/tcp/flow-collisions.test.ts',
        'test/zeek/zeek-conformance.test.ts',
      ],
    },
  }),
);
