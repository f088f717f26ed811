// What is alerted: a finding's change of state or a session notice, as one Alert whose id is its dedup key
// (`<finding id>:<state>`, `<notice id>:<kind>`), and where people can look at its session.
import type { ResolvedConfig } from '../infra/config.ts';
import type { Alert } from '../model/alert.ts';
import type { Finding } from '../model/finding.ts';
import type { Notice } from '../model/notice.ts';
import type { AlertLinks } from './notifiers/notifier.ts';

/** Agreed with dashboards/: the session explorer's dashboard uid. */
export const SESSION_EXPLORER_UID = 'rmwatch-session-explorer';

/**
 * `active:<severity>` or `withdrawn`: a finding the correlator sends again unchanged keeps its state (and
 * so its alert id); a new severity or a withdrawal is a new state, and alerts once more.
 */
export function findingState(finding: Pick<Finding, 'status' | 'severity'>): string {
  return finding.status === 'withdrawn' ? 'withdrawn' : `active:${finding.severity}`;
}

export function alertOfFinding(finding: Finding): Alert {
  const state = findingState(finding);
  return {
    id: `${finding.id}:${state}`,
    source: 'finding',
    source_id: finding.id,
    state,
    rule: finding.rule,
    severity: finding.severity,
    session_id: finding.session_id,
    vendor: finding.vendor,
    operator: finding.operator,
    accounts: finding.account ? [finding.account] : [],
    targets: finding.host ? [finding.host] : [],
    approval_id: finding.approval_id,
    message: finding.message,
    message_en: finding.message_en,
    at: finding.updated_at,
    escalation: 0,
  };
}

export function alertOfNotice(notice: Notice): Alert {
  return {
    id: `${notice.id}:${notice.kind}`,
    source: 'notice',
    source_id: notice.id,
    state: notice.kind,
    severity: 'info',
    session_id: notice.session_id,
    vendor: notice.vendor,
    operator: notice.operator,
    accounts: notice.accounts,
    targets: notice.targets,
    approval_id: notice.approval_id,
    message: notice.message,
    message_en: notice.message_en,
    at: notice['@timestamp'],
    escalation: 0,
  };
}

/** The session in the Grafana session explorer and in the audit API. */
export function alertLinks(config: Pick<ResolvedConfig, 'links'>, sessionId: string): AlertLinks {
  const base = (url: string) => url.replace(/\/+$/, '');
  const id = encodeURIComponent(sessionId);
  return {
    grafana: `${base(config.links.grafana)}/d/${SESSION_EXPLORER_UID}/?var-session=${id}`,
    auditApi: `${base(config.links.auditApi)}/sessions/${id}`,
  };
}
