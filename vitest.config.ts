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
    // Hang detectors, sized for a machine 3x slower than a quiet 2-core one (never a speed check).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
