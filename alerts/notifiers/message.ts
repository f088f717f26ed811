// What an alert says, independent of where it goes: a subject line, the sentence, the facts (rule, severity,
// session, vendor, operator, accounts, targets, approval, time in Asia/Tokyo) and the links, in Japanese,
// English, or both (Japanese first). Each notifier lays this out in its receiver's format. Pure.
import type { Alert } from '../../model/alert.ts';
import type { RuleId } from '../../model/finding.ts';
import { tokyoLabel } from '../../model/tokyo-time.ts';
import type { AlertLinks } from './notifier.ts';

export type Language = 'ja' | 'en';
export type LanguageSetting = Language | 'both';

/** What kind of change the alert reports; on-call staff act differently on each. */
export type AlertKind = 'new' | 'escalated' | 'withdrawn' | 'session_start' | 'session_end';

export interface Fact {
  label: string;
  value: string;
}

export interface MessageLink {
  label: string;
  url: string;
}

/** One language's rendering. */
export interface AlertText {
  language: Language;
  /** E.g. `[重大] 承認時間外の接続`. */
  headline: string;
  /** The alert's own sentence (`message` or `message_en`). */
  sentence: string;
  facts: Fact[];
  links: MessageLink[];
}

export interface AlertMessage {
  /** Mail subject and chat title, e.g. `[rmwatch][重大] 承認時間外の接続 — vendor-a / op-1`. */
  subject: string;
  kind: AlertKind;
  /** One entry per language, Japanese first when both. */
  texts: AlertText[];
  /** The whole message as plain text. */
  text: string;
}

const RULES: Record<RuleId, { ja: string; en: string }> = {
  out_of_window: { ja: '承認時間外の接続', en: 'Connection outside an approved window' },
  target_not_approved: { ja: '承認外のサーバへの接続', en: 'Connection to a server not in the approval' },
  shared_account: { ja: '共用アカウントの使用', en: 'Shared account in use' },
  file_transfer: { ja: 'ファイル・データの持ち込み/持ち出し', en: 'File or data transfer' },
  jump_host_bypass: { ja: '踏み台を経由しない接続', en: 'Connection bypassing the jump terminal' },
  unregistered_source: { ja: '未登録の接続元', en: 'Connection from an unregistered source' },
  overlong_session: { ja: '長時間のセッション', en: 'Overlong session' },
  idle_session: { ja: '放置されたセッション', en: 'Idle session' },
  auth_failure_burst: { ja: '認証失敗の多発', en: 'Burst of authentication failures' },
  concurrency_exceeded: { ja: '同時接続数の超過', en: 'Too many simultaneous sessions' },
  frozen_vendor: { ja: '停止中の事業者による接続', en: 'Activity by a frozen vendor' },
  unreported_session: { ja: '作業報告のないセッション', en: 'Session without a work report' },
  report_mismatch: { ja: '作業報告と実績の不一致', en: 'Work report does not match the session' },
};

const SEVERITY: Record<Alert['severity'], { ja: string; en: string }> = {
  critical: { ja: '重大', en: 'critical' },
  high: { ja: '高', en: 'high' },
  medium: { ja: '中', en: 'medium' },
  low: { ja: '低', en: 'low' },
  info: { ja: '通知', en: 'info' },
};

const LABELS = {
  state: { ja: '状態', en: 'State' },
  severity: { ja: '重大度', en: 'Severity' },
  rule: { ja: 'ルール', en: 'Rule' },
  session: { ja: 'セッション', en: 'Session' },
  vendor: { ja: '事業者', en: 'Vendor' },
  operator: { ja: '作業者', en: 'Operator' },
  accounts: { ja: 'アカウント', en: 'Accounts' },
  targets: { ja: '対象サーバ', en: 'Targets' },
  approval: { ja: '承認', en: 'Approval' },
  at: { ja: '日時', en: 'When' },
  grafana: { ja: 'Grafana でセッションを見る', en: 'Session in Grafana' },
  auditApi: { ja: '監査 API のタイムライン', en: 'Timeline in the audit API' },
  noApproval: { ja: '承認なし', en: 'no approval' },
  unknown: { ja: '不明', en: 'unknown' },
  none: { ja: 'なし', en: 'none' },
  alertId: { ja: 'アラート ID', en: 'Alert id' },
} as const;

export function alertKind(alert: Alert): AlertKind {
  if (alert.state === 'session_start' || alert.state === 'session_end') return alert.state;
  if (alert.state.startsWith('withdrawn')) return 'withdrawn';
  return alert.escalation > 0 ? 'escalated' : 'new';
}

