// A session start/end notice: the city wants to know when a vendor connects and disconnects, with the
// approval the session runs under. Not a violation; alerts route notices like findings.
import { z } from 'zod';
import { NonEmptyText, RecordId, UtcTimestamp } from './common.ts';

export const Notice = z.object({
  id: RecordId,
  kind: z.enum(['session_start', 'session_end']),
  session_id: RecordId,
  '@timestamp': UtcTimestamp,
  approval_id: RecordId.optional(),
  vendor: RecordId.optional(),
  operator: RecordId.optional(),
  accounts: z.array(NonEmptyText).default([]),
  targets: z.array(NonEmptyText).default([]),
  message: NonEmptyText,
  message_en: NonEmptyText,
});
export type Notice = z.infer<typeof Notice>;
