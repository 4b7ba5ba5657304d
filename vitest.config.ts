import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Temporal dev server and one MariaDB for the whole run (see test/support/global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests share a 2-core machine with the servers they talk to: one file at a time.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