function kindLabel(kind: AlertKind, escalation: number, lang: Language): string {
  switch (kind) {
    case 'new':
      return lang === 'ja' ? '新規' : 'new';
    case 'escalated':
      return lang === 'ja'
        ? `エスカレーション (${escalation} 回目)`
        : `escalated (${ordinal(escalation)} time)`;
    case 'withdrawn':
      return lang === 'ja' ? '取り下げ (違反ではなくなりました)' : 'withdrawn (no longer a violation)';
    case 'session_start':
      return lang === 'ja' ? 'セッション開始' : 'session started';
    case 'session_end':
      return lang === 'ja' ? 'セッション終了' : 'session ended';
  }
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** What happened, in a few words: the rule's name, or the notice's. */
function title(alert: Alert, kind: AlertKind, lang: Language): string {
  if (alert.rule) return RULES[alert.rule][lang];
  if (kind === 'session_start') return lang === 'ja' ? '保守セッション開始' : 'Maintenance session started';
  if (kind === 'session_end') return lang === 'ja' ? '保守セッション終了' : 'Maintenance session ended';
  return lang === 'ja' ? '保守セッションの通知' : 'Maintenance session notice';
}

/** The tag in brackets before the title: severity, and the change when it is not a plain new finding. */
function tag(alert: Alert, kind: AlertKind, lang: Language): string {
  const severity = SEVERITY[alert.severity][lang];
  if (kind === 'withdrawn') return lang === 'ja' ? `取り下げ・${severity}` : `withdrawn, ${severity}`;
  if (kind === 'escalated') return lang === 'ja' ? `エスカレーション・${severity}` : `escalated, ${severity}`;
  return severity;
}

/** Who, for the subject line: `vendor-a / op-1`, or the session when neither is known. */
function who(alert: Alert): string {
  const names = [alert.vendor, alert.operator].filter((n): n is string => Boolean(n));
  return names.length > 0 ? names.join(' / ') : alert.session_id;
}

function facts(alert: Alert, kind: AlertKind, lang: Language): Fact[] {
  const unknown = LABELS.unknown[lang];
  const list = (items: string[]) => (items.length > 0 ? items.join(', ') : LABELS.none[lang]);
  const rows: [keyof typeof LABELS, string][] = [
    ['state', kindLabel(kind, alert.escalation, lang)],
    ['severity', SEVERITY[alert.severity][lang]],
  ];
  if (alert.rule) rows.push(['rule', `${RULES[alert.rule][lang]} (${alert.rule})`]);
  rows.push(
    ['session', alert.session_id],
    ['vendor', alert.vendor ?? unknown],
    ['operator', alert.operator ?? unknown],
    ['accounts', list(alert.accounts)],
    ['targets', list(alert.targets)],
    ['approval', alert.approval_id ?? LABELS.noApproval[lang]],
    ['at', tokyoLabel(alert.at)],
  );
  return rows.map(([key, value]) => ({ label: LABELS[key][lang], value }));
}

function links(links: AlertLinks, lang: Language): MessageLink[] {
  const out: MessageLink[] = [];
  if (links.grafana) out.push({ label: LABELS.grafana[lang], url: links.grafana });
  if (links.auditApi) out.push({ label: LABELS.auditApi[lang], url: links.auditApi });
  return out;
}

export function languagesOf(setting: LanguageSetting): Language[] {
  return setting === 'both' ? ['ja', 'en'] : [setting];
}

export function renderAlert(alert: Alert, alertLinks: AlertLinks, setting: LanguageSetting): AlertMessage {
  const kind = alertKind(alert);
  const languages = languagesOf(setting);
  const texts = languages.map((lang): AlertText => ({
    language: lang,
    headline: `[${tag(alert, kind, lang)}] ${title(alert, kind, lang)}`,
    sentence: lang === 'ja' ? alert.message : alert.message_en,
    facts: facts(alert, kind, lang),
    links: links(alertLinks, lang),
  }));
  const first = languages[0] ?? 'ja';
  const titles = languages.map((lang) => title(alert, kind, lang)).join(' / ');
  const subject = `[rmwatch][${tag(alert, kind, first)}] ${titles} — ${who(alert)}`;
  const blocks = texts.map((t) =>
    [
      t.headline,
      t.sentence,
      '',
      ...t.facts.map((f) => `${f.label}: ${f.value}`),
      ...(t.links.length > 0 ? ['', ...t.links.map((l) => `${l.label}: ${l.url}`)] : []),
    ].join('\n'),
  );
  const footer = `${LABELS.alertId[first]}: ${alert.id}`;
  return { subject, kind, texts, text: [...blocks, footer].join('\n\n') };
}
