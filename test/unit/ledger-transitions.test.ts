// An approval's life: requested → approved → completed, or revoked on the way; a revoked or completed
// approval is final, through the API and through a re-imported spreadsheet alike.
import { describe, expect, it } from 'vitest';
import { planImport } from '../../collectors/ledger/import-plan.ts';
import { approve, complete, create, LedgerError, reimport, revoke } from '../../collectors/ledger/ledger.ts';
import { Approval, type WorkReport } from '../../model/approval.ts';

const t0 = new Date('2026-11-20T00:00:00.000Z');
const t1 = new Date('2026-11-21T00:00:00.000Z');
const t2 = new Date('2026-11-24T05:00:00.000Z');

const draft = {
  id: 'R-2026-0001',
  vendor: 'vendor-a',
  operators: [{ name: '山田太郎', id: 'op-yamada', accounts: ['vnd_yamada'] }],
  targets: ['FILESV01'],
  purpose: '定期保守',
  window: { start: '2026-11-24T00:00:00.000Z', end: '2026-11-24T03:00:00.000Z' },
  sources: [],
};
const report: WorkReport = {
  actual: { start: '2026-11-24T00:05:00.000Z', end: '2026-11-24T02:40:00.000Z' },
  operators: ['山田太郎'],
  targets_touched: ['FILESV01'],
  work_done: 'Windows Update 適用',
  no_data_taken_out: true,
};
const requested = create(draft, t0);
const approved = approve(requested, '情報政策課 佐藤', t1);

describe('transitions', () => {
  it('a new approval is requested unless it says approved', () => {
    expect(requested).toMatchObject({ status: 'requested', updated_at: t0.toISOString() });
    expect(requested.approved_at).toBeUndefined();
    expect(create({ ...draft, status: 'approved', approved_by: '佐藤' }, t0)).toMatchObject({
      status: 'approved',
      approved_by: '佐藤',
      approved_at: t0.toISOString(),
    });
    expect(() => create({ ...draft, status: 'completed' }, t0)).toThrow(LedgerError);
  });

  it('approve: requested → approved, with who and when', () => {
    expect(approved).toMatchObject({
      status: 'approved',
      approved_by: '情報政策課 佐藤',
      approved_at: t1.toISOString(),
      updated_at: t1.toISOString(),
    });
    expect(Approval.parse(approved)).toEqual(approved);
    expect(() => approve(approved, '佐藤', t1)).toThrow(
      'approval R-2026-0001 is approved; only requested approvals can be approved',
    );
  });

  it('revoke: requested or approved → revoked, with who, why and when', () => {
    const revoked = revoke(approved, '情報政策課 佐藤', '作業者変更のため', t2);
    expect(revoked).toMatchObject({
      status: 'revoked',
      revoked_by: '情報政策課 佐藤',
      revoke_reason: '作業者変更のため',
      revoked_at: t2.toISOString(),
      approved_at: t1.toISOString(),
    });
    expect(revoke(requested, '佐藤', '取り下げ', t1).status).toBe('revoked');
    expect(() => revoke(approved, '佐藤', '  ', t2)).toThrow('the reason for revoking must not be empty');
  });

  it('a revoked approval cannot be approved again, nor completed', () => {
    const revoked = revoke(requested, '佐藤', '取り下げ', t1);
    expect(() => approve(revoked, '佐藤', t2)).toThrow(
      'approval R-2026-0001 is revoked; only requested approvals can be approved',
    );
    expect(() => complete(revoked, report, t2)).toThrow(LedgerError);
    expect(() => revoke(revoked, '佐藤', 'again', t2)).toThrow(LedgerError);
  });

  it('complete: approved → completed with the work report', () => {
    const completed = complete(approved, report, t2);
    expect(completed).toMatchObject({ status: 'completed', report, updated_at: t2.toISOString() });
    expect(() => complete(requested, report, t2)).toThrow(
      'approval R-2026-0001 is requested; only approved approvals can be completed',
    );
  });

  it("the report's actual window must end after it starts, and not in the future", () => {
    const backwards = { ...report, actual: { start: report.actual.end, end: report.actual.start } };
    expect(() => complete(approved, backwards, t2)).toThrow(
      'the work report is not valid: window end must be after its start',
    );
    expect(() => complete(approved, report, new Date('2026-11-24T01:00:00.000Z'))).toThrow(
      "the report's work ends 2026-11-24T02:40:00.000Z, which has not come yet",
    );
  });

  it('work outside the approved window is accepted: the reconciliation is there to show it', () => {
    const late = {
      ...report,
      actual: { start: '2026-11-24T02:00:00.000Z', end: '2026-11-24T04:30:00.000Z' },
    };
    expect(complete(approved, late, t2).report?.actual).toEqual(late.actual);
  });
});

describe('re-importing the spreadsheet', () => {
  const fromFile = (status: Approval['status']): Approval => ({ ...draft, status, approved_by: '佐藤' });

  it('keeps what only the ledger records, and moves the status forward', () => {
    const completed = complete(approved, report, t2);
    expect(reimport(completed, fromFile('completed'), t2)).toMatchObject({
      status: 'completed',
      report,
      approved_at: t1.toISOString(),
    });
    expect(reimport(requested, fromFile('approved'), t2)).toMatchObject({
      status: 'approved',
      approved_at: t2.toISOString(),
    });
  });

  it('never brings a revoked approval back', () => {
    const revoked = revoke(approved, '佐藤', '作業中止', t2);
    expect(() => reimport(revoked, fromFile('approved'), t2)).toThrow(
      'approval R-2026-0001 is revoked in the ledger; an import cannot make it approved',
    );
  });

  it('the plan: new and changed rows are published, rows as they are count as unchanged, steps back are row errors', () => {
    const revoked = revoke({ ...approved, id: 'R-3' }, '佐藤', '作業中止', t2);
    const current = new Map<string, Approval>([
      [approved.id, approved],
      ['R-3', revoked],
    ]);
    const plan = planImport(
      current,
      {
        approvals: [
          { ...approved, updated_at: t2.toISOString() },
          { ...fromFile('approved'), id: 'R-2' },
          { ...fromFile('approved'), id: 'R-3' },
        ],
        errors: [{ row: 5, reason: '状態: unknown status 保留' }],
        rows: [2, 3, 4],
      },
      t2,
    );
    expect(plan.publish.map((a) => a.id)).toEqual(['R-2']);
    expect(plan.unchanged).toBe(1);
    expect(plan.errors).toEqual([
      { row: 4, reason: 'approval R-3 is revoked in the ledger; an import cannot make it approved' },
      { row: 5, reason: '状態: unknown status 保留' },
    ]);
  });
});
