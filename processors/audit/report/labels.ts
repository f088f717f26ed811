// The words of the monthly report in Japanese (the default: the forms are the city's) and English.
import type { RuleId } from '../../../model/finding.ts';
import { MonthlyReportInputError } from './month.ts';

export type ReportLang = 'ja' | 'en';

export const DISPOSITION_STATUSES = ['open', 'acknowledged', 'false_positive', 'resolved'] as const;
export type DispositionStatus = (typeof DISPOSITION_STATUSES)[number];

/** A short name per rule, as a security officer calls it. */
const RULE_NAMES_JA: Record<RuleId, string> = {
  out_of_window: '申請時間外の接続',
  target_not_approved: '申請外サーバへの接続',
  shared_account: 'アカウント共用',
  file_transfer: 'ファイル転送',
  jump_host_bypass: '踏み台を経由しない接続',
  unregistered_source: '未登録の接続元',
  overlong_session: '長時間接続',
  idle_session: '無操作放置',
  auth_failure_burst: '認証失敗の多発',
  concurrency_exceeded: '同時接続数超過',
  frozen_vendor: '停止中事業者の接続',
  unreported_session: '作業報告なし',
  report_mismatch: '作業報告との相違',
};

export function ruleName(rule: RuleId, lang: ReportLang): string {
  return lang === 'ja' ? RULE_NAMES_JA[rule] : rule;
}

export interface ReportLabels {
  ledgerTitle: string;
  summaryTitle: string;
  month: string;
  vendorFilter: string;
  systemFilter: string;
  allVendors: string;
  allSystems: string;
  generatedAt: string;
  /** Ledger columns, in order. */
  ledger: {
    date: string;
    vendor: string;
    operator: string;
    accounts: string;
    purpose: string;
    system: string;
    start: string;
    end: string;
    minutes: string;
    outOfWindowMinutes: string;
    approval: string;
    findings: string;
    findingCount: string;
    state: string;
    session: string;
  };
  state: { open: string; closed: string; failed: string };
  unknownVendor: string;
  noRows: string;
  figures: {
    heading: string;
    item: string;
    value: string;
    sessions: string;
    openSessions: string;
    withoutApproval: string;
    minutes: string;
    outOfWindowMinutes: string;
    findings: string;
  };
  byRule: { heading: string; rule: string; total: string } & Record<DispositionStatus, string>;
  byVendor: {
    heading: string;
    vendor: string;
    sessions: string;
    minutes: string;
    outOfWindowMinutes: string;
    findings: string;
  };
  total: string;
  none: string;
}

export const LABELS: Record<ReportLang, ReportLabels> = {
  ja: {
    ledgerTitle: 'リモート保守 利用台帳（様式第3号）',
    summaryTitle: 'リモート保守 月次報告（様式第4号）',
    month: '対象月',
    vendorFilter: '事業者',
    systemFilter: 'システム',
    allVendors: '全事業者',
    allSystems: '全システム',
    generatedAt: '作成日時',
    ledger: {
      date: '日付',
      vendor: '事業者',
      operator: '作業者',
      accounts: 'アカウント',
      purpose: '作業目的',
      system: 'システム',
      start: '開始日時',
      end: '終了日時',
      minutes: '利用時間（分）',
      outOfWindowMinutes: '申請時間外（分）',
      approval: '申請番号',
      findings: '指摘事項',
      findingCount: '指摘件数',
      state: '状態',
      session: 'セッションID',
    },
    state: { open: '継続中', closed: '終了', failed: '接続不成立' },
    unknownVendor: '（不明）',
    noRows: '該当する接続はありません。',
    figures: {
      heading: '利用状況',
      item: '項目',
      value: '値',
      sessions: '接続件数',
      openSessions: 'うち継続中',
      withoutApproval: 'うち申請なし',
      minutes: '利用時間合計（分）',
      outOfWindowMinutes: '申請時間外の利用時間（分）',
      findings: '指摘件数',
    },
    byRule: {
      heading: '指摘事項と対応状況',
      rule: '指摘事項',
      total: '件数',
      open: '未対応',
      acknowledged: '確認済',
      false_positive: '誤検知',
      resolved: '対応済',
    },
    byVendor: {
      heading: '事業者別',
      vendor: '事業者',
      sessions: '接続件数',
      minutes: '利用時間（分）',
      outOfWindowMinutes: '申請時間外（分）',
      findings: '指摘件数',
    },
    total: '合計',
    none: 'なし',
  },
  en: {
    ledgerTitle: 'Remote maintenance usage ledger (Form 3)',
    summaryTitle: 'Remote maintenance monthly report (Form 4)',
    month: 'Month',
    vendorFilter: 'Vendor',
    systemFilter: 'System',
    allVendors: 'all vendors',
    allSystems: 'all systems',
    generatedAt: 'Generated at',
    ledger: {
      date: 'date',
      vendor: 'vendor',
      operator: 'operator',
      accounts: 'accounts',
      purpose: 'purpose',
      system: 'system',
      start: 'start',
      end: 'end',
      minutes: 'min.',
      outOfWindowMinutes: 'outside window (min.)',
      approval: 'approval',
      findings: 'findings',
      findingCount: 'count',
      state: 'state',
      session: 'session id',
    },
    state: { open: 'open', closed: 'closed', failed: 'not established' },
    unknownVendor: '(unknown)',
    noRows: 'No sessions.',
    figures: {
      heading: 'Usage',
      item: 'item',
      value: 'value',
      sessions: 'sessions',
      openSessions: 'of which open',
      withoutApproval: 'of which without approval',
      minutes: 'total minutes',
      outOfWindowMinutes: 'out-of-window minutes',
      findings: 'findings',
    },
    byRule: {
      heading: 'Findings and dispositions',
      rule: 'rule',
      total: 'total',
      open: 'open',
      acknowledged: 'acknowledged',
      false_positive: 'false positive',
      resolved: 'resolved',
    },
    byVendor: {
      heading: 'By vendor',
      vendor: 'vendor',
      sessions: 'sessions',
      minutes: 'minutes',
      outOfWindowMinutes: 'out-of-window minutes',
      findings: 'findings',
    },
    total: 'total',
    none: 'none',
  },
};

/** `lang` from outside (a query string, a CLI flag) checked: anything else is a clear error. */
export function reportLang(value: string | undefined): ReportLang {
  if (value === undefined || value === 'ja') return 'ja';
  if (value === 'en') return 'en';
  throw new MonthlyReportInputError(
    `language ${JSON.stringify(value)} is not one the report speaks (ja, en)`,
  );
}
