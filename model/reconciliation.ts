// Reconciliation of one approval: what the vendor's work report says against what was observed — times,
// servers touched, the "no data taken out" statement — and the approval's sessions still waiting for one.
import { z } from 'zod';
import { NonEmptyText, RecordId, UtcTimestamp } from './common.ts';
import { FindingMark } from './session.ts';

/** What reconciliation needs of one session the approval covered; kept after the session leaves memory. */
export const SessionUse = z.object({
  session_id: RecordId,
  start: UtcTimestamp,
  end: UtcTimestamp.optional(),
  status: z.enum(['open', 'closed']),
  targets: z.array(NonEmptyText).default([]),
  /** Whether file_transfer fired on the session. */
  transfer: z.boolean().default(false),
  /** First and last event of the session. */
  evidence: z.array(RecordId).min(1),
  vendor: RecordId.optional(),
  operator: RecordId.optional(),
  account: NonEmptyText.optional(),
});
export type SessionUse = z.infer<typeof SessionUse>;

export const Discrepancy = z.object({
  kind: z.enum(['time', 'targets', 'transfer', 'no_session', 'no_report']),
  session_id: RecordId.optional(),
  message: NonEmptyText,
  message_en: NonEmptyText,
});
export type Discrepancy = z.infer<typeof Discrepancy>;

export const Reconciliation = z.object({
  /** The approval id. */
  id: RecordId,
  vendor: NonEmptyText,
  status: z.enum(['awaiting_report', 'consistent', 'discrepancies', 'unused']),
  sessions: z.array(SessionUse).default([]),
  discrepancies: z.array(Discrepancy).default([]),
  findings: z.array(FindingMark).default([]),
  checked_at: UtcTimestamp,
});
export type Reconciliation = z.infer<typeof Reconciliation>;
