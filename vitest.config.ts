import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Brings the embedded Kafka and Elasticsearch up (or reuses them) once for the whole run.
          globalSetup: ['test/support/global-stack.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Two cores carry Kafka, Elasticsearch and the tests; one test file at a time keeps timings sane.
          fileParallelism: false,
        },
      },
    ],
  },
});
