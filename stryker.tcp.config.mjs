/**
 * Mutation testing of the big files of src/tcp/ with the leaner selection
 * (vitest.mutation-tcp.config.ts): `npx stryker run stryker.tcp.config.mjs`,
 * one part: `--mutate src/tcp/classify.ts:1-200 --incremental
 * --incrementalFile reports/classify.json`. docs/mutation.md.
 */
import base from './stryker.config.mjs';

export default {
  ...base,
  vitest: { configFile: 'vitest.mutation-tcp.config.ts' },
  mutate: [
    'src/tcp/classify.ts',
    'src/tcp/delivery.ts',
    'src/tcp/tracker.ts',
    'src/tcp/connection.ts',
    'src/tcp/record-layout.ts',
  ],
  concurrency: 1,
};
