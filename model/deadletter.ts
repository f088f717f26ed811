// What a stage could not take: the raw bytes, why, and where they came from, so nothing is silently lost.
import { z } from 'zod';
import { NonEmptyText, UtcTimestamp } from './common.ts';

export const DeadLetter = z.object({
  stage: NonEmptyText,
  /** The device, file or topic the bytes came from; also the record's Kafka key. */
  source: NonEmptyText,
  error: NonEmptyText,
  /** The raw bytes, base64. */
  raw: z.base64(),
  at: UtcTimestamp,
  origin: z
    .object({
      topic: NonEmptyText,
      partition: z.number().int().nonnegative(),
      offset: NonEmptyText,
      /** Which frame (1-based) of a batch of syslog frames (model/frames.ts). */
      frame: z.number().int().positive().optional(),
    })
    .optional(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
