// Configuration of the Windows / RD Gateway collector (`collectors.windows`).
import { z } from 'zod';
import { TimeZone } from '../../model/common.ts';

export const WindowsCollectorSettings = z
  .object({
    /** The HTTP ingest endpoint; `null` turns it off. Port 0 picks a free port (tests). */
    http: z
      .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(8088) })
      .strict()
      .nullable()
      .default({ host: '0.0.0.0', port: 8088 }),
    /** Bearer tokens the shippers present, each with the name it is logged under. */
    tokens: z
      .array(
        z
          .object({ name: z.string().min(1), token: z.string().min(16, 'tokens need 16 characters or more') })
          .strict(),
      )
      .default([]),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /** Topics Winlogbeat's Kafka output writes to; read, routed and committed after hand-over. */
    kafkaInputs: z.array(z.string().min(1)).default([]),
    /** Zone of local times inside events that carry none (NXLog). */
    timezone: TimeZone.default('Asia/Tokyo'),
  })
  .strict()
  .refine((s) => s.http === null || s.tokens.length > 0, {
    message: 'the HTTP endpoint needs at least one token (collectors.windows.tokens)',
    path: ['tokens'],
  });
export type WindowsCollectorSettings = z.infer<typeof WindowsCollectorSettings>;
