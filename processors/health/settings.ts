// Configuration of the pipeline-health sampler (`health`): how often consumer lag is written down.
import { z } from 'zod';

export const HealthSettings = z
  .object({
    /** Seconds between two samples of every stage's consumer lag. */
    lagIntervalSeconds: z.number().positive().default(30),
  })
  .strict();
export type HealthSettings = z.infer<typeof HealthSettings>;
