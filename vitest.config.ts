import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    pool: 'forks',
    // Vitest's default is one worker fewer than the machine's cores: one worker on this
    // project's two-core machines. Most test files wait on sockets, child processes,
    // Chromium or PostgreSQL more than they compute, so two files at a time halve the
    // suite's time. Files share nothing: each has its own SQLite file, PostgreSQL schema,
    // Redis key prefix and ports.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    setupFiles: ['packages/server/test/support/setup.ts'],
  },
});
