// An alert: one finding state change or one session notice, as on-call staff receive it. Its id is the
// finding (or notice) id and the state alerted, so one finding raises one alert per change of state, and a
// receiver can recognise a redelivery by it.
import { z } from 'zod';
import { NonEmptyText, RecordId, UtcTimestamp } from './common.ts';
import { RuleId, Severity } from './finding.ts';

export const ALERT_SOURCES = ['finding', 'notice'] as const;

export const Alert = z.object({
  /** `<finding or notice id>:<state>`; a receiver's idempotency key. */
  id: RecordId,
  source: z.enum(ALERT_SOURCES),
  /** The finding's or the notice's id. */
  source_id: RecordId,
  /**
   * What is being alerted: a finding's `active` / `withdrawn` (with its severity, e.g. `active:high`), or a
   * notice's kind (`session_start`, `session_end`).
   */
  state: NonEmptyText,
  /** Set for findings. */
  rule: RuleId.optional(),
  /** A notice is `info`; a finding has its own. */
  severity: z.union([Severity, z.literal('info')]),
  session_id: RecordId,
  vendor: RecordId.optional(),
  operator: RecordId.optional(),
  accounts: z.array(NonEmptyText).default([]),
  targets: z.array(NonEmptyText).default([]),
  approval_id: RecordId.optional(),
  /** The sentence a security officer reads, in Japanese, and in English. */
  message: NonEmptyText,
  message_en: NonEmptyText,
  /** When the finding or notice happened. */
  at: UtcTimestamp,
  /** 0 for the first delivery; 1, 2, … when it is sent again to an escalation route. */
  escalation: z.number().int().nonnegative().default(0),
});
export type Alert = z.infer<typeof Alert>;
