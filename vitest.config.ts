import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/fast-check.ts'],
    globalSetup: ['test/setup/tools.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
