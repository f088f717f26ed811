// Reconciliation: an approval's work report against the sessions it covered. Sessions leave the stitcher's
// memory minutes after they end but reports come days later, so this keeps a small summary of each covered
// session per approval. Fires `unreported_session` (a finished session whose report is overdue) and
// `report_mismatch` (times, servers or the no-transfer statement disagree with what was observed).
import type { Approval } from '../../model/approval.ts';
import type { Discrepancy, Reconciliation, SessionUse } from '../../model/reconciliation.ts';
import type { Session } from '../../model/session.ts';
import { hostKey } from '../correlate/registry-view.ts';
import type { RuleSettings } from '../correlate/settings.ts';
import { jst, minutes } from './describe.ts';
import type { Violation } from './rule.ts';

export interface SessionViolation extends Violation {
  rule: 'unreported_session' | 'report_mismatch';
  session: SessionUse;
}

export function sessionUse(session: Session, transfer: boolean): SessionUse | undefined {
  const first = session.evidence[0];
  const last = session.evidence[session.evidence.length - 1];
  if (!first || session.status === 'merged') return undefined;
  const use: SessionUse = {
    session_id: session.id,
    start: session.start,
    status: session.status,
    targets: session.targets,
    transfer,
    evidence: last && last !== first ? [first, last] : [first],
  };
  if (session.end) use.end = session.end;
  if (session.vendor) use.vendor = session.vendor;
  if (session.operator) use.operator = session.operator;
  const account = session.vpn_user ?? session.accounts[0];
  if (account) use.account = account;
  return use;
}

export function reconcile(
  approval: Approval,
  uses: readonly SessionUse[],
  settings: RuleSettings,
  asOf: number,
  checkedAt: string,
): { record: Omit<Reconciliation, 'findings'>; violations: SessionViolation[] } {
  const discrepancies: Discrepancy[] = [];
  const violations: SessionViolation[] = [];
  const report = approval.report;
  const tolerance = settings.reportToleranceMinutes * 60_000;
  const due = settings.reportDueHours * 3600_000;
  const sorted = [...uses].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));

  for (const use of sorted) {
    if (use.status !== 'closed' || !use.end) continue;
    if (!report) {
      if (asOf < Date.parse(use.end) + due) continue;
      const message = `申請 ${approval.id} のセッション（${jst(use.start)}〜${jst(use.end)}）の作業報告が、終了から ${settings.reportDueHours} 時間を過ぎても提出されていません。`;
      const message_en = `No work report for the session of approval ${approval.id} (${jst(use.start)} – ${jst(use.end)}) ${settings.reportDueHours} h after it ended.`;
      discrepancies.push({ kind: 'no_report', session_id: use.session_id, message, message_en });
      violations.push({
        rule: 'unreported_session',
        session: use,
        evidence: use.evidence,
        at: use.end,
        account: use.account,
        message,
        message_en,
      });
      continue;
    }
    const actualStart = Date.parse(report.actual.start);
    const actualEnd = Date.parse(report.actual.end);
    const start = Date.parse(use.start);
    const end = Date.parse(use.end);
    if (start < actualStart - tolerance || end > actualEnd + tolerance) {
      const off = Math.max(actualStart - start, end - actualEnd);
      const message = `作業報告の実施時間 ${jst(actualStart)}〜${jst(actualEnd)} と、記録されたセッション ${jst(start)}〜${jst(end)} が ${minutes(off)} 分ずれています（申請 ${approval.id}）。`;
      const message_en = `The reported work time ${jst(actualStart)} – ${jst(actualEnd)} differs by ${minutes(off)} min from the observed session ${jst(start)} – ${jst(end)} (approval ${approval.id}).`;
      discrepancies.push({ kind: 'time', session_id: use.session_id, message, message_en });
      violations.push({
        rule: 'report_mismatch',
        subject: 'time',
        session: use,
        evidence: use.evidence,
        account: use.account,
        message,
        message_en,
      });
    }
    const reported = new Set(report.targets_touched.map(hostKey));
    const unreported = use.targets.filter((t) => !reported.has(hostKey(t)));
    if (unreported.length > 0) {
      const message = `作業報告に記載のないサーバ ${unreported.join('、')} への接続が記録されています（申請 ${approval.id}）。`;
      const message_en = `Servers not in the work report were reached: ${unreported.join(', ')} (approval ${approval.id}).`;
      discrepancies.push({ kind: 'targets', session_id: use.session_id, message, message_en });
      violations.push({
        rule: 'report_mismatch',
        subject: 'targets',
        session: use,
        evidence: use.evidence,
        account: use.account,
        message,
        message_en,
      });
    }
    if (report.no_data_taken_out && use.transfer) {
      const message = `作業報告は「データの持ち出しなし」としていますが、このセッションでファイル転送が検知されています（申請 ${approval.id}）。`;
      const message_en = `The work report states no data was taken out, but a file transfer was detected in this session (approval ${approval.id}).`;
      discrepancies.push({ kind: 'transfer', session_id: use.session_id, message, message_en });
      violations.push({
        rule: 'report_mismatch',
        subject: 'transfer',
        session: use,
        evidence: use.evidence,
        account: use.account,
        message,
        message_en,
      });
    }
  }
  const windowOver = asOf > Date.parse(approval.window.end);
  if (sorted.length === 0 && windowOver && approval.status !== 'revoked' && approval.status !== 'requested')
    discrepancies.push({
      kind: 'no_session',
      message: `申請 ${approval.id} の作業時間内に接続は記録されていません。`,
      message_en: `No session was observed within the window of approval ${approval.id}.`,
    });
  const status: Reconciliation['status'] =
    sorted.length === 0
      ? 'unused'
      : discrepancies.some((d) => d.kind !== 'no_report')
        ? 'discrepancies'
        : report
          ? 'consistent'
          : 'awaiting_report';
  return {
    record: {
      id: approval.id,
      vendor: approval.vendor,
      status,
      sessions: sorted,
      discrepancies,
      checked_at: checkedAt,
    },
    violations,
  };
}
