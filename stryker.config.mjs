/**
 * Mutation testing (`npm run mutation`, not part of `npm test`): StrykerJS
 * changes src/tcp/, src/zeek/ and src/detect/ one mutant at a time and runs the tests
 * that cover it (coverageAnalysis perTest) from vitest.mutation.config.ts.
 * One folder: `npm run mutation -- --mutate 'src/detect/**'`. Results and the
 * surviving mutants judged equivalent: docs/mutation.md.
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['src/tcp/**/*.ts', 'src/zeek/**/*.ts', 'src/detect/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Two cores are typical here; more processes only queue.
  concurrency: 2,
  // Module-level constants are covered by every test: mutating them runs the whole selection each time.
  ignoreStatic: true,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
