// What an auditor may ask for: the filters, sorting and paging of each list, as zod schemas shared by the
// HTTP API (query strings) and the CLI (options). Every value may arrive as text; numbers and flags are
// read from it, times are turned into UTC instants (./times.ts), and anything else is a clear error.
import { z } from 'zod';
import { APPROVAL_STATUSES } from '../../model/approval.ts';
import { NonEmptyText, RecordId } from '../../model/common.ts';
import { RuleId, Severity } from '../../model/finding.ts';
import { parseBound } from './times.ts';

/** Elasticsearch's default `index.max_result_window`: `from + size` beyond it is refused. */
export const MAX_RESULT_WINDOW = 10_000;
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

const Flag = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((s) => ['true', '1', 'yes'].includes(s)),
]);

const bound = (which: 'from' | 'to') =>
  z.string().transform((text, ctx) => {
    const time = parseBound(text, which);
    if (time.ok) return time.value;
    ctx.addIssue({
      code: 'custom',
      message: `${time.reason}; expected YYYY-MM-DD (a day in Asia/Tokyo), YYYY-MM-DD HH:mm or ISO 8601`,
    });
    return z.NEVER;
  });

const TimeRange = {
  /** Inclusive lower bound (UTC after parsing). */
  from: bound('from').optional(),
  /** Exclusive upper bound; a bare date means the end of that day. */
  to: bound('to').optional(),
};

const Paging = {
  size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  /** 1-based page for small result sets; `cursor` (from `next_cursor`) walks any number of pages. */
  page: z.coerce.number().int().min(1).optional(),
  cursor: z.string().min(1).optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
};

const pagingRules = <T extends { size: number; page?: number; cursor?: string }>(
  value: T,
  ctx: z.RefinementCtx,
) => {
  if (value.page !== undefined && value.cursor !== undefined)
    ctx.addIssue({ code: 'custom', path: ['page'], message: 'give either page or cursor, not both' });
  if (value.page !== undefined && value.page * value.size > MAX_RESULT_WINDOW)
    ctx.addIssue({
      code: 'custom',
      path: ['page'],
      message: `pages reach only the first ${MAX_RESULT_WINDOW} results; walk further with cursor (next_cursor)`,
    });
};

const rangeRule = <T extends { from?: string; to?: string }>(value: T, ctx: z.RefinementCtx) => {
  if (value.from !== undefined && value.to !== undefined && value.from >= value.to)
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
};

export const SESSION_SORTS = ['start', 'end', 'duration', 'vendor'] as const;

export const SessionFilter = z.object({
  vendor: RecordId.optional(),
  operator: RecordId.optional(),
  /** Compared normalized (lower-case, no domain), as sessions store accounts. */
  account: NonEmptyText.optional(),
  /** A target server or the jump terminal; case-insensitive, a short name also matches its FQDN. */
  host: NonEmptyText.optional(),
  approval: RecordId.optional(),
  /** Sessions with a finding of this rule. */
  rule: RuleId.optional(),
  has_findings: Flag.optional(),
  /** `merged` sessions (duplicates absorbed into another) are left out unless asked for by status. */
  status: z.enum(['open', 'closed', 'merged', 'any']).optional(),
  ...TimeRange,
});
export type SessionFilter = z.output<typeof SessionFilter>;

export const SessionListQuery = SessionFilter.extend({
  ...Paging,
  sort: z.enum(SESSION_SORTS).default('start'),
})
  .strict()
  .superRefine(pagingRules)
  .superRefine(rangeRule);
export type SessionListQuery = z.output<typeof SessionListQuery>;

export const DISPOSITION_STATUSES = ['open', 'acknowledged', 'false_positive', 'resolved'] as const;
export const DispositionStatus = z.enum(DISPOSITION_STATUSES);
export type DispositionStatus = z.infer<typeof DispositionStatus>;

export const FindingFilter = z.object({
  rule: RuleId.optional(),
  severity: Severity.optional(),
  vendor: RecordId.optional(),
  session: RecordId.optional(),
  approval: RecordId.optional(),
  /** `withdrawn` findings (no longer violations) are left out unless asked for. */
  status: z.enum(['active', 'withdrawn', 'any']).optional(),
  /** `open` also matches findings nobody has dispositioned yet. */
  disposition: DispositionStatus.optional(),
  ...TimeRange,
});
export type FindingFilter = z.output<typeof FindingFilter>;

export const FindingListQuery = FindingFilter.extend({
  ...Paging,
  /** Attach each finding's evidence events (with their raw lines) to the page. */
  evidence: Flag.optional(),
})
  .strict()
  .superRefine(pagingRules)
  .superRefine(rangeRule);
export type FindingListQuery = z.output<typeof FindingListQuery>;

export const ApprovalFilter = z.object({
  vendor: NonEmptyText.optional(),
  status: z.enum(APPROVAL_STATUSES).optional(),
  /** The approval's window overlaps [from, to). */
  ...TimeRange,
});
export type ApprovalFilter = z.output<typeof ApprovalFilter>;

export const ApprovalListQuery = ApprovalFilter.extend(Paging)
  .strict()
  .superRefine(pagingRules)
  .superRefine(rangeRule);
export type ApprovalListQuery = z.output<typeof ApprovalListQuery>;

export const AuditLogFilter = z.object({
  who: NonEmptyText.optional(),
  action: NonEmptyText.optional(),
  ...TimeRange,
});
export type AuditLogFilter = z.output<typeof AuditLogFilter>;

export const AuditLogListQuery = AuditLogFilter.extend(Paging)
  .strict()
  .superRefine(pagingRules)
  .superRefine(rangeRule);
export type AuditLogListQuery = z.output<typeof AuditLogListQuery>;

export const DispositionRequest = z
  .object({ status: DispositionStatus, note: z.string().max(4000).optional() })
  .strict();
export type DispositionRequest = z.output<typeof DispositionRequest>;

export const FreezeRequest = z.object({ reason: NonEmptyText.max(2000) }).strict();
export const UnfreezeRequest = z.object({ reason: z.string().max(2000).optional() }).strict();

/** Paging as the query layer takes it (the list queries above carry it). */
export interface PageRequest {
  size: number;
  page?: number;
  cursor?: string;
  order: 'asc' | 'desc';
}

/** `field: reason` for each problem, the way the API answers 400 and the CLI prints usage errors. */
export function issueList(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
}
