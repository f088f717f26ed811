// An approval (申請): one request window for remote maintenance (DESIGN.md §5).
import { z } from 'zod';
import { NonEmptyText, RecordId, UtcTimestamp } from './common.ts';

export const APPROVAL_STATUSES = ['requested', 'approved', 'revoked', 'completed'] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const ApprovedOperator = z.object({
  /** The person's name as in the registry (作業者). */
  name: NonEmptyText,
  /** Registry operator id, when the name was resolved. */
  id: RecordId.optional(),
  /** The personal accounts this person will use (アカウント). */
  accounts: z.array(NonEmptyText).default([]),
});
export type ApprovedOperator = z.infer<typeof ApprovedOperator>;

const TimeWindow = z
  .object({ start: UtcTimestamp, end: UtcTimestamp })
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: 'window end must be after its start' });

/** The vendor's written result report (作業報告), compared with what was observed. */
export const WorkReport = z.object({
  actual: TimeWindow,
  operators: z.array(NonEmptyText).default([]),
  targets_touched: z.array(NonEmptyText).default([]),
  work_done: z.string().optional(),
  /** The vendor's statement that no data left the city over the line. */
  no_data_taken_out: z.boolean(),
  submitted_at: UtcTimestamp.optional(),
});
export type WorkReport = z.infer<typeof WorkReport>;

export const Approval = z.object({
  id: RecordId,
  vendor: NonEmptyText,
  operators: z.array(ApprovedOperator).min(1, 'an approval names at least one operator'),
  targets: z.array(NonEmptyText).min(1, 'an approval names at least one target'),
  purpose: z.string().default(''),
  window: TimeWindow,
  /** Allowed source CIDRs/IPs or VPN user names; empty = any registered source of the vendor. */
  sources: z.array(NonEmptyText).default([]),
  status: ApprovalStatus.default('approved'),
  approved_by: NonEmptyText.optional(),
  approved_at: UtcTimestamp.optional(),
  /** From this instant on the approval covers nothing; sessions it covered before keep their cover. */
  revoked_at: UtcTimestamp.optional(),
  revoked_by: NonEmptyText.optional(),
  revoke_reason: z.string().optional(),
  report: WorkReport.optional(),
  updated_at: UtcTimestamp.optional(),
});
export type Approval = z.infer<typeof Approval>;
