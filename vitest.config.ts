import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests run real git and a real Astro build; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
