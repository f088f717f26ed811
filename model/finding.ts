// A finding: one rule violated by one session, with the evidence that shows it (DESIGN.md §6).
import { z } from 'zod';
import { NonEmptyText, RecordId, UtcTimestamp } from './common.ts';

export const RULE_IDS = [
  'out_of_window',
  'target_not_approved',
  'shared_account',
  'file_transfer',
  'jump_host_bypass',
  'unregistered_source',
  'overlong_session',
  'idle_session',
  'auth_failure_burst',
  'concurrency_exceeded',
  'frozen_vendor',
  'unreported_session',
  // Beyond DESIGN.md §6: a work report that disagrees with what was observed (reconciliation).
  'report_mismatch',
] as const;
export const RuleId = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof RuleId>;

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** How the security office dealt with a finding; reported monthly (様式第4号). */
export const Disposition = z.object({
  status: z.enum(['open', 'acknowledged', 'false_positive', 'resolved']).default('open'),
  by: NonEmptyText.optional(),
  at: UtcTimestamp.optional(),
  note: z.string().optional(),
});

export const Finding = z.object({
  id: RecordId,
  rule: RuleId,
  severity: Severity,
  session_id: RecordId,
  /**
   * `withdrawn`: the condition no longer holds (the session was merged into another, an approval now
   * covers it, …); the finding stays on record but is no longer a violation.
   */
  status: z.enum(['active', 'withdrawn']).default('active'),
  /** What within the session the finding is about: an account, a host, a kind of transfer. */
  subject: z.string().optional(),
  evidence: z.array(RecordId).min(1, 'a finding cites at least one event'),
  /** The sentence a security officer reads, in Japanese. */
  message: NonEmptyText,
  message_en: NonEmptyText,
  '@timestamp': UtcTimestamp,
  updated_at: UtcTimestamp,
  vendor: RecordId.optional(),
  operator: RecordId.optional(),
  account: NonEmptyText.optional(),
  host: NonEmptyText.optional(),
  approval_id: RecordId.optional(),
  disposition: Disposition.default({ status: 'open' }),
});
export type Finding = z.infer<typeof Finding>;
