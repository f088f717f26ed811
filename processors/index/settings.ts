// Configuration of the Elasticsearch sink and of retention (`index` in rmwatch.yaml).
import { z } from 'zod';

export const IndexSettings = z
  .object({
    batch: z
      .object({
        /** A bulk request carries at most this many documents… */
        maxDocuments: z.number().int().positive().default(2000),
        /** …and at most about this many bytes of documents. */
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(8 * 1024 * 1024),
        /** The broker holds a fetch until this many bytes are there… */
        minFetchBytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024),
        /** …or this long has passed: the most a quiet stream's record waits before it is written. */
        maxWaitMs: z.number().int().positive().default(500),
        /** The most one partition's batch holds… */
        maxFetchBytesPerPartition: z
          .number()
          .int()
          .positive()
          .default(4 * 1024 * 1024),
        /** …and one fetch of all partitions: fewer, fuller fetches leave Elasticsearch idle less often. */
        maxFetchBytes: z
          .number()
          .int()
          .positive()
          .default(32 * 1024 * 1024),
      })
      .strict()
      .default(() => ({
        maxDocuments: 2000,
        maxBytes: 8 * 1024 * 1024,
        minFetchBytes: 256 * 1024,
        maxWaitMs: 500,
        maxFetchBytesPerPartition: 4 * 1024 * 1024,
        maxFetchBytes: 32 * 1024 * 1024,
      })),
    /**
     * Partitions of a fetch whose batches are handled at once: their documents go to Elasticsearch together,
     * in bulk requests of up to `batch.maxDocuments`. At least the partitions one sink reads, so that a fetch
     * of many partitions with a few records each is one request, not one each.
     */
    partitionsConcurrently: z.number().int().positive().default(64),
    /** Bulk requests in flight at once: Elasticsearch's busy cores. */
    bulkConcurrency: z.number().int().positive().default(3),
    retention: z
      .object({
        /**
         * Sessions, findings, approvals, notices, reconciliations and the audit log are kept for this many
         * whole fiscal years (April–March, Asia/Tokyo) before the current one.
         */
        recordsFiscalYears: z.number().int().positive().default(5),
        /** Monthly event indices are kept for the current month and this many before it. */
        eventsMonths: z.number().int().positive().default(13),
        /** Monthly raw-evidence indices: as events unless set. */
        evidenceMonths: z.number().int().positive().optional(),
        /** Dead letters, by the time they were written. */
        deadLetterMonths: z.number().int().positive().default(13),
        /** Monthly consumer-lag samples (pipeline health). */
        pipelineMonths: z.number().int().positive().default(3),
        /** How often `rmwatch run retention` applies it; the first run is at start. */
        intervalHours: z.number().positive().default(24),
      })
      .strict()
      .default(() => ({
        recordsFiscalYears: 5,
        eventsMonths: 13,
        deadLetterMonths: 13,
        pipelineMonths: 3,
        intervalHours: 24,
      })),
  })
  .strict();
export type IndexSettings = z.infer<typeof IndexSettings>;
