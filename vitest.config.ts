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
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          // A stack of its own (ports and folder apart from the default one): these tests kill its servers.
          env: {
            RMWATCH_KAFKA_PORT: '28092',
            RMWATCH_KAFKA_CONTROLLER_PORT: '28093',
            RMWATCH_ES_PORT: '28200',
            RMWATCH_ES_TRANSPORT_PORT: '28300',
            RMWATCH_STACK_DIR: '.stack-faults',
          },
          globalSetup: ['test/faults/stack.ts'],
          // After the other projects: on two cores, seven stage processes beside two stacks starve anything else.
          sequence: { groupOrder: 1 },
          testTimeout: 420_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
