import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Generated code imports its runtime by package name; in this repository that
    // name points at the sources, so tests never run against a stale build.
    alias: {
      'chinook-ipc/runtime': fileURLToPath(new URL('./src/runtime/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ is built once here, never by a test file while others spawn the CLI from it.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
