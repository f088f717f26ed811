// The life of one approval (申請), as pure transitions:
//   create   → requested (or approved, when the input says so)
//   approve  requested → approved              (approved_by, approved_at)
//   revoke   requested | approved → revoked    (revoked_by, revoke_reason, revoked_at)
//   complete approved → completed              (the vendor's work report, its actual window checked)
//   reimport an existing approval meets its row in a re-imported ledger file
// Each returns the new approval with `updated_at` set, or throws a LedgerError saying why not. A revoked or
// completed approval is final: nothing brings it back.
import { Approval, WorkReport, type ApprovalStatus } from '../../model/approval.ts';

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** A report may be handed in a little before its work ended by the server's clock; not hours before. */
const CLOCK_SKEW_MS = 5 * 60_000;

const stamp = (at: Date) => at.toISOString();

function requireStatus(approval: Approval, allowed: readonly ApprovalStatus[], action: string): void {
  if (!allowed.includes(approval.status))
    throw new LedgerError(
      `approval ${approval.id} is ${approval.status}; only ${allowed.join(' or ')} approvals can be ${action}`,
    );
}

function requireText(value: string, what: string): string {
  const text = value.trim();
  if (text === '') throw new LedgerError(`${what} must not be empty`);
  return text;
}

/** A new approval as submitted: without a status it is a request that still awaits approval. */
export type ApprovalDraft = Omit<Approval, 'status'> & { status?: ApprovalStatus };

export function create(input: ApprovalDraft, at: Date = new Date()): Approval {
  const status = input.status ?? 'requested';
  if (status !== 'requested' && status !== 'approved')
    throw new LedgerError(`a new approval is requested or approved, not ${status}`);
  const approval: Approval = { ...input, status, updated_at: stamp(at) };
  // The fields of later steps cannot be brought along: they are set by those steps.
  delete approval.revoked_at;
  delete approval.revoked_by;
  delete approval.revoke_reason;
  delete approval.report;
  if (approval.status === 'approved') approval.approved_at ??= stamp(at);
  else {
    delete approval.approved_at;
    delete approval.approved_by;
  }
  return Approval.parse(approval);
}

export function approve(approval: Approval, by: string, at: Date = new Date()): Approval {
  requireStatus(approval, ['requested'], 'approved');
  return {
    ...approval,
    status: 'approved',
    approved_by: requireText(by, 'the approver'),
    approved_at: stamp(at),
    updated_at: stamp(at),
  };
}

export function revoke(approval: Approval, by: string, reason: string, at: Date = new Date()): Approval {
  requireStatus(approval, ['requested', 'approved'], 'revoked');
  return {
    ...approval,
    status: 'revoked',
    revoked_by: requireText(by, 'who revokes'),
    revoke_reason: requireText(reason, 'the reason for revoking'),
    revoked_at: stamp(at),
    updated_at: stamp(at),
  };
}

export function complete(approval: Approval, report: WorkReport, at: Date = new Date()): Approval {
  requireStatus(approval, ['approved'], 'completed');
  const checked = WorkReport.safeParse(report);
  if (!checked.success)
    throw new LedgerError(
      `the work report is not valid: ${checked.error.issues.map((i) => i.message).join('; ')}`,
    );
  const { actual } = checked.data;
  if (Date.parse(actual.end) > at.getTime() + CLOCK_SKEW_MS)
    throw new LedgerError(`the report's work ends ${actual.end}, which has not come yet`);
  // Work outside the approved window is not refused here: it is what the reconciliation must show.
  return { ...approval, status: 'completed', report: checked.data, updated_at: stamp(at) };
}

/** The steps a status may go on to; a re-imported file may take them, never a step back. */
const FORWARD: Readonly<Record<ApprovalStatus, readonly ApprovalStatus[]>> = {
  requested: ['requested', 'approved', 'revoked'],
  approved: ['approved', 'revoked', 'completed'],
  revoked: ['revoked'],
  completed: ['completed'],
};

/**
 * An approval already in the ledger meets its row in a re-imported file: the file's fields win, but what
 * only the ledger records (when it was approved or revoked, by whom and why, the work report; the approver
 * when the file leaves it empty) is kept, and the status only moves forward, so an old spreadsheet cannot
 * bring a revoked approval back.
 */
export function reimport(
  existing: Approval | undefined,
  incoming: Approval,
  at: Date = new Date(),
): Approval {
  if (!existing) return { ...incoming, updated_at: stamp(at) };
  if (!FORWARD[existing.status].includes(incoming.status))
    throw new LedgerError(
      `approval ${existing.id} is ${existing.status} in the ledger; an import cannot make it ${incoming.status}`,
    );
  const kept: Partial<Approval> = {
    approved_by: existing.approved_by,
    approved_at: existing.approved_at,
    revoked_at: existing.revoked_at,
    revoked_by: existing.revoked_by,
    revoke_reason: existing.revoke_reason,
    report: existing.report,
  };
  const moved = incoming.status !== existing.status;
  if (moved && incoming.status === 'approved') kept.approved_at = stamp(at);
  if (moved && incoming.status === 'revoked') kept.revoked_at = stamp(at);
  const merged: Approval = { ...incoming, updated_at: stamp(at) };
  for (const [key, value] of Object.entries(kept) as [keyof Approval, unknown][])
    if (value !== undefined && merged[key] === undefined) Object.assign(merged, { [key]: value });
  return merged;
}

/** Whether two versions say the same, apart from when they were written. */
export function sameApproval(a: Approval, b: Approval): boolean {
  const { updated_at: _a, ...left } = a;
  const { updated_at: _b, ...right } = b;
  return JSON.stringify(canonical(left)) === JSON.stringify(canonical(right));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
}
