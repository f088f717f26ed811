// The monthly report as two CSV files, as the city's spreadsheets take them (UTF-8 with BOM, CRLF).
//   input:  a MonthlyReport, the language of the labels
//   output: `ledger`: the usage ledger (様式第3号), a header row and one row per session;
//           `summary`: the monthly report (様式第4号): title and filters, the usage figures, findings by rule
//           with their dispositions, and usage by vendor, as blocks separated by an empty line
import { toCsv, type CsvCell } from '../csv.ts';
import type { LedgerRow, MonthlyReport } from './build.ts';
import { DISPOSITION_STATUSES, LABELS, ruleName, type ReportLang } from './labels.ts';
import { tokyoDateTime } from './month.ts';

export interface MonthlyReportCsv {
  ledger: string;
  summary: string;
}

/** The rules a session broke, `申請時間外の接続×2`; several separated by `;` in one cell. */
export function findingsCell(row: LedgerRow, lang: ReportLang): string[] {
  return row.findings.map((f) => `${ruleName(f.rule, lang)}×${f.count}`);
}

export function ledgerHeader(lang: ReportLang): string[] {
  const l = LABELS[lang].ledger;
  return [
    l.date,
    l.vendor,
    l.operator,
    l.accounts,
    l.purpose,
    l.system,
    l.start,
    l.end,
    l.minutes,
    l.outOfWindowMinutes,
    l.approval,
    l.findings,
    l.findingCount,
    l.state,
    l.session,
  ];
}

export function ledgerCells(row: LedgerRow, lang: ReportLang): CsvCell[] {
  const labels = LABELS[lang];
  return [
    row.date,
    row.vendor || labels.unknownVendor,
    row.operator,
    row.accounts,
    row.purpose,
    row.systems,
    row.start,
    row.end,
    row.minutes,
    row.out_of_window_minutes,
    row.approval_id,
    findingsCell(row, lang),
    row.finding_count,
    labels.state[row.state],
    row.session_id,
  ];
}

/** Title block lines shared by the CSV summary and the HTML page: month, vendor, system, generated at. */
export function titleFacts(report: MonthlyReport, lang: ReportLang): [string, string][] {
  const l = LABELS[lang];
  return [
    [l.month, report.month],
    [l.vendorFilter, report.vendor?.name ?? l.allVendors],
    [l.systemFilter, report.system?.name ?? l.allSystems],
    [l.generatedAt, `${tokyoDateTime(Date.parse(report.as_of))} (${lang === 'ja' ? '日本時間' : 'JST'})`],
  ];
}

export function figureRows(report: MonthlyReport, lang: ReportLang): [string, number][] {
  const f = LABELS[lang].figures;
  const s = report.summary;
  return [
    [f.sessions, s.sessions],
    [f.openSessions, s.open_sessions],
    [f.withoutApproval, s.sessions_without_approval],
    [f.minutes, s.minutes],
    [f.outOfWindowMinutes, s.out_of_window_minutes],
    [f.findings, s.findings],
  ];
}

export function byRuleHeader(lang: ReportLang): string[] {
  const b = LABELS[lang].byRule;
  return [b.rule, b.total, ...DISPOSITION_STATUSES.map((d) => b[d])];
}

/** One row per rule, then the total row. */
export function byRuleRows(report: MonthlyReport, lang: ReportLang): (string | number)[][] {
  const s = report.summary;
  return [
    ...s.by_rule.map((r) => [ruleName(r.rule, lang), r.total, ...DISPOSITION_STATUSES.map((d) => r[d])]),
    [LABELS[lang].total, s.findings, ...DISPOSITION_STATUSES.map((d) => s.dispositions[d])],
  ];
}

export function byVendorHeader(lang: ReportLang): string[] {
  const v = LABELS[lang].byVendor;
  return [v.vendor, v.sessions, v.minutes, v.outOfWindowMinutes, v.findings];
}

export function byVendorRows(report: MonthlyReport, lang: ReportLang): (string | number)[][] {
  const s = report.summary;
  const unknown = LABELS[lang].unknownVendor;
  return [
    ...s.by_vendor.map((v) => [
      v.vendor || unknown,
      v.sessions,
      v.minutes,
      v.out_of_window_minutes,
      v.findings,
    ]),
    [LABELS[lang].total, s.sessions, s.minutes, s.out_of_window_minutes, s.findings],
  ];
}

export function renderMonthlyReportCsv(report: MonthlyReport, lang: ReportLang = 'ja'): MonthlyReportCsv {
  const labels = LABELS[lang];
  const ledger = toCsv(
    ledgerHeader(lang),
    report.ledger.map((row) => ledgerCells(row, lang)),
  );
  const f = labels.figures;
  const blank: CsvCell[] = [];
  const summary = toCsv(
    [labels.summaryTitle],
    [
      ...titleFacts(report, lang),
      blank,
      [f.item, f.value],
      ...figureRows(report, lang),
      blank,
      byRuleHeader(lang),
      ...byRuleRows(report, lang),
      blank,
      byVendorHeader(lang),
      ...byVendorRows(report, lang),
    ],
  );
  return { ledger, summary };
}
