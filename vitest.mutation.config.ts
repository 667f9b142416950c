/**
 * The tests `npm run mutation` (StrykerJS, stryker.config.mjs) runs against each
 * mutant of src/tcp/, src/zeek/ and src/detect/: those that call the engine in-process
 * (a CLI test runs dist/, which a mutant of src/ never reaches) and finish in
 * seconds. The corpus conformance suites and the property tests (seconds per
 * run, and they assert only invariants) are left to `npm test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/detect/detectors.test.ts',
      'test/detect/boundaries.test.ts',
      'test/detect/reports.test.ts',
      'test/detect/corpus-kinds.test.ts',
      'test/detect/reset-details.test.ts',
      'test/detect/handshake-messages.test.ts',
      'test/detect/wait-state-messages.test.ts',
      'test/detect/host-counts.test.ts',
      'test/detect/transfer-messages.test.ts',
      'test/detect/anomaly-log.test.ts',
      'test/detect/families.test.ts',
      'test/detect/dispatch.test.ts',
      'test/detect/summarised-time-wait.test.ts',
      'test/detect/ipv6-names.test.ts',
      'test/detect/host-count-bookkeeping.test.ts',
      'test/detect/port-reuse-reversed.test.ts',
      'test/detect/withdrawn.test.ts',
      'test/detect/retract-withdraw-counts.test.ts',
      'test/detect/summarised-host-cap.test.ts',
      'test/detect/listener-keys.test.ts',
      'test/detect/next-deadline.test.ts',
      'test/detect/late-final-ack.test.ts',
      'test/detect/uncaptured-synack-rst.test.ts',
      'test/detect/synack-no-ack-started-over.test.ts',
      'test/tcp/*.test.ts',
      'test/zeek/*.test.ts',
      'test/fixtures/kernel-truth.test.ts',
    ],
    // Every corpus capture in one test: seconds for each mutant it covers (npm test runs it).
    exclude: ['test/tcp/evidence.test.ts'],
    setupFiles: ['test/setup/fast-check.ts'],
    // One module graph for all the files of a run: Stryker starts a run per
    // mutant, and re-importing src/ for each test file was most of its time
    // (docs/mutation.md, "Speed"). The tests keep no module state between files.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
