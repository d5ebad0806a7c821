import { defineConfig } from 'vitest/config';

// Four projects, each runnable alone (`npx vitest run --project unit`): unit tests are pure and
// fast; the fuzz test flips bytes of every SIF fixture for seconds; integration tests run real git,
// HTTP and S3 servers and Astro builds; e2e drives a real Chromium.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests run real git and a real Astro build; two cores, so keep it modest.
    maxWorkers: 2,
    projects: ['unit', 'fuzz', 'integration', 'e2e'].map((name) => ({ extends: true, test: { name, include: [`test/${name}/**/*.test.ts`] } })),
  },
});
